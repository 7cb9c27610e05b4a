"""The :class:`Observer`: where runs, tasks and model calls are recorded."""

from __future__ import annotations

import atexit
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import Span, Status, StatusCode

from tessera._log import log_internal_error
from tessera.limits import CostLimits
from tessera.pricing import CostCalculator, apply_custom_prices
from tessera.records import CallRecord, RunRecord, TaskEnd, TaskStart
from tessera.runtime.calls import CallRecording, _ns
from tessera.runtime.limiting import (
    admit,
    check_task_start,
    estimated_cost,
    make_guard,
    report_crossings,
)
from tessera.runtime.operations import OperationScope, open_operation
from tessera.runtime.outage import StoreOutage
from tessera.runtime.recent import RecentResponses
from tessera.runtime.scopes import (
    RunScope,
    TaskScope,
    current_run,
    current_task,
    task_span_attributes,
)
from tessera.runtime.signals import install_sigterm_handler
from tessera.runtime.streams import finish_open_streams
from tessera.store import MetricsStore
from tessera.tracing import attributes as attr
from tessera.tracing.provider import make_tracer_provider, register_shutdown

if TYPE_CHECKING:
    from tessera.config import TesseraConfig


class Observer:
    """Records runs, tasks and model calls into the metrics store and the trace file.

    The open run and task live in context variables: calls made in asyncio
    tasks started inside a task block, and in ``asyncio.to_thread``, are
    recorded in it. A ``concurrent.futures`` pool does not copy the context:
    use :class:`tessera.runtime.context.ContextExecutor`, or
    :func:`~tessera.runtime.context.submit_with_context`, or submit
    ``contextvars.copy_context().run`` yourself.

    Nothing is installed for signals by default; see
    :meth:`install_sigterm_handler` for processes that are stopped with SIGTERM.

    Args:
        db: Metrics database path; default from the configuration.
        traces_file: JSONL trace file; default from the configuration.
        config: A loaded configuration; read from the usual location when None.
        store: An open :class:`MetricsStore` to use instead of opening ``db``.
        service_name: ``service.name`` of the spans' resource.
        limits: Spending limits to hold; default: ``cost.limits`` of the configuration.
    """

    def __init__(
        self,
        *,
        db: str | Path | None = None,
        traces_file: str | Path | None = None,
        config: TesseraConfig | None = None,
        store: MetricsStore | None = None,
        service_name: str = "tessera",
        limits: CostLimits | None = None,
    ) -> None:
        # Imported here: the configuration's pydantic models cost ~100 ms at import,
        # which `import tessera.observability` should not pay (docs/performance.md).
        from tessera.config import load_config, metrics_db_path, traces_file_path

        self.config = config if config is not None else load_config()
        enabled = self.config.observability.local.enabled
        if store is None and enabled:
            store = MetricsStore(Path(db) if db is not None else metrics_db_path(self.config))
        self.store = store
        self._outage = StoreOutage(store.path) if store is not None else None
        self.traces_file: Path | None = None
        if enabled:
            self.traces_file = Path(traces_file) if traces_file else traces_file_path(self.config)
        self.calculator = CostCalculator(store=store)
        apply_custom_prices(self.calculator, self.config)
        self.guard = make_guard(self.config, limits, store, self.calculator)
        local = self.config.observability.local
        self.tracer_provider = make_tracer_provider(
            self.traces_file,
            service_name=service_name,
            max_bytes=local.traces_max_bytes,
            backup_count=local.traces_backup_count,
            # Off unless configured: no socket is opened without an endpoint.
            otlp_endpoint=self.config.observability.otlp.endpoint,
        )
        register_shutdown(self.tracer_provider)
        # Registered after the provider's shutdown, so it runs before it at exit.
        atexit.register(finish_open_streams)
        self.tracer = self.tracer_provider.get_tracer("tessera")
        self._listeners: list[Callable[[CallRecord], None]] = []
        self._responses = RecentResponses()

    def add_listener(self, listener: Callable[[CallRecord], None]) -> None:
        """Call ``listener`` with every call recorded from now on (after it is stored)."""
        self._listeners.append(listener)

    @contextmanager
    def run(self, name: str = "workflow", run_id: str | None = None) -> Iterator[RunScope]:
        """Open a workflow run: the root span of a trace and a ``runs`` row."""
        started = datetime.now(UTC)
        run_id = run_id or f"run-{uuid.uuid4().hex[:12]}"
        span = self.tracer.start_span(
            f"invoke_workflow {name}",
            start_time=_ns(started),
            attributes={attr.GEN_AI_OPERATION_NAME: "invoke_workflow", attr.TESSERA_RUN_ID: run_id},
        )
        scope = RunScope(run_id=run_id, name=name, started_at=started, span=span)
        trace_id = format(span.get_span_context().trace_id, "032x")
        self._store(
            "starting a run", lambda s: s.start_run(RunRecord(run_id, name, started, trace_id))
        )
        token = current_run.set(scope)
        status = "completed"
        try:
            with trace.use_span(span, end_on_exit=False, record_exception=True):
                yield scope
        except BaseException as exc:
            status = "failed"
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            current_run.reset(token)
            ended = datetime.now(UTC)
            self._store("finishing a run", lambda s: s.finish_run(run_id, ended, status))
            span.end(end_time=_ns(ended))

    @contextmanager
    def task(
        self,
        task_id: str | None = None,
        *,
        description: str | None = None,
        type: str | None = None,
        agent_name: str = "agent",
        phase: str | None = None,
    ) -> Iterator[TaskScope]:
        """Open a task: a ``task_assignments`` row and an ``invoke_agent`` span.

        Every model call made inside the block (in this thread, in asyncio tasks
        it starts, or in threads given a copy of its context, see
        :mod:`tessera.runtime.context`) is recorded in the task. On exit the task
        is completed, or failed with the exception's message (the exception
        propagates unchanged), and one ``agent_performance`` row is written.
        ``task.tool(name)`` traces a tool call inside the task.
        """
        started = datetime.now(UTC)
        task_id = task_id or f"task-{uuid.uuid4().hex[:12]}"
        run = current_run.get()
        run_id = run.run_id if run else None
        span = self.tracer.start_span(
            f"invoke_agent {agent_name}",
            start_time=_ns(started),
            attributes=task_span_attributes(task_id, agent_name, phase, run_id, type),
        )
        scope = TaskScope(
            task_id, agent_name, phase, description, type, run_id, started, span, self.tracer
        )
        context = span.get_span_context()
        start = TaskStart(
            task_id=task_id,
            agent_name=agent_name,
            started_at=started,
            description=description,
            type=type,
            phase=phase,
            run_id=run_id,
            trace_id=format(context.trace_id, "032x"),
            span_id=format(context.span_id, "016x"),
            assigned_at=started,
        )
        self._store("starting a task", lambda s: s.start_task(start))
        token = current_task.set(scope)
        error: BaseException | None = None
        try:
            with trace.use_span(span, end_on_exit=False, record_exception=True):
                if self.guard is not None:
                    # A task that would start past a hard limit is refused,
                    # and recorded failed with the reason.
                    check_task_start(self.guard, task_id, started)
                yield scope
        except BaseException as exc:
            error = exc
            raise
        finally:
            current_task.reset(token)
            self._end_task(scope, error)

    def _end_task(self, scope: TaskScope, error: BaseException | None) -> None:
        ended = datetime.now(UTC)
        end = TaskEnd(
            task_id=scope.task_id,
            agent_name=scope.agent_name,
            phase=scope.phase,
            run_id=scope.run_id,
            started_at=scope.started_at,
            completed_at=ended,
            success=error is None,
            error_message=f"{type(error).__name__}: {error}" if error is not None else None,
            result_summary=scope.result_summary,
            quality_score=scope.quality_score,
        )
        self._store("finishing a task", lambda s: s.finish_task(end))
        span = scope.span
        span.set_attribute(attr.TESSERA_TASK_CALLS, scope.calls)
        span.set_attribute(attr.TESSERA_COST_USD, float(scope.cost_usd))
        if scope.quality_score is not None:
            span.set_attribute(attr.TESSERA_QUALITY_SCORE, scope.quality_score)
        if error is not None:
            span.set_attribute(attr.ERROR_TYPE, type(error).__name__)
            span.set_status(Status(StatusCode.ERROR, str(error)))
        else:
            span.set_status(Status(StatusCode.OK))
        span.end(end_time=_ns(ended))

    def start_call(
        self,
        provider: str,
        request_model: str | None,
        *,
        stream: bool = False,
        request: Mapping[str, Any] | None = None,
    ) -> CallRecording:
        """Begin recording a model call; finish it with ``succeed`` or ``fail``.

        Under a hard limit the call's cost bound (from ``request``: its input
        size and ``max_tokens`` at the model's price, or the caller's
        :meth:`estimate`) is reserved first.

        Raises:
            CostLimitExceeded: A hard limit has no room for the call.
        """
        recording = CallRecording(
            self, provider=provider, request_model=request_model, stream=stream
        )
        if self.guard is not None:
            admit(self.guard, recording, request)
        if self.config.observability.capture_content:
            recording.capture_input(request)
        return recording

    def operation(self, operation_id: str | None = None) -> AbstractContextManager[OperationScope]:
        """Record the model calls made in the block as attempts of one logical call.

        Use it around an application-level retry loop or a provider fallback:
        every call started in the block is stored with the same ``operation_id``
        and ``attempt`` 1, 2, ... in start order, and every attempt that was
        billed counts in the costs. Retries the SDK makes inside one ``create``
        are numbered too (see :mod:`tessera.runtime.attempts`).

        Args:
            operation_id: The id to store; default: a new ``op-...`` id.
        """
        return open_operation(operation_id)

    def is_duplicate(self, recording: CallRecording, response_id: str | None) -> bool:
        """True when ``response_id`` was already recorded in the recording's task or run.

        The first recorder of a response claims it; a second layer reporting
        the same response (a LangChain or LiteLLM callback around an
        instrumented client, or a second ``record``) is told so and stores
        nothing; a hard-limit reservation it held is dropped. A call an
        instrumented client received over HTTP is always stored: each answer
        is billed, even when a replaying proxy repeats an id.
        """
        if response_id is None:
            return False
        scope = recording.task.task_id if recording.task else recording.run_id
        if self._responses.claim(scope, response_id) or recording.from_client:
            return False
        if self.guard is not None:
            self._store("releasing a reservation", lambda s: self._release(recording.call_id))
        return True

    def seen_response(self, response_id: str | None) -> bool:
        """True when ``response_id`` was recorded in the open task or run (nothing claimed)."""
        if response_id is None:
            return False
        task, run = current_task.get(), current_run.get()
        scope = task.task_id if task else (run.run_id if run else None)
        return self._responses.seen(scope, response_id)

    def _release(self, call_id: str) -> None:
        if self.guard is not None:
            self.guard.release(call_id)

    def estimate(self, usd: Decimal | float | str) -> AbstractContextManager[None]:
        """Use ``usd`` as the cost bound of each model call made in the ``with`` block.

        Hard limits reserve a call's bound before it is sent; without this,
        the bound comes from the request (input size and ``max_tokens``).
        """
        return estimated_cost(usd)

    def record(
        self,
        response: object,
        provider: str | None = None,
        *,
        request_model: str | None = None,
        headers: Mapping[str, str] | None = None,
        started_at: datetime | None = None,
    ) -> CallRecord | None:
        """Record a call that already happened, from its response (or stream chunks).

        Returns None, storing nothing, when the same provider response was
        already recorded in the open task or run.
        """
        from tessera.capture import extract_usage
        from tessera.capture.providers import canonical_provider

        usage = extract_usage(response, provider=provider, headers=headers)
        if self.seen_response(usage.response_id):
            return None  # already recorded in this task or run, by another layer
        name = canonical_provider(provider) or usage.provider or "unknown"
        recording = CallRecording(
            self, provider=name, request_model=request_model or usage.model, started_at=started_at
        )
        return recording.succeed(usage)

    def store_call(self, record: CallRecord, span: Span | None = None) -> None:
        """Write one call to the store; a failure is logged, never raised.

        Then reports a limit this call crossed for the first time (a log line,
        a span event, and a ``CostLimitWarning`` for soft limits).
        """
        self._store("storing a model call", lambda s: s.record_call(record), record)
        if self.guard is not None:
            guard = self.guard
            self._store("checking the cost limits", lambda s: report_crossings(guard, record, span))
        for listener in self._listeners:
            try:
                listener(record)
            except Exception:
                log_internal_error("a call listener")

    def _store(
        self,
        what: str,
        write: Callable[[MetricsStore], object],
        call: CallRecord | None = None,
    ) -> None:
        if self.store is None or self._outage is None:
            return
        try:
            write(self.store)
        except Exception:
            self._outage.failed(what, call)
        else:
            self._outage.succeeded()

    def install_sigterm_handler(self) -> bool:
        """Make SIGTERM close open tasks and spans instead of killing the process.

        When SIGTERM still has its default action, installs a handler raising
        ``SystemExit(143)``: every open ``with`` block unwinds, so tasks are
        recorded failed and their spans reach the trace file. A handler the
        program already set is kept. Call it from the main thread.

        Returns:
            True when the handler is in place.
        """
        return install_sigterm_handler()

    def shutdown(self) -> None:
        """Record the streams still open, then flush and close the trace exporter and the store."""
        finish_open_streams(self)
        self.tracer_provider.shutdown()
        if self._outage is not None:
            self._outage.close()
        if self.store is not None:
            self.store.close()
