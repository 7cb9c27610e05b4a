"""Pass-through wrappers around SDK streams that record the call when the stream ends.

The user's code sees every chunk unchanged; each chunk is also fed to the
provider's usage accumulator. The call is recorded once, when the stream is
exhausted, closed, left through ``with``, fails, or is garbage-collected
(an abandoned stream is still a billed call).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Any

from tessera._log import log_internal_error, logger
from tessera.capture import UsageAccumulator, extract_usage
from tessera.runtime.attempts import AttemptLog, collect_attempts, settle_attempts
from tessera.runtime.calls import CallRecording
from tessera.usage import Usage


class _Joined:
    """Problems joined with "; " only when the log record is actually formatted."""

    __slots__ = ("_items",)

    def __init__(self, items: Sequence[str]) -> None:
        self._items = items

    def __str__(self) -> str:
        return "; ".join(self._items)


#: Taps of the streams not yet finished, so that shutdown and interpreter exit can
#: record them while the store, the trace and the modules they need still work.
_open_taps: weakref.WeakSet[_Tap] = weakref.WeakSet()
# Reentrant: a finalizer run by the garbage collector while this thread holds
# the lock (in the middle of an ``add``) finishes its own tap.
_open_lock = threading.RLock()


def finish_open_streams(observer: object = None) -> None:
    """Record now every stream still open (of ``observer`` only, when given).

    A stream the program still references at :meth:`Observer.shutdown` or at
    exit would otherwise be recorded by its finalizer: after the trace is
    closed, or during interpreter teardown, when the record can no longer be
    written. It is recorded as a stream abandoned at that point.
    """
    with _open_lock:
        taps = list(_open_taps)
    for tap in taps:
        if observer is None or tap.recording.observer is observer:
            tap.finish()


class _Tap:
    """Feeds chunks to an accumulator and finishes the recording exactly once."""

    def __init__(self, recording: CallRecording, accumulator: UsageAccumulator) -> None:
        self.recording = recording
        self.accumulator = accumulator
        self.done = False
        with _open_lock:
            _open_taps.add(self)

    def feed(self, chunk: object) -> None:
        try:
            self.accumulator.add(chunk)
        except Exception:
            log_internal_error("reading a stream chunk")

    def finish(self, error: BaseException | None = None) -> None:
        with _open_lock:
            if self.done:
                return
            self.done = True
            _open_taps.discard(self)
        try:
            usage = self.accumulator.result()
        except Exception:
            log_internal_error("folding a stream's usage")
            usage = None
        if usage is not None and usage.problems:
            # extract_usage logs the problems of a whole response; an accumulator
            # leaves that to its caller, so each flagged stream is logged here once.
            logger.warning(
                "tessera: usage flagged (provider %s, model %s): %s",
                usage.provider or self.recording.provider,
                usage.model or self.recording.request_model or "unknown",
                _Joined(usage.problems),
            )
        if usage is None:
            # Our fault, not the call's: the call keeps its own status.
            usage = Usage.not_reported(
                self.recording.provider,
                self.recording.request_model,
                "stream usage could not be folded; see the log",
            )
        if error is not None:
            self.recording.fail(error, usage)
        else:
            self.recording.succeed(usage)


class RecordedStream:
    """A synchronous SDK stream, recorded when it ends."""

    def __init__(self, inner: Any, recording: CallRecording, accumulator: UsageAccumulator) -> None:
        self._inner = inner
        self._iterator = iter(inner)
        self._tap = _Tap(recording, accumulator)

    def __iter__(self) -> RecordedStream:
        return self

    def __next__(self) -> Any:
        try:
            chunk = next(self._iterator)
        except StopIteration:
            self._tap.finish()
            raise
        except BaseException as exc:
            # KeyboardInterrupt while the socket is read ends the call too.
            self._tap.finish(exc)
            raise
        self._tap.feed(chunk)
        return chunk

    def __enter__(self) -> RecordedStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying stream and record the call."""
        try:
            self._inner.close()
        finally:
            self._tap.finish()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __del__(self) -> None:
        tap = self.__dict__.get("_tap")
        if tap is not None and not tap.done:
            tap.finish()


class AsyncRecordedStream:
    """An asynchronous SDK stream, recorded when it ends."""

    def __init__(self, inner: Any, recording: CallRecording, accumulator: UsageAccumulator) -> None:
        self._inner = inner
        self._iterator = inner.__aiter__()
        self._tap = _Tap(recording, accumulator)

    def __aiter__(self) -> AsyncRecordedStream:
        return self

    async def __anext__(self) -> Any:
        try:
            chunk = await self._iterator.__anext__()
        except StopAsyncIteration:
            self._tap.finish()
            raise
        except BaseException as exc:
            # A cancellation (``asyncio.wait_for`` past its deadline) ends the call:
            # it is recorded failed now, and its reservation dropped, not at collection.
            self._tap.finish(exc)
            raise
        self._tap.feed(chunk)
        return chunk

    async def __aenter__(self) -> AsyncRecordedStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the underlying stream and record the call."""
        try:
            await self._inner.close()
        finally:
            self._tap.finish()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __del__(self) -> None:
        tap = self.__dict__.get("_tap")
        if tap is not None and not tap.done:
            tap.finish()


class RecordedStreamManager:
    """Records an Anthropic helper stream from the SDK's accumulated message at exit.

    The helper folds ``message_start`` and ``message_delta`` usage itself
    (overwriting, never adding), so its final snapshot is the call's usage.
    The recording begins (and a hard limit reserves the call's bound) when the
    block is entered, which is when the request is sent: a manager that is
    never entered sends nothing, so it holds no reservation and records nothing.
    """

    def __init__(
        self,
        manager: Any,
        begin: Callable[[], CallRecording | None],
        header_map: Mapping[str, str] | None = None,
    ) -> None:
        self._manager = manager
        self._begin = begin
        self._recording: CallRecording | None = None
        self._header_map = header_map
        self._headers: dict[str, str] | None = None
        self._stream: Any = None

    def __enter__(self) -> Any:
        # The request is sent here; when it fails, ``__exit__`` is never called.
        recording = self._recording = self._begin()
        if recording is None:
            return self._manager.__enter__()
        with collect_attempts() as log:
            try:
                self._stream = self._manager.__enter__()
            except BaseException as exc:
                self._opened(recording, log)
                recording.fail(exc)
                raise
        self._opened(recording, log)
        return self._stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any:
        # The SDK's exit closes the response even when recording re-issues a
        # warning that -W error turns into an exception.
        try:
            self._finish(exc)
        finally:
            closed = self._manager.__exit__(exc_type, exc, tb)
        return closed

    async def __aenter__(self) -> Any:
        recording = self._recording = self._begin()
        if recording is None:
            return await self._manager.__aenter__()
        with collect_attempts() as log:
            try:
                self._stream = await self._manager.__aenter__()
            except BaseException as exc:
                self._opened(recording, log)
                recording.fail(exc)
                raise
        self._opened(recording, log)
        return self._stream

    def _opened(self, recording: CallRecording, log: AttemptLog) -> None:
        settle_attempts(recording, log)
        self._headers = log.headers

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any:
        try:
            self._finish(exc)
        finally:
            closed = await self._manager.__aexit__(exc_type, exc, tb)
        return closed

    def _finish(self, error: BaseException | None) -> None:
        recording = self._recording
        if recording is None:
            return
        try:
            snapshot = self._stream.current_message_snapshot
        except Exception:
            # Left before the first event: nothing was reported.
            recording.fail(error or RuntimeError("stream closed before any event"))
            return
        if error is not None:
            # Broken off or cancelled: the input and cache counts of message_start
            # are final and kept; the output is not known, so neither is the cost
            # (under a hard limit the call keeps counting at its reserved bound).
            usage = extract_usage(
                snapshot, recording.provider, self._headers, header_map=self._header_map
            )
            problem = "stream ended early: output_tokens unknown"
            recording.fail(
                error,
                replace(
                    usage,
                    output_tokens=None,
                    total_tokens=None,
                    reasoning_tokens=None,
                    problems=(*usage.problems, problem),
                ),
            )
            return
        recording.succeed_with(snapshot, self._headers, header_map=self._header_map)
