"""The server's 2xx answers read into what callers get: the text of a chat completion, the ids of
a model list. Anything else (not JSON, another shape, no text) is `ModelAnswerUnusable`.

The answers are read here from the raw body rather than from the `openai` package's objects: the
package builds those without validating them, so a server that is not quite OpenAI-compatible
would surface as an AttributeError far from its cause. Only the fields used are required, so
servers that leave out the others (ids, timestamps, usage) are read all the same.
"""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.llm._wire import BASE_EXAMPLE, Target
from bot.llm.errors import ModelAnswerUnusable

__all__ = ["completion_text", "model_ids"]

_M = TypeVar("_M", bound=BaseModel)


class _Said(BaseModel):
    content: str | None = None
    refusal: str | None = None


class _Choice(BaseModel):
    message: _Said
    finish_reason: str | None = None


class _Completion(BaseModel):
    choices: list[_Choice]


class _Listed(BaseModel):
    id: str


class _ModelList(BaseModel):
    data: list[_Listed]


def _read(model: type[_M], body: bytes, what: str, target: Target) -> _M:
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # not JSON, or not the shape
        raise ModelAnswerUnusable(
            f"the model server at AI_API_URL ({target.url}) answered with something other than "
            f"{what}: set AI_API_URL to the service's OpenAI-compatible base, like {BASE_EXAMPLE}",
            setting="AI_API_URL",
        ) from None


def model_ids(body: bytes, target: Target) -> list[str]:
    """The ids of a `GET /models` answer, in the server's order."""
    return [entry.id for entry in _read(_ModelList, body, "a model list", target).data]


def completion_text(body: bytes, target: Target) -> str:
    """The text of the first choice of a chat completion, stripped; never empty."""
    completion = _read(_Completion, body, "a chat completion", target)
    if not completion.choices:
        raise ModelAnswerUnusable(f"the model {target.model} answered with no choices")
    choice = completion.choices[0]
    content = choice.message.content
    if content is not None and content.strip():
        return content.strip()
    reason = choice.finish_reason
    if choice.message.refusal:
        problem = f"refused to answer: {target.quote(choice.message.refusal)}"
    elif reason == "length":
        problem = (
            "reached the token limit before writing any text (a reasoning model may spend it "
            "all on thinking): choose a model that answers directly"
        )
    elif reason == "content_filter":
        problem = "had its answer withheld by the service's content filter"
    else:
        problem = "answered with empty text"
    raise ModelAnswerUnusable(f"the model {target.model} {problem}", finish_reason=reason)
