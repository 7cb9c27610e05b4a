"""``TokenUsageCallback``: one object for LangChain, LiteLLM and manual recording.

It is a LangChain callback handler (``callbacks=[cb]``), a LiteLLM logger
(``litellm.callbacks = [cb]``, or ``litellm.success_callback = [cb]`` as a plain
function) and has :meth:`TokenUsageCallback.record` for anything else. Neither
framework is required: when ``langchain-core`` is installed the class derives
from its ``BaseCallbackHandler`` (LangChain validates handlers by type),
otherwise from ``object``. LiteLLM accepts any callable, so no LiteLLM import.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tessera._log import log_internal_error, logger
from tessera.capture import extract_usage
from tessera.capture.providers import canonical_provider
from tessera.integrations import litellm as litellm_args
from tessera.records import CallRecord
from tessera.runtime.calls import CallRecording
from tessera.runtime.default import get_observer
from tessera.runtime.observer import Observer
from tessera.usage import Usage

# Ids remembered to record each call once; old ones are forgotten beyond this.
_MAX_SEEN = 10_000


def _handler_base() -> type:
    try:
        from langchain_core.callbacks.base import BaseCallbackHandler
    except ImportError:
        return object
    return BaseCallbackHandler


if TYPE_CHECKING:
    _Base = object
else:
    _Base = _handler_base()


class TokenUsageCallback(_Base):
    """Accumulates the usage and cost of the calls it records.

    Each call is stored like an instrumented client would store it (in the
    current task, when one is open) and its counts are added to the totals
    below. Counts a provider did not report add nothing. A call is recorded
    once per LangChain ``run_id``, per ``litellm_call_id`` and per provider
    response id, so one callback attached to several layers counts a call once.
    A response an instrumented client already recorded in the open task or run
    is added to these totals but not stored again.

    Attributes:
        prompt_tokens: Input tokens, cached and cache-written included.
        completion_tokens: Output tokens, reasoning included.
        total_tokens: ``prompt_tokens + completion_tokens``.
        cache_read_tokens: Part of ``prompt_tokens`` read from the cache.
        cache_write_tokens: Part of ``prompt_tokens`` written to the cache.
        reasoning_tokens: Part of ``completion_tokens`` spent reasoning.
        cost_usd: Exact cost of the priced calls.
        calls: Calls recorded (failed ones included).
        unpriced_calls: Calls whose cost is unknown (no price, or no usage).
        failed_calls: Calls recorded as failed (LiteLLM failure events).
        cache_hits: LiteLLM answers from its own cache: no provider call, not recorded.
    """

    # LangChain: run in the caller's thread and never let a fault reach the model call.
    raise_error = False
    run_inline = True

    def __init__(self, observer: Observer | None = None) -> None:
        super().__init__()
        self._observer = observer
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._starts: OrderedDict[str, tuple[datetime, str | None, str | None]] = OrderedDict()
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.total_tokens = 0
        self.cache_read_tokens = 0
        self.cache_write_tokens = 0
        self.reasoning_tokens = 0
        self.cost_usd = Decimal(0)
        self.calls = 0
        self.unpriced_calls = 0
        self.failed_calls = 0
        self.cache_hits = 0

    def record(
        self,
        response: object,
        provider: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> CallRecord | None:
        """Record one response (an SDK object, its JSON dict, or its stream chunks)."""
        record = (self._observer or get_observer()).record(response, provider, headers=headers)
        if record is not None:
            self._add(record)
        return record

    # LangChain -----------------------------------------------------------------

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        """LangChain hook: remember when the run started and what it asked for."""
        self._remember_start(kwargs)

    def on_llm_start(self, serialized: Any, prompts: Any, **kwargs: Any) -> None:
        """LangChain hook for plain LLMs: as :meth:`on_chat_model_start`."""
        self._remember_start(kwargs)

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        """LangChain hook: record the run's usage, once per ``run_id``."""
        try:
            run_id = str(kwargs.get("run_id"))
            if not self._claim(f"langchain:{run_id}"):
                return
            with self._lock:
                started, provider, model = self._starts.pop(run_id, (None, None, None))
            usage = extract_usage(response)
            self._store(
                usage,
                provider=usage.provider or provider or "unknown",
                request_model=model,
                started_at=started,
            )
        except Exception:
            log_internal_error("the LangChain callback")

    def _remember_start(self, kwargs: Mapping[str, Any]) -> None:
        metadata = kwargs.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        name = metadata.get("ls_provider")
        provider = canonical_provider(name) if isinstance(name, str) else None
        model = metadata.get("ls_model_name")
        with self._lock:
            self._starts[str(kwargs.get("run_id"))] = (
                datetime.now(UTC),
                provider,
                model if isinstance(model, str) else None,
            )
            while len(self._starts) > _MAX_SEEN:
                self._starts.popitem(last=False)

    # LiteLLM -------------------------------------------------------------------

    def __call__(
        self, kwargs: Mapping[str, Any], completion_response: Any, start_time: Any, end_time: Any
    ) -> None:
        """LiteLLM function callback (``success_callback`` or ``failure_callback``)."""
        failed = completion_response is None and kwargs.get("exception") is not None
        self._litellm(kwargs, completion_response, start_time, end_time, failed=failed)

    def log_success_event(
        self, kwargs: Mapping[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """LiteLLM ``CustomLogger`` hook: record one finished call."""
        self._litellm(kwargs, response_obj, start_time, end_time, failed=False)

    async def async_log_success_event(
        self, kwargs: Mapping[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """LiteLLM async hook; also usable in ``success_callback`` for ``acompletion``."""
        self._litellm(kwargs, response_obj, start_time, end_time, failed=False)

    def log_failure_event(
        self, kwargs: Mapping[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """LiteLLM ``CustomLogger`` hook: record one failed call, without usage."""
        self._litellm(kwargs, response_obj, start_time, end_time, failed=True)

    async def async_log_failure_event(
        self, kwargs: Mapping[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """LiteLLM async failure hook."""
        self._litellm(kwargs, response_obj, start_time, end_time, failed=True)

    def _litellm(
        self, kwargs: Mapping[str, Any], response: Any, start: Any, end: Any, *, failed: bool
    ) -> None:
        try:
            if not isinstance(kwargs, Mapping):
                return
            call = litellm_args.read_call(kwargs, None if failed else response, start, end)
            if call.chunk:
                return  # per-chunk calls; the assembled response comes last
            if call.cache_hit:
                with self._lock:
                    self.cache_hits += 1
                logger.debug("tessera: LiteLLM cache hit %s not recorded", call.call_id)
                return
            if call.call_id is not None and not self._claim(f"litellm:{call.call_id}"):
                return
            provider = call.provider or "unknown"
            if failed:
                thrown = response if isinstance(response, BaseException) else None
                self._store_failure(call, provider, call.exception or thrown)
                return
            usage = extract_usage(call.response, provider=provider, headers=call.headers or None)
            estimated = litellm_args.estimated_fields(
                kwargs, call, usage.reasoning_tokens is not None, usage.model
            )
            if estimated and usage.reported:
                usage = replace(usage, estimated_fields=usage.estimated_fields | estimated)
            self._store(
                usage,
                provider=provider,
                request_model=call.request_model,
                started_at=call.started_at,
                ended_at=call.ended_at,
                stream=call.stream,
            )
        except Exception:
            log_internal_error("the LiteLLM callback")

    def _store_failure(
        self, call: litellm_args.LiteLLMCall, provider: str, error: BaseException | None
    ) -> None:
        name = type(error).__name__ if error is not None else "unknown error"
        usage = Usage.not_reported(provider, call.request_model, f"call failed: {name}")
        recording = self._recording(provider, call.request_model, call.started_at, call.stream)
        record = recording.fail(error or RuntimeError("LiteLLM reported a failure"), usage)
        if record is not None:
            self._add(record, failed=True)

    # Shared --------------------------------------------------------------------

    def _claim(self, key: str) -> bool:
        """True the first time ``key`` is seen (so the caller records the call)."""
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            while len(self._seen) > _MAX_SEEN:
                self._seen.popitem(last=False)
            return True

    def _recording(
        self, provider: str, model: str | None, started: datetime | None, stream: bool
    ) -> CallRecording:
        observer = self._observer or get_observer()
        return CallRecording(
            observer, provider=provider, request_model=model, stream=stream, started_at=started
        )

    def _store(
        self,
        usage: Usage,
        *,
        provider: str,
        request_model: str | None,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
        stream: bool = False,
    ) -> None:
        # A provider response id seen before is the same call reported by another layer.
        if usage.response_id is not None and not self._claim(f"response:{usage.response_id}"):
            return
        observer = self._observer or get_observer()
        if observer.seen_response(usage.response_id):
            # An instrumented client under this framework already stored the call;
            # checked here so the duplicate opens no span. Still this callback's call.
            logger.debug("tessera: response %s already recorded", usage.response_id)
            cost = observer.calculator.price_call(usage, at=started_at).cost_usd
            self._count(usage, cost)
            return
        recording = self._recording(provider, request_model or usage.model, started_at, stream)
        record = recording.succeed(usage, ended_at=ended_at)
        if record is not None:
            self._add(record)

    def _add(self, record: CallRecord, failed: bool = False) -> None:
        self._count(record.usage, record.cost_usd, failed)

    def _count(self, usage: Usage, cost_usd: Decimal | None, failed: bool = False) -> None:
        with self._lock:
            self.calls += 1
            self.failed_calls += int(failed)
            self.prompt_tokens += usage.input_tokens or 0
            self.completion_tokens += usage.output_tokens or 0
            self.total_tokens += usage.total_tokens or 0
            self.cache_read_tokens += usage.cache_read_tokens or 0
            self.cache_write_tokens += usage.cache_write_tokens or 0
            self.reasoning_tokens += usage.reasoning_tokens or 0
            if cost_usd is None:
                self.unpriced_calls += 1
            else:
                self.cost_usd += cost_usd
