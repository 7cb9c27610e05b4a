"""``tessera demo --live``: a smaller agent team against the real providers.

The recorded demo shows every path without a network; this one shows that the
same instrumentation measures real traffic. It needs ``OPENAI_API_KEY`` and
``ANTHROPIC_API_KEY``, uses two inexpensive models with small ``max_tokens``
(a run costs around a cent), and lets a :class:`QualityMonitor` stop the
improvement rounds on the reviewer's own scores.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tessera.demo.workflow import DemoOutcome
from tessera.runtime.instrument import instrument
from tessera.runtime.observer import Observer
from tessera.workflow import QualityMonitor

OPENAI_MODEL = "gpt-4o-mini"
ANTHROPIC_MODEL = "claude-3-5-haiku-20241022"
KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")
ROUNDS = 3

FEATURE = "a Python function that totals a CSV export's amounts per customer"
REVIEW = (
    "Review this code. Answer with a JSON object only: "
    '{"coverage": <estimated test coverage, 0-100>, "quality": <0-1>, "notes": "<one line>"}'
)


def missing_keys(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The API key variables a live demo needs that are not set."""
    return [key for key in KEYS if not environ.get(key)]


@dataclass
class LiveClients:
    """The instrumented clients of a live run."""

    openai: Any
    anthropic: Any


def live_clients(
    observer: Observer, http_client: Callable[[Any], Any] | None = None
) -> LiveClients:
    """Real OpenAI and Anthropic clients, instrumented into ``observer``.

    ``http_client(sdk)`` may supply each SDK's HTTP client (the tests answer
    with a local transport); by default the SDKs talk to the providers.
    """
    import anthropic
    import openai

    def extra(sdk: Any) -> dict[str, Any]:
        return {} if http_client is None else {"http_client": http_client(sdk)}

    return LiveClients(
        openai=instrument(openai.OpenAI(**extra(openai)), observer=observer),
        anthropic=instrument(anthropic.Anthropic(**extra(anthropic)), observer=observer),
    )


def run_live_demo(observer: Observer, clients: LiveClients) -> DemoOutcome:
    """Plan, then write and review code until the reviewer's scores stop the loop."""
    with observer.run("demo (live): customer CSV report") as run:
        outcome = DemoOutcome(run_id=run.run_id)
        with observer.task(agent_name="planner", phase="planning", type="plan") as task:
            plan = _chat(clients, f"In three short steps, plan {FEATURE}.", 200)
            task.result_summary = plan[:200]
        monitor = QualityMonitor(
            max_iterations=ROUNDS, store=observer.store, run_id=run.run_id, name="demo-live"
        )
        code = ""
        for iteration in range(1, ROUNDS + 1):
            with observer.task(
                agent_name="python-expert", phase="implementation", type="code"
            ) as written:
                code = _write(clients, plan, code)
            with observer.task(agent_name="reviewer", phase="review", type="review") as review:
                coverage, quality = verdict(_review(clients, code))
                review.quality_score = quality
            monitor.record_iteration(
                iteration=iteration,
                coverage=coverage,
                quality_score=quality,
                tasks_completed=2,
                cost_usd=written.cost_usd + review.cost_usd,
            )
            go_on, reason = monitor.should_continue(iteration=iteration)
            outcome.decisions.append((iteration, go_on, reason))
            if not go_on:
                break
        with observer.task(agent_name="doc-writer", phase="documentation", type="docs"):
            _chat(clients, f"Write a two-line docstring for this code:\n{code[:2000]}", 120)
    return outcome


def verdict(text: str) -> tuple[float, float]:
    """Coverage (0-100) and quality (0-1) from the reviewer's JSON answer.

    Raises:
        ValueError: The answer is not the JSON object that was asked for.
    """
    try:
        data = json.loads(text)
        coverage, quality = float(data["coverage"]), float(data["quality"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"the reviewer did not answer with the JSON asked for: {text[:200]!r}"
        ) from exc
    # Models sometimes give quality on a 0-100 scale; anything else out of range is kept
    # out of the monitor's way by clamping.
    if quality > 1 and quality <= 100:
        quality /= 100
    return min(max(coverage, 0.0), 100.0), min(max(quality, 0.0), 1.0)


def _chat(clients: LiveClients, prompt: str, max_tokens: int) -> str:
    response = clients.openai.chat.completions.create(
        model=OPENAI_MODEL, max_tokens=max_tokens, messages=[{"role": "user", "content": prompt}]
    )
    return str(response.choices[0].message.content or "")


def _write(clients: LiveClients, plan: str, previous: str) -> str:
    ask = f"Write {FEATURE}, following this plan:\n{plan}\nAnswer with the code only."
    if previous:
        ask += f"\nImprove this version and add tests:\n{previous[:3000]}"
    with clients.anthropic.messages.stream(
        model=ANTHROPIC_MODEL, max_tokens=600, messages=[{"role": "user", "content": ask}]
    ) as stream:
        return "".join(stream.text_stream)


def _review(clients: LiveClients, code: str) -> str:
    stream = clients.openai.chat.completions.create(
        model=OPENAI_MODEL,
        max_tokens=120,
        stream=True,
        stream_options={"include_usage": True},
        response_format={"type": "json_object"},
        messages=[{"role": "user", "content": f"{REVIEW}\n\n{code[:4000]}"}],
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
