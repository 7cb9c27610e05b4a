"""A tiny LangChain chat model over an instrumented OpenAI client, for the demo.

It stands in for a provider package such as ``langchain-openai`` (not a
dependency): ``_generate`` calls ``client.chat.completions.create`` and returns
the answer as an ``AIMessage`` with LangChain's ``usage_metadata`` and the
provider's response id in ``response_metadata``. With an instrumented client
*and* a :class:`~tessera.runtime.callback.TokenUsageCallback` attached, the
call is reported twice, by the client and by the callback, and stored once:
the callback recognizes the response id the client already recorded.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatResult

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


class OpenAIChatModel(BaseChatModel):
    """LangChain chat model calling an OpenAI SDK client (``client``) with ``model``."""

    client: Any
    model: str

    @property
    def _llm_type(self) -> str:
        return "tessera-demo-openai"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        wire = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        completion = self.client.chat.completions.create(
            model=self.model, messages=wire, **({"stop": stop} if stop else {}), **kwargs
        )
        usage = completion.usage
        message = AIMessage(
            content=completion.choices[0].message.content or "",
            usage_metadata=_usage_metadata(usage) if usage is not None else None,
            response_metadata={
                "id": completion.id,
                "model_name": completion.model,
                "model_provider": "openai",
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def _usage_metadata(usage: Any) -> UsageMetadata:
    prompt_details = usage.prompt_tokens_details
    completion_details = usage.completion_tokens_details
    metadata = UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
    )
    if prompt_details is not None and prompt_details.cached_tokens is not None:
        metadata["input_token_details"] = {"cache_read": prompt_details.cached_tokens}
    if completion_details is not None and completion_details.reasoning_tokens is not None:
        metadata["output_token_details"] = {"reasoning": completion_details.reasoning_tokens}
    return metadata
