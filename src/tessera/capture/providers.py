"""Canonical provider ids (DESIGN §6) and their OpenTelemetry names.

Tessera stores one spelling per provider so reports group correctly however
the user, a framework or a client class named it. Spans use the OpenTelemetry
GenAI ``gen_ai.provider.name`` well-known values where the convention has one.
"""

from __future__ import annotations

from typing import Final

OPENAI: Final = "openai"
ANTHROPIC: Final = "anthropic"
VERTEX_AI: Final = "vertex_ai"
GEMINI: Final = "gemini"
GITHUB_COPILOT: Final = "github_copilot"
BEDROCK: Final = "bedrock"
AZURE: Final = "azure"
OPENROUTER: Final = "openrouter"
MISTRAL: Final = "mistral"
DEEPSEEK: Final = "deepseek"
XAI: Final = "xai"
GROQ: Final = "groq"

#: Every canonical provider id, in the order of DESIGN §6.
CANONICAL_PROVIDERS: Final = (
    OPENAI,
    ANTHROPIC,
    VERTEX_AI,
    GEMINI,
    GITHUB_COPILOT,
    BEDROCK,
    AZURE,
    OPENROUTER,
    MISTRAL,
    DEEPSEEK,
    XAI,
    GROQ,
)

# Keys are already lower-cased with spaces and hyphens turned into underscores.
_ALIASES: Final[dict[str, str]] = {
    "open_ai": OPENAI,
    "vertex": VERTEX_AI,
    "vertexai": VERTEX_AI,
    "google_vertex": VERTEX_AI,
    "google_vertex_ai": VERTEX_AI,
    "google_vertexai": VERTEX_AI,
    "gcp.vertex_ai": VERTEX_AI,
    "vertex_ai_beta": VERTEX_AI,
    "anthropic_vertex": VERTEX_AI,
    "anthropicvertex": VERTEX_AI,
    "google": GEMINI,
    "google_genai": GEMINI,
    "google_gemini": GEMINI,
    "google_ai_studio": GEMINI,
    "googleai": GEMINI,
    "gcp.gemini": GEMINI,
    "copilot": GITHUB_COPILOT,
    "githubcopilot": GITHUB_COPILOT,
    "aws": BEDROCK,
    "aws_bedrock": BEDROCK,
    "aws.bedrock": BEDROCK,
    "amazon_bedrock": BEDROCK,
    "bedrock_converse": BEDROCK,
    "azure_openai": AZURE,
    "azure.ai.openai": AZURE,
    "azure_ai": AZURE,
    "azure.ai.inference": AZURE,
    "open_router": OPENROUTER,
    "mistralai": MISTRAL,
    "mistral_ai": MISTRAL,
    "deep_seek": DEEPSEEK,
    "x_ai": XAI,
    "x.ai": XAI,
    "grok": XAI,
}

# gen_ai.provider.name well-known values (OpenTelemetry GenAI semantic conventions).
# github_copilot and openrouter have none, so their canonical id is used.
OTEL_PROVIDER_NAMES: Final[dict[str, str]] = {
    OPENAI: "openai",
    ANTHROPIC: "anthropic",
    VERTEX_AI: "gcp.vertex_ai",
    GEMINI: "gcp.gemini",
    BEDROCK: "aws.bedrock",
    AZURE: "azure.ai.openai",
    MISTRAL: "mistral_ai",
    DEEPSEEK: "deepseek",
    XAI: "x_ai",
    GROQ: "groq",
}


def _fold(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def canonical_provider(name: str | None) -> str | None:
    """The canonical provider id for a common spelling of a provider's name.

    Args:
        name: A provider name as a user, a framework or a client might spell it
            (``"Anthropic"``, ``"google"``, ``"vertex"``, ``"github-copilot"``, ...).
            Case, surrounding spaces and hyphen-or-underscore differences are ignored.

    Returns:
        One of :data:`CANONICAL_PROVIDERS`, or None when the name is empty,
        not a string, or not a known provider.
    """
    if not isinstance(name, str):
        return None
    folded = _fold(name)
    if folded in CANONICAL_PROVIDERS:
        return folded
    return _ALIASES.get(folded)


def otel_provider_name(canonical: str) -> str:
    """The OpenTelemetry ``gen_ai.provider.name`` value for a provider.

    Args:
        canonical: A canonical provider id (other spellings are normalized first).

    Returns:
        The semantic-convention well-known value (``gcp.vertex_ai``,
        ``aws.bedrock``, ...) where one exists, else the canonical id, else the
        name as given for a provider Tessera does not know.
    """
    known = canonical_provider(canonical) or canonical
    return OTEL_PROVIDER_NAMES.get(known, known)
