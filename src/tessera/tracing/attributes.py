"""Names of the attributes Tessera puts on spans.

The ``gen_ai.*`` and ``error.type`` names follow the OpenTelemetry GenAI
semantic conventions, so any OpenTelemetry backend reads them without mapping.
The ``tessera.*`` names are Tessera's own. The seed keys (``agent_name``,
``task_id``, ``phase``) are what the seed's trace consumers look for on every
task span, so task spans carry them beside the convention names.
"""

from __future__ import annotations

from tessera.capture.providers import otel_provider_name

# OpenTelemetry GenAI semantic conventions.
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_RESPONSE_ID = "gen_ai.response.id"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens"
GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens"
GEN_AI_AGENT_NAME = "gen_ai.agent.name"
ERROR_TYPE = "error.type"

# Tessera's own.
TESSERA_TASK_ID = "tessera.task.id"
TESSERA_PHASE = "tessera.phase"
TESSERA_COST_USD = "tessera.cost.usd"
TESSERA_COST_STATUS = "tessera.cost.status"
TESSERA_RUN_ID = "tessera.run.id"
TESSERA_USAGE_REPORTED = "tessera.usage.reported"
TESSERA_STREAM = "tessera.stream"
TESSERA_TASK_TYPE = "tessera.task.type"
#: Number of model calls recorded inside a task.
TESSERA_TASK_CALLS = "tessera.task.calls"
TESSERA_QUALITY_SCORE = "tessera.quality.score"
#: Added by the JSONL exporter: the keys of the attributes it cut to size.
TESSERA_TRUNCATED = "tessera.truncated"
#: Added by the JSONL exporter: how many attributes it left out for being ``None``.
TESSERA_DROPPED_NONE = "tessera.dropped_none"

# The seed's keys, required on every task span (DESIGN §8).
SEED_AGENT_NAME = "agent_name"
SEED_TASK_ID = "task_id"
SEED_PHASE = "phase"
SEED_TASK_KEYS = (SEED_AGENT_NAME, SEED_TASK_ID, SEED_PHASE)

# Values of gen_ai.operation.name for the spans Tessera opens.
OPERATION_CHAT = "chat"
OPERATION_INVOKE_AGENT = "invoke_agent"
OPERATION_INVOKE_WORKFLOW = "invoke_workflow"
OPERATION_EXECUTE_TOOL = "execute_tool"

#: The ``gen_ai.provider.name`` value for a Tessera provider id (``vertex_ai`` →
#: ``gcp.vertex_ai``); ids the convention does not list map to themselves. The
#: mapping lives with the provider ids, in :mod:`tessera.capture.providers`.
provider_name = otel_provider_name
