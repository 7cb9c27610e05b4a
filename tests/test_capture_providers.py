"""Canonical provider ids and their OpenTelemetry names (DESIGN §6)."""

from __future__ import annotations

import pytest

from tessera.capture import CANONICAL_PROVIDERS, canonical_provider, otel_provider_name


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("Anthropic", "anthropic"),
        (" OpenAI ", "openai"),
        ("google", "gemini"),
        ("vertex", "vertex_ai"),
        ("VertexAI", "vertex_ai"),
        ("google_vertex", "vertex_ai"),
        ("Vertex-AI", "vertex_ai"),
        ("copilot", "github_copilot"),
        ("github-copilot", "github_copilot"),
        ("GitHub Copilot", "github_copilot"),
        ("aws", "bedrock"),
        ("azure_openai", "azure"),
        ("MistralAI", "mistral"),
        ("x.ai", "xai"),
        ("Groq", "groq"),
        ("OpenRouter", "openrouter"),
        ("deepseek", "deepseek"),
    ],
)
def test_common_spellings(spelling: str, canonical: str) -> None:
    assert canonical_provider(spelling) == canonical


@pytest.mark.parametrize("name", [None, "", "   ", "ollama-local", "claude"])
def test_unknown_names_give_none(name: str | None) -> None:
    assert canonical_provider(name) is None


def test_every_canonical_id_maps_to_itself() -> None:
    assert len(CANONICAL_PROVIDERS) == 12
    for provider in CANONICAL_PROVIDERS:
        assert canonical_provider(provider) == provider


@pytest.mark.parametrize(
    ("provider", "otel"),
    [
        ("openai", "openai"),
        ("anthropic", "anthropic"),
        ("vertex_ai", "gcp.vertex_ai"),
        ("gemini", "gcp.gemini"),
        ("bedrock", "aws.bedrock"),
        ("azure", "azure.ai.openai"),
        ("mistral", "mistral_ai"),
        ("xai", "x_ai"),
        ("deepseek", "deepseek"),
        ("groq", "groq"),
        # No well-known value in the semantic conventions: the canonical id.
        ("github_copilot", "github_copilot"),
        ("openrouter", "openrouter"),
        ("copilot", "github_copilot"),
        ("my_gateway", "my_gateway"),
    ],
)
def test_otel_provider_names(provider: str, otel: str) -> None:
    assert otel_provider_name(provider) == otel
