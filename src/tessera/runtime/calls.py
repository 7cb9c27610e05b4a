"""One model call in flight: its span, its clock, and how it is recorded when it ends."""

from __future__ import annotations

import threading
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import SpanKind, Status, StatusCode

from tessera._caller import caller_location
from tessera._log import log_internal_error
from tessera.capture import extract_usage
from tessera.pricing import CallCost
from tessera.records import CallRecord
from tessera.runtime import content
from tessera.runtime.operations import current_operation
from tessera.runtime.scopes import current_run, current_task
from tessera.tracing import attributes as attr
from tessera.usage import Usage

if TYPE_CHECKING:
    from tessera.runtime.observer import Observer


_warnings_lock = threading.Lock()

#: Span attributes of the runtime's own (not in the shared attribute table).
OPERATION_ID = "tessera.operation.id"
ATTEMPT = "tessera.attempt"
#: Set on the span of a call not stored because another layer recorded its response.
DUPLICATE_OF = "tessera.duplicate_of_response"


class CallRecording:
    """A model call from the moment it is sent until its usage is known.

    Created by the SDK wrappers (or :meth:`Observer.record`) before the request
    goes out, so the span covers the whole call, and finished exactly once with
    :meth:`succeed` or :meth:`fail`. Recording faults are logged, never raised.
    """

    def __init__(
        self,
        observer: Observer,
        *,
        provider: str,
        request_model: str | None,
        stream: bool = False,
        operation_id: str | None = None,
        attempt: int = 1,
        started_at: datetime | None = None,
    ) -> None:
        self.observer = observer
        self.provider = provider
        self.request_model = request_model
        self.stream = stream
        self.call_id = uuid.uuid4().hex
        # Inside ``observer.operation()`` a call is the operation's next attempt.
        self.operation = current_operation.get() if operation_id is None else None
        if self.operation is not None:
            operation_id = self.operation.operation_id
            attempt = self.operation.next_attempt()
        self.operation_id = operation_id or self.call_id
        self.attempt = attempt
        self._last_attempt = attempt
        self.task = current_task.get()
        run = current_run.get()
        self.run_id = self.task.run_id if self.task else (run.run_id if run else None)
        self.started_at = started_at or datetime.now(UTC)
        self.extras: dict[str, Any] = {}
        # True for calls an instrumented client saw on the wire: each HTTP answer
        # is a billed call even when a replaying proxy repeats a response id.
        self.from_client = False
        self._finished = False
        self.span = observer.tracer.start_span(
            f"chat {request_model or 'unknown'}",
            kind=SpanKind.CLIENT,
            start_time=_ns(self.started_at),
            attributes=self._start_attributes(),
        )

    def _start_attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            attr.GEN_AI_OPERATION_NAME: "chat",
            attr.GEN_AI_PROVIDER_NAME: attr.provider_name(self.provider),
            attr.TESSERA_STREAM: self.stream,
            OPERATION_ID: self.operation_id,
        }
        if self.request_model:
            attributes[attr.GEN_AI_REQUEST_MODEL] = self.request_model
        if self.run_id:
            attributes[attr.TESSERA_RUN_ID] = self.run_id
        if self.task is not None:
            attributes[attr.GEN_AI_AGENT_NAME] = self.task.agent_name
            attributes[attr.TESSERA_TASK_ID] = self.task.task_id
            if self.task.phase:
                attributes[attr.TESSERA_PHASE] = self.task.phase
        return attributes

    def refuse(self, refusal: BaseException) -> None:
        """End a call that a hard limit refused before it was sent; nothing is stored."""
        from tessera.errors import CostLimitExceeded
        from tessera.runtime.limiting import mark_refused

        self._finished = True
        if isinstance(refusal, CostLimitExceeded):
            mark_refused(self.span, refusal)
        self.span.end()

    def next_attempt(self) -> int:
        """A new attempt number in this call's operation (an SDK retry of it)."""
        if self.operation is not None:
            return self.operation.next_attempt()
        self._last_attempt += 1
        return self._last_attempt

    def retried_attempt(
        self, attempt: int, started_at: datetime, ended_at: datetime, error_type: str
    ) -> CallRecord | None:
        """Record one attempt of this call that the SDK retried (no usage: not billed)."""
        retried = CallRecording(
            self.observer,
            provider=self.provider,
            request_model=self.request_model,
            stream=self.stream,
            operation_id=self.operation_id,
            attempt=attempt,
            started_at=started_at,
        )
        usage = Usage.not_reported(
            self.provider, self.request_model, f"attempt retried by the SDK: {error_type}"
        )
        retried.span.set_attribute(attr.ERROR_TYPE, error_type)
        return retried._finish(usage, "error", error_type, ended_at)

    def succeed_with(
        self,
        response: object,
        headers: Mapping[str, str] | None = None,
        *,
        header_map: Mapping[str, str] | None = None,
    ) -> CallRecord | None:
        """Finish with a complete response; its usage is extracted here (headers included)."""
        usage = extract_usage(response, self.provider, headers, header_map=header_map)
        if self.observer.config.observability.capture_content:
            text = content.output_messages(response)
            if text is not None:
                self.span.set_attribute(content.OUTPUT_MESSAGES, text)
        return self.succeed(usage)

    def capture_input(self, request: Mapping[str, Any] | None) -> None:
        """Put the request's messages on the span (only called with content capture on)."""
        text = content.input_messages(request)
        if text is not None:
            self.span.set_attribute(content.INPUT_MESSAGES, text)

    def succeed(self, usage: Usage, ended_at: datetime | None = None) -> CallRecord | None:
        """Finish a call that returned, with the usage it reported (or not)."""
        return self._finish(usage, "ok", None, ended_at)

    def fail(self, error: BaseException, usage: Usage | None = None) -> CallRecord | None:
        """Finish a call that raised; partial usage (a broken stream) is kept."""
        if usage is None:
            usage = Usage.not_reported(
                self.provider, self.request_model, f"call failed: {type(error).__name__}"
            )
        self.span.record_exception(error)
        try:
            return self._finish(usage, "error", type(error).__name__, None)
        except Warning:
            # A warning turned into an error (-W error) must not replace the
            # call's own exception, which the caller is about to receive; the
            # pricing notice is in the log too.
            return None

    def _finish(
        self, usage: Usage, status: str, error_type: str | None, ended_at: datetime | None
    ) -> CallRecord | None:
        if self._finished:
            return None
        self._finished = True
        ended = ended_at or datetime.now(UTC)
        if self.observer.is_duplicate(self, usage.response_id):
            # Another layer (an instrumented client under LangChain or LiteLLM)
            # already recorded this response: the first recorder wins.
            self.span.set_attribute(DUPLICATE_OF, usage.response_id or "")
            self.span.end(end_time=_ns(ended))
            return None
        caught: list[warnings.WarningMessage] = []
        record: CallRecord | None = None
        try:
            record = self._record(usage, status, error_type, ended, caught)
            self._annotate_span(record)
        except Exception:
            log_internal_error("recording a model call")
        finally:
            self.span.end(end_time=_ns(ended))
        # Only now that the call is stored: under warnings-as-errors this raises
        # into the caller, as the user asked, but no longer costs the record.
        if caught:
            filename, lineno = caller_location()
            for message in caught:
                warnings.warn_explicit(message.message, message.category, filename, lineno)
        return record

    def _record(
        self,
        usage: Usage,
        status: str,
        error_type: str | None,
        ended: datetime,
        caught: list[warnings.WarningMessage],
    ) -> CallRecord:
        if usage.provider is None:
            usage = replace(usage, provider=self.provider)
        cost = self._price(usage, caught)
        context = self.span.get_span_context()
        task = self.task
        record = CallRecord(
            call_id=self.call_id,
            operation_id=self.operation_id,
            attempt=self.attempt,
            provider=usage.provider or self.provider,
            started_at=self.started_at,
            ended_at=ended,
            usage=usage,
            cost_status=cost.status,
            cost_usd=cost.cost_usd,
            pricing_id=cost.price.id if cost.price is not None else None,
            task_id=task.task_id if task else None,
            run_id=self.run_id,
            agent_name=task.agent_name if task else None,
            phase=task.phase if task else None,
            trace_id=format(context.trace_id, "032x"),
            span_id=format(context.span_id, "016x"),
            request_model=self.request_model,
            response_model=usage.model,
            stream=self.stream,
            status="ok" if status == "ok" else "error",
            error_type=error_type,
            extras=self.extras,
        )
        if task is not None:
            task.calls += 1
            if record.cost_usd is not None:
                task.cost_usd += record.cost_usd
            elif record.cost_status == "unpriced":
                task.unpriced_calls += 1
        # Storing may report a crossed soft limit with a CostLimitWarning; like
        # pricing notices, it is held back until the record is safe.
        with _warnings_lock, warnings.catch_warnings(record=True) as held:
            warnings.simplefilter("always")
            self.observer.store_call(record, span=self.span)
        caught.extend(held)
        return record

    def _price(self, usage: Usage, caught: list[warnings.WarningMessage]) -> CallCost:
        # Pricing warns (UnpricedModelWarning) for an unknown model; under
        # ``-W error`` that warning would raise here and lose the record, so it
        # is held back and re-issued by ``_finish`` once the call is stored.
        # catch_warnings swaps process-wide state, hence the lock.
        with _warnings_lock, warnings.catch_warnings(record=True) as held:
            warnings.simplefilter("always")
            cost = self.observer.calculator.price_call(usage, at=self.started_at)
        caught.extend(held)
        return cost

    def _annotate_span(self, record: CallRecord) -> None:
        usage = record.usage
        values: dict[str, Any] = {
            attr.GEN_AI_RESPONSE_MODEL: usage.model,
            attr.GEN_AI_RESPONSE_ID: usage.response_id,
            attr.GEN_AI_USAGE_INPUT_TOKENS: usage.input_tokens,
            attr.GEN_AI_USAGE_OUTPUT_TOKENS: usage.output_tokens,
            attr.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: usage.cache_read_tokens,
            attr.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: usage.cache_write_tokens,
            attr.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: usage.reasoning_tokens,
            attr.TESSERA_USAGE_REPORTED: usage.reported,
            ATTEMPT: record.attempt,
            attr.TESSERA_COST_STATUS: record.cost_status,
            attr.TESSERA_COST_USD: float(record.cost_usd) if record.cost_usd is not None else None,
        }
        self.span.set_attributes({k: v for k, v in values.items() if v is not None})
        if record.status == "error":
            self.span.set_attribute(attr.ERROR_TYPE, record.error_type or "error")
            self.span.set_status(Status(StatusCode.ERROR, record.error_type))


def _ns(moment: datetime) -> int:
    """Nanoseconds since the epoch, as OpenTelemetry takes times."""
    return int(moment.timestamp() * 1_000_000) * 1000
