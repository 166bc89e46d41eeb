"""The turns of a conversation with the model, as plain values of this package (callers never
touch the `openai` package's types)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Message", "Role"]

Role = Literal["system", "user", "assistant"]
"""`system`: the seller's instructions; `user`: what the model answers (the buyer's words, the
context); `assistant`: what was answered before (earlier replies, to keep the style)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One turn: who speaks and the plain text said."""

    role: Role
    content: str

    @classmethod
    def system(cls, content: str) -> Message:
        return cls("system", content)

    @classmethod
    def user(cls, content: str) -> Message:
        return cls("user", content)

    @classmethod
    def assistant(cls, content: str) -> Message:
        return cls("assistant", content)
