"""The SQL of schema version 1: the seed's tables with the seed's column names.

Times are ISO-8601 UTC text; money is ``cost_usd REAL`` (what plain SQL reads)
beside ``cost_pusd INTEGER`` (exact picodollars); prices are exact decimal text
per 1,000 tokens, as the seed names them.
"""

from __future__ import annotations

#: 1 for a call whose cost is unknown: no price, or no usage reported. A
#: request that failed without reporting usage was not billed, so it is not
#: unknown; it costs nothing that anyone can know of.
COST_UNKNOWN = (
    "CASE WHEN cost_pusd IS NULL"
    " AND NOT (status = 'error' AND usage_reported = 0) THEN 1 ELSE 0 END"
)

RUNS = """
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    name TEXT,
    started_at TEXT,
    ended_at TEXT,
    status TEXT,
    trace_id TEXT
)"""

TASK_ASSIGNMENTS = """
CREATE TABLE task_assignments (
    task_id TEXT PRIMARY KEY,
    description TEXT,
    type TEXT,
    agent_name TEXT,
    assigned_at TEXT,
    started_at TEXT,
    completed_at TEXT,
    status TEXT,
    result_summary TEXT,
    error_message TEXT,
    phase TEXT,
    run_id TEXT,
    trace_id TEXT,
    span_id TEXT,
    quality_score REAL,
    calls INTEGER,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_write_tokens INTEGER,
    reasoning_tokens INTEGER,
    cost_usd REAL,
    cost_pusd INTEGER,
    unpriced_calls INTEGER
)"""

AGENT_PERFORMANCE = """
CREATE TABLE agent_performance (
    id INTEGER PRIMARY KEY,
    agent_name TEXT,
    task_id TEXT,
    phase TEXT,
    success INTEGER,
    duration_seconds REAL,
    cost_usd REAL,
    cost_pusd INTEGER,
    quality_score REAL,
    timestamp TEXT,
    run_id TEXT,
    calls INTEGER,
    unpriced_calls INTEGER
)"""

MODEL_PRICING = """
CREATE TABLE model_pricing (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL,
    model_name TEXT NOT NULL,
    model_pattern TEXT,
    prompt_price_per_1k TEXT NOT NULL,
    completion_price_per_1k TEXT NOT NULL,
    cache_read_price_per_1k TEXT,
    cache_write_price_per_1k TEXT,
    cache_write_1h_price_per_1k TEXT,
    reasoning_price_per_1k TEXT,
    long_context_threshold INTEGER,
    long_context_prompt_price_per_1k TEXT,
    long_context_completion_price_per_1k TEXT,
    long_context_cache_read_price_per_1k TEXT,
    long_context_cache_write_price_per_1k TEXT,
    effective_date TEXT NOT NULL,
    deprecated_date TEXT,
    source TEXT NOT NULL CHECK (source IN ('builtin', 'user')),
    note TEXT,
    builtin_key TEXT UNIQUE,
    active INTEGER NOT NULL DEFAULT 1,
    added_at TEXT
)"""

LLM_CALLS = """
CREATE TABLE llm_calls (
    call_id TEXT PRIMARY KEY,
    operation_id TEXT,
    attempt INTEGER,
    task_id TEXT,
    run_id TEXT,
    trace_id TEXT,
    span_id TEXT,
    agent_name TEXT,
    phase TEXT,
    provider TEXT,
    request_model TEXT,
    response_model TEXT,
    started_at TEXT,
    ended_at TEXT,
    duration_ms REAL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    total_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_write_tokens INTEGER,
    reasoning_tokens INTEGER,
    usage_reported INTEGER,
    cost_usd REAL,
    cost_pusd INTEGER,
    cost_status TEXT,
    pricing_id INTEGER REFERENCES model_pricing(id),
    stream INTEGER,
    status TEXT,
    error_type TEXT,
    raw_usage TEXT,
    extras TEXT
)"""

QUALITY_ITERATIONS = """
CREATE TABLE quality_iterations (
    id INTEGER PRIMARY KEY,
    run_id TEXT,
    monitor TEXT NOT NULL DEFAULT 'default',
    iteration INTEGER NOT NULL,
    coverage REAL NOT NULL,
    quality_score REAL NOT NULL,
    tasks_completed INTEGER NOT NULL,
    cost_usd REAL,
    cost_pusd INTEGER,
    recorded_at TEXT NOT NULL,
    UNIQUE (run_id, monitor, iteration)
)"""

INDEXES = (
    "CREATE INDEX idx_task_assignments_agent ON task_assignments (agent_name)",
    "CREATE INDEX idx_task_assignments_started ON task_assignments (started_at)",
    "CREATE INDEX idx_agent_performance_agent ON agent_performance (agent_name)",
    "CREATE INDEX idx_agent_performance_timestamp ON agent_performance (timestamp)",
    "CREATE INDEX idx_llm_calls_started ON llm_calls (started_at)",
    "CREATE INDEX idx_llm_calls_task ON llm_calls (task_id, started_at)",
    "CREATE INDEX idx_llm_calls_agent ON llm_calls (agent_name)",
    "CREATE INDEX idx_llm_calls_response_model ON llm_calls (response_model)",
    "CREATE INDEX idx_llm_calls_run ON llm_calls (run_id)",
    "CREATE INDEX idx_model_pricing_model ON model_pricing (model_name)",
)

VIEWS = (
    """
CREATE VIEW agent_summary AS
SELECT agent_name,
       COUNT(*) AS tasks,
       SUM(CASE WHEN success THEN 1 ELSE 0 END) AS successes,
       ROUND(1.0 * SUM(CASE WHEN success THEN 1 ELSE 0 END) / COUNT(*), 4) AS success_rate,
       AVG(duration_seconds) AS avg_duration_seconds,
       SUM(cost_usd) AS total_cost_usd
FROM agent_performance
GROUP BY agent_name""",
    # 'localtime' is the machine's zone; the Python API takes any zone.
    """
CREATE VIEW daily_cost AS
SELECT date(started_at, 'localtime') AS day,
       COUNT(*) AS calls,
       SUM(input_tokens) AS input_tokens,
       SUM(output_tokens) AS output_tokens,
       SUM(COALESCE(total_tokens, input_tokens + output_tokens)) AS tokens,
       SUM(cost_usd) AS cost_usd,
       SUM("""
    + COST_UNKNOWN
    + """) AS unpriced_calls
FROM llm_calls
GROUP BY day""",
    """
CREATE VIEW unpriced_models AS
SELECT provider,
       COALESCE(response_model, request_model) AS model,
       COUNT(*) AS calls,
       MIN(started_at) AS first_seen,
       MAX(started_at) AS last_seen
FROM llm_calls
WHERE cost_status = 'unpriced'
GROUP BY provider, model""",
)

#: Every statement of schema version 1, in order.
M001_STATEMENTS = (
    RUNS,
    TASK_ASSIGNMENTS,
    AGENT_PERFORMANCE,
    MODEL_PRICING,
    LLM_CALLS,
    QUALITY_ITERATIONS,
    *INDEXES,
    *VIEWS,
)
