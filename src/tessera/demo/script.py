"""What the demo's providers answer, in the order the demo asks.

Token counts per call (the costs are worked out in ``tests/test_demo.py``):

====  ==============  ===============================  ======================================
call  agent           model (provider)                 usage
====  ==============  ===============================  ======================================
1     planner         o3-mini (openai)                 1,850 in; 2,400 out incl. 1,600 reasoning
2     planner         gpt-4o (github_copilot)          3,200 in; 410 out
3     python-expert   claude-sonnet-4 (anthropic, ⇶)   12 + 4,096 cache write (5m) in; 1,850 out
4     reviewer        gpt-4o-mini (openai, ⇶)          5,210 in; 640 out
5     python-expert   claude-sonnet-4 (anthropic)      HTTP 529 overloaded: no usage, task fails
6     python-expert   claude-sonnet-4 (vertex_ai)      35 + 4,096 cache read in; 2,210 out
7     reviewer        gpt-4o-mini (openai, ⇶)          6,020 in incl. 5,120 cached; 580 out
8     python-expert   claude-sonnet-4 (anthropic, ⇶)   40 + 4,096 read + 1,024 1h write; 1,320 out
9     reviewer        gpt-4o-mini (openai, ⇶)          6,400 in incl. 5,120 cached; 512 out
10    doc-writer      ft:gpt-4o-mini…:acme (openai)    2,900 in; 700 out (fine-tune: no price)
11    doc-writer      gpt-4o (openai, LangChain)       2,300 in; 350 out
====  ==============  ===============================  ======================================

⇶ streamed. Call 2 carries GitHub Copilot quota headers; call 11 goes through a
LangChain chat model over the instrumented client, with a TokenUsageCallback
attached too, and is stored once.
"""

from __future__ import annotations

import json

from tessera.demo import recordings as rec
from tessera.demo.transport import Exchange

OPENAI = "api.openai.com"
COPILOT = "api.githubcopilot.com"
ANTHROPIC = "api.anthropic.com"
VERTEX = "us-east5-aiplatform.googleapis.com"

SONNET = "claude-sonnet-4-20250514"
SONNET_VERTEX = "claude-sonnet-4@20250514"
FINE_TUNE = "ft:gpt-4o-mini-2024-07-18:acme::demo1"

#: What GitHub Copilot says about the subscription's quota, with every answer.
COPILOT_QUOTA_HEADERS = (
    ("x-quota-snapshot-chat", "ent=-1&ov=0.0&ovPerm=false&rem=100.0&rst=2026-01-01T00%3A00%3A00Z"),
    (
        "x-quota-snapshot-premium_interactions",
        "ent=300&ov=0.0&ovPerm=false&rem=87.3&rst=2026-01-01T00%3A00%3A00Z",
    ),
)

#: The reviewer's verdict per improvement round: (coverage %, quality 0-1).
REVIEWS = [(72.0, 0.78), (84.5, 0.86), (91.0, 0.93)]

PLAN = "1. Parse the CSV export. 2. Validate rows. 3. Report totals per customer."
CODE = "def load(path):\n    with open(path) as f:\n        return list(csv.DictReader(f))\n"


def _review_text(coverage: float, quality: float) -> str:
    return json.dumps({"coverage": coverage, "quality": quality, "notes": "see inline comments"})


def exchanges() -> list[Exchange]:
    """The demo's eleven provider answers, in order."""
    (cov1, q1), (cov2, q2), (cov3, q3) = REVIEWS
    return [
        Exchange(
            OPENAI,
            "o3-mini",
            rec.openai_chat(
                "o3-mini-2025-01-31",
                PLAN,
                1850,
                2400,
                reasoning=1600,
                response_id="chatcmpl-demo-plan",
            ),
            latency_ms=420,
        ),
        Exchange(
            COPILOT,
            "gpt-4o",
            rec.openai_chat(
                "gpt-4o-2024-11-20",
                "The repository has 14 modules.",
                3200,
                410,
                response_id="chatcmpl-demo-scan",
            ),
            latency_ms=180,
            headers=COPILOT_QUOTA_HEADERS,
        ),
        Exchange(
            ANTHROPIC,
            SONNET,
            rec.anthropic_stream(
                SONNET,
                CODE,
                rec.anthropic_usage(12, 1850, cache_write_5m=4096),
                message_id="msg_demo_impl1",
            ),
            latency_ms=610,
        ),
        Exchange(
            OPENAI,
            "gpt-4o-mini",
            rec.openai_chat_stream(
                "gpt-4o-mini-2024-07-18",
                _review_text(cov1, q1),
                5210,
                640,
                response_id="chatcmpl-demo-review1",
            ),
            latency_ms=260,
        ),
        Exchange(ANTHROPIC, SONNET, rec.anthropic_overloaded(), status=529, latency_ms=90),
        Exchange(
            VERTEX,
            SONNET_VERTEX,
            rec.anthropic_message(
                SONNET,
                CODE,
                rec.anthropic_usage(35, 2210, cache_read=4096),
                message_id="msg_vrtx_demo_impl2",
            ),
            latency_ms=540,
        ),
        Exchange(
            OPENAI,
            "gpt-4o-mini",
            rec.openai_chat_stream(
                "gpt-4o-mini-2024-07-18",
                _review_text(cov2, q2),
                6020,
                580,
                cached=5120,
                response_id="chatcmpl-demo-review2",
            ),
            latency_ms=240,
        ),
        Exchange(
            ANTHROPIC,
            SONNET,
            rec.anthropic_stream(
                SONNET,
                CODE,
                rec.anthropic_usage(40, 1320, cache_read=4096, cache_write_1h=1024),
                message_id="msg_demo_impl3",
            ),
            latency_ms=480,
        ),
        Exchange(
            OPENAI,
            "gpt-4o-mini",
            rec.openai_chat_stream(
                "gpt-4o-mini-2024-07-18",
                _review_text(cov3, q3),
                6400,
                512,
                cached=5120,
                response_id="chatcmpl-demo-review3",
            ),
            latency_ms=230,
        ),
        Exchange(
            OPENAI,
            FINE_TUNE,
            rec.openai_chat(
                FINE_TUNE,
                "## Usage\nRun `report customers.csv`.",
                2900,
                700,
                response_id="chatcmpl-demo-docs",
            ),
            latency_ms=300,
        ),
        Exchange(
            OPENAI,
            "gpt-4o",
            rec.openai_chat(
                "gpt-4o-2024-08-06",
                "Release notes: CSV customer report.",
                2300,
                350,
                response_id="chatcmpl-demo-notes",
            ),
            latency_ms=350,
        ),
    ]
