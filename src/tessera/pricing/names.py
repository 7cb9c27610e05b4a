"""Normalizing model ids before a price lookup (prices.md §7).

Providers, gateways and frameworks spell one model many ways
(``GPT-4O``, ``openai/gpt-4o``, ``us.anthropic.claude-3-5-sonnet-20241022-v2:0``,
``claude-sonnet-4@20250514``). Normalizing keeps the model and, separately,
the channel it was called through, because channels can price it differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tessera.capture.providers import BEDROCK, VERTEX_AI, canonical_provider

# Bedrock ids: optional cross-region profile, vendor, model, `-vN` or `-vN:M` version.
_BEDROCK_ID = re.compile(
    r"(?:(global|us|eu|apac|au|jp|us-gov|ca)\.)?anthropic\.(.+?)(?:-v\d+(?::\d+)?)?"
)
# Vertex resource names: `[projects/p/locations/l/]publishers/<vendor>/models/<model>`.
_VERTEX_RESOURCE = re.compile(r"(?:projects/[^/]+/locations/[^/]+/)?publishers/[^/]+/models/(.+)")
_COMPACT_DATE = re.compile(r"-(20\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_DATE_SUFFIX = re.compile(r"-(?:20\d\d-\d\d-\d\d|20\d{6}|latest)$")


@dataclass(frozen=True, slots=True)
class ModelName:
    """A model id split into the model and what the id said about the channel.

    Attributes:
        name: The normalized model id (``claude-3-5-sonnet-20241022``).
        provider_hint: The provider the id itself named (``openai/`` prefix,
            Bedrock or Vertex id form), or None.
        region: Bedrock cross-region profile (``us``, ``eu``, ...); None for
            ``global.`` and for every other provider.
    """

    name: str
    provider_hint: str | None = None
    region: str | None = None

    @property
    def lookup_name(self) -> str:
        """The name tried first: ``<region>.<name>`` for a regional Bedrock id, else ``name``.

        Regional profiles can cost more than ``global.`` (prices.md §4), so a
        price row may be keyed by the regional name; without one the plain name
        is used.
        """
        return f"{self.region}.{self.name}" if self.region else self.name


def normalize_model(raw: str) -> ModelName:
    """Normalize a model id as received from a response, a user or a framework.

    Lower-cases; strips provider prefixes (``openai/``, ``vertex_ai/``,
    ``openrouter/anthropic/``, ...) keeping the outermost as the provider hint;
    drops the Gemini API ``models/`` prefix; turns Bedrock ids
    (``[region.]anthropic.<model>-vN:M``) into ``<model>`` and Vertex ids
    (``<model>@<date>``) into ``<model>-<date>``.

    Args:
        raw: The model id.

    Returns:
        The normalized name with the provider hint and Bedrock region.
    """
    name = raw.strip().lower()
    hint: str | None = None
    resource = _VERTEX_RESOURCE.fullmatch(name)
    if resource:
        name, hint = resource.group(1), VERTEX_AI
    while "/" in name:
        head, rest = name.split("/", 1)
        if head == "models":
            name = rest
            continue
        provider = canonical_provider(head)
        if provider is None:
            break
        hint = hint or provider
        name = rest
    region: str | None = None
    bedrock = _BEDROCK_ID.fullmatch(name)
    if bedrock:
        region = None if bedrock.group(1) in (None, "global") else bedrock.group(1)
        name, hint = bedrock.group(2), hint or BEDROCK
    if "@" in name:
        base, _, version = name.partition("@")
        name, hint = (f"{base}-{version}" if version else base), hint or VERTEX_AI
    return ModelName(name=name, provider_hint=hint, region=region)


def name_variants(model: ModelName) -> list[str]:
    """The names to look up, in order.

    The regional Bedrock name, the name itself, then two last resorts: the
    compact date rewritten to the dashed form (``-20240806`` -> ``-2024-08-06``),
    and the family alias without its date suffix. Last, because a dated
    snapshot can have its own price (``gpt-4o-2024-05-13``): the family price
    only applies when the snapshot has no row of its own.
    """
    names = [model.lookup_name] if model.region else []
    names.append(model.name)
    dashed = _COMPACT_DATE.sub(r"-\1-\2-\3", model.name)
    if dashed != model.name:
        names.append(dashed)
    family = _DATE_SUFFIX.sub("", model.name)
    if family != model.name and family:
        names.append(family)
    return names


def provider_id(provider: str | None) -> str | None:
    """The canonical id of a provider name; an unknown provider keeps its lower-cased name."""
    if provider is None or not provider.strip():
        return None
    return canonical_provider(provider) or provider.strip().lower()
