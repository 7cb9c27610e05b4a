"""Span attribute names match the OpenTelemetry semantic conventions."""

from __future__ import annotations

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import error_attributes

from tessera.capture.providers import OTEL_PROVIDER_NAMES
from tessera.tracing import attributes as a


def test_gen_ai_names_are_the_semantic_convention_names() -> None:
    # The semconv package is an independent source for every GenAI name used.
    assert a.GEN_AI_OPERATION_NAME == gen_ai.GEN_AI_OPERATION_NAME
    assert a.GEN_AI_PROVIDER_NAME == gen_ai.GEN_AI_PROVIDER_NAME
    assert a.GEN_AI_REQUEST_MODEL == gen_ai.GEN_AI_REQUEST_MODEL
    assert a.GEN_AI_REQUEST_MAX_TOKENS == gen_ai.GEN_AI_REQUEST_MAX_TOKENS
    assert a.GEN_AI_RESPONSE_MODEL == gen_ai.GEN_AI_RESPONSE_MODEL
    assert a.GEN_AI_RESPONSE_ID == gen_ai.GEN_AI_RESPONSE_ID
    assert a.GEN_AI_USAGE_INPUT_TOKENS == gen_ai.GEN_AI_USAGE_INPUT_TOKENS
    assert a.GEN_AI_USAGE_OUTPUT_TOKENS == gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS
    assert a.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS == gen_ai.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS
    assert (
        a.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS
        == gen_ai.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS
    )
    assert a.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS == gen_ai.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS
    assert a.GEN_AI_AGENT_NAME == gen_ai.GEN_AI_AGENT_NAME
    assert a.ERROR_TYPE == error_attributes.ERROR_TYPE


def test_operation_values_are_convention_values() -> None:
    values = {v.value for v in gen_ai.GenAiOperationNameValues}
    ops = [a.OPERATION_CHAT, a.OPERATION_INVOKE_AGENT, a.OPERATION_INVOKE_WORKFLOW]
    assert {*ops, a.OPERATION_EXECUTE_TOOL} <= values


def test_provider_names() -> None:
    known = {v.value for v in gen_ai.GenAiProviderNameValues}
    assert a.provider_name("vertex_ai") == "gcp.vertex_ai"
    assert a.provider_name("bedrock") == "aws.bedrock"
    assert a.provider_name("xai") == "x_ai"
    assert a.provider_name("github_copilot") == "github_copilot"  # no convention value
    # Every mapped value is one the convention lists.
    assert set(OTEL_PROVIDER_NAMES.values()) <= known


def test_seed_keys() -> None:
    assert a.SEED_TASK_KEYS == ("agent_name", "task_id", "phase")
