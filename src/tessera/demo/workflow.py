"""The demo's agent team: plan, then implement and review until the quality monitor stops.

Four agents over four phases, through the real ``openai`` and ``anthropic``
clients (including Anthropic on Vertex AI and GitHub Copilot through its
OpenAI-compatible API), each call captured, priced, stored and traced by an
instrumented client. The last call goes through a LangChain chat model with a
``TokenUsageCallback`` attached as well: two layers report it, it is stored
once. What the providers answer is in :mod:`tessera.demo.script`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tessera.demo import script
from tessera.demo.transport import RecordedProviders
from tessera.runtime.callback import TokenUsageCallback
from tessera.runtime.instrument import instrument
from tessera.runtime.observer import Observer
from tessera.workflow import QualityMonitor


@dataclass
class DemoOutcome:
    """What the demo did, for the summary it prints."""

    run_id: str
    decisions: list[tuple[int, bool, str]] = field(default_factory=list)
    failed_tasks: list[str] = field(default_factory=list)


@dataclass
class _Clients:
    openai: Any
    copilot: Any
    anthropic: Any
    vertex: Any


def _clients(providers: RecordedProviders, observer: Observer) -> _Clients:
    import anthropic
    import openai

    def oa(**kwargs: Any) -> Any:
        client = openai.OpenAI(
            api_key="demo-key", max_retries=0, http_client=providers.http_client(openai), **kwargs
        )
        return instrument(client, observer=observer)

    def an(client_class: Any, **kwargs: Any) -> Any:
        client = client_class(max_retries=0, http_client=providers.http_client(anthropic), **kwargs)
        return instrument(client, observer=observer)

    return _Clients(
        openai=oa(),
        copilot=oa(
            base_url="https://api.githubcopilot.com",
            default_headers={"Copilot-Integration-Id": "vscode-chat"},
        ),
        anthropic=an(anthropic.Anthropic, api_key="demo-key"),
        vertex=an(
            anthropic.AnthropicVertex,
            project_id="demo-project",
            region="us-east5",
            access_token="demo-token",
        ),
    )


def _ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def run_demo(observer: Observer, *, delay: bool = True) -> DemoOutcome:
    """Run the demo workflow, recording everything into ``observer``."""
    # Imported before any task opens, so no agent's time includes loading LangChain.
    import tessera.demo.langchain_model  # noqa: F401

    providers = RecordedProviders(script.exchanges(), delay=delay)
    c = _clients(providers, observer)
    with observer.run("demo: customer CSV report") as run:
        outcome = DemoOutcome(run_id=run.run_id)
        ids = _TaskIds(run.run_id)
        with observer.task(
            ids.next(),
            agent_name="planner",
            phase="planning",
            description="Plan the CSV report feature",
            type="plan",
        ) as task:
            c.openai.chat.completions.create(model="o3-mini", messages=_ask("Plan the feature"))
            c.copilot.chat.completions.create(model="gpt-4o", messages=_ask("Scan the repo"))
            task.result_summary = "3-step plan"

        monitor = QualityMonitor(
            max_iterations=4,
            target_coverage=90.0,
            target_quality=0.90,
            store=observer.store,
            run_id=run.run_id,
            name="demo",
        )
        for iteration in range(1, 5):
            spent = _implement(observer, c, ids, iteration, outcome)
            coverage, quality, review_cost = _review(observer, c, ids, iteration)
            monitor.record_iteration(
                iteration=iteration,
                coverage=coverage,
                quality_score=quality,
                tasks_completed=2,
                cost_usd=spent + review_cost,
            )
            go_on, reason = monitor.should_continue(iteration=iteration)
            outcome.decisions.append((iteration, go_on, reason))
            if not go_on:
                break

        with observer.task(
            ids.next(),
            agent_name="doc-writer",
            phase="documentation",
            description="Write usage docs and release notes",
            type="docs",
        ):
            c.openai.chat.completions.create(model=script.FINE_TUNE, messages=_ask("Write docs"))
            _release_notes(observer, c)
    if providers.remaining:
        raise RuntimeError(f"demo script has {providers.remaining} unused responses")
    return outcome


def _release_notes(observer: Observer, c: _Clients) -> None:
    """The release notes through LangChain: a chat model over the instrumented client.

    The call is reported twice, by the instrumented client and by the
    TokenUsageCallback attached to the LangChain run, and stored once.
    """
    from langchain_core.messages import HumanMessage
    from langchain_core.runnables import RunnableConfig

    from tessera.demo.langchain_model import OpenAIChatModel

    model = OpenAIChatModel(client=c.openai, model="gpt-4o")
    callback = TokenUsageCallback(observer)
    # A LangChain handler at run time; typed as ``object`` so LangChain stays optional.
    handlers: list[Any] = [callback]
    model.invoke([HumanMessage("Release notes")], config=RunnableConfig(callbacks=handlers))
    if callback.calls != 1:
        raise RuntimeError(f"the LangChain callback saw {callback.calls} calls, expected 1")


class _TaskIds:
    def __init__(self, run_id: str) -> None:
        self._prefix = run_id.removeprefix("run-")[:6] or uuid.uuid4().hex[:6]
        self._n = 0

    def next(self) -> str:
        self._n += 1
        return f"{self._prefix}-task_{self._n:03d}"


def _implement(
    observer: Observer, c: _Clients, ids: _TaskIds, iteration: int, outcome: DemoOutcome
) -> Decimal:
    """One implementation round; round 2 meets an overloaded API and falls back to Vertex."""
    import anthropic

    task_id = ids.next()
    kwargs: dict[str, Any] = {"max_tokens": 4096, "messages": _ask(f"Implement, round {iteration}")}
    description = f"Implement the feature, round {iteration}"
    if iteration == 2:
        try:
            with observer.task(
                task_id,
                agent_name="python-expert",
                phase="implementation",
                description=description,
                type="code",
            ):
                c.anthropic.messages.create(model=script.SONNET, **kwargs)
        except anthropic.APIStatusError:
            outcome.failed_tasks.append(task_id)
        # The same task again, on Anthropic through Vertex AI.
        with observer.task(
            task_id,
            agent_name="python-expert",
            phase="implementation",
            description=description + " (Vertex fallback)",
            type="code",
        ) as task:
            c.vertex.messages.create(model=script.SONNET_VERTEX, **kwargs)
        return task.cost_usd
    with observer.task(
        task_id,
        agent_name="python-expert",
        phase="implementation",
        description=description,
        type="code",
    ) as task:
        if iteration == 1:
            for _event in c.anthropic.messages.create(model=script.SONNET, stream=True, **kwargs):
                pass
        else:
            with c.anthropic.messages.stream(model=script.SONNET, **kwargs) as stream:
                stream.until_done()
    return task.cost_usd


def _review(
    observer: Observer, c: _Clients, ids: _TaskIds, iteration: int
) -> tuple[float, float, Decimal]:
    """One review round: a streamed call whose answer carries coverage and quality."""
    with observer.task(
        ids.next(),
        agent_name="reviewer",
        phase="review",
        description=f"Review round {iteration}",
        type="review",
    ) as task:
        stream = c.openai.chat.completions.create(
            model="gpt-4o-mini",
            messages=_ask("Review the change"),
            stream=True,
            stream_options={"include_usage": True},
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        verdict = json.loads(text)
        task.quality_score = float(verdict["quality"])
        task.result_summary = f"coverage {verdict['coverage']}%, quality {verdict['quality']}"
    return float(verdict["coverage"]), float(verdict["quality"]), task.cost_usd
