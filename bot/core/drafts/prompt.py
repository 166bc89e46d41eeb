"""The prompt: what the model is given for one draft, and nothing more.

Given: Ozon's rules for the answer (Russian; its length limit; no contacts, links or offers to
talk elsewhere), the seller's own instructions (AI_INSTRUCTIONS, read for each draft), the
quick-reply templates as examples of the seller's voice, the order card's facts, the time now,
and the conversation's recent messages from both sides. Each part is bounded (`Bounds`), the
oldest messages going first when the conversation is long.

Never given: internal notes (a line starting with `//` is left out wherever it comes from),
staff names (the conversation's turns carry none, and the seller is "Продавец"), other
conversations (the source reads one), and secrets: every text passes `redact` (the bridge's
known tokens and keys scrubbed) on its way out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.drafts import wording
from bot.core.drafts.conversation import Conversation, Turn
from bot.core.replies.staff import INTERNAL_NOTE
from bot.llm import Message


@dataclass(frozen=True, slots=True)
class Bounds:
    """How much of each part the model is given (characters unless said)."""

    turns: int = 30
    """The conversation's latest messages, at most."""
    transcript: int = 6000
    turn: int = 1500
    templates: int = 12
    """Templates, at most."""
    template: int = 500
    instructions: int = 4000


def max_tokens(limit: int) -> int:
    """How long an answer may be, in tokens: room for `limit` characters of Russian (about
    three characters a token) and some more, so that an answer over the limit shows as one."""
    return max(200, limit * 2 // 3)


def prompt(
    conversation: Conversation,
    *,
    instructions: str,
    templates: Sequence[str],
    now: datetime,
    tz: ZoneInfo,
    redact: Callable[[str], str] = lambda text: text,
    bounds: Bounds = Bounds(),
) -> list[Message]:
    """The messages for the model: the rules and the seller's voice as the system message, the
    order and the conversation as the user's."""
    system = [
        wording.ROLE.format(task=conversation.kind.task),
        wording.RULES.format(limit=conversation.kind.limit),
        wording.UNTRUSTED,
    ]
    own = _cut(_without_notes(instructions), bounds.instructions)
    if own:
        system.append(wording.INSTRUCTIONS.format(text=own))
    examples = [
        wording.EXAMPLE.format(text=_cut(body, bounds.template))
        for body in (_without_notes(t) for t in templates[: bounds.templates])
        if body
    ]
    if examples:
        system.append(wording.VOICE.format(examples="\n".join(examples)))
    facts = [fact for fact in (_without_notes(f) for f in conversation.facts) if fact]
    user = [
        wording.NOW.format(now=_when(now, tz)),
        conversation.kind.facts.format(facts="\n".join(facts)) if facts else wording.NO_FACTS,
        wording.TRANSCRIPT.format(lines=_transcript(conversation.turns, tz, bounds)),
        wording.ANSWER if conversation.answers is not None else wording.ANSWER_NO_BUYER,
    ]
    return [
        Message.system(redact("\n\n".join(system))),
        Message.user(redact("\n\n".join(user))),
    ]


def _transcript(turns: Sequence[Turn], tz: ZoneInfo, bounds: Bounds) -> str:
    """The latest turns that fit, oldest first; a note when earlier ones were left out."""
    lines: list[str] = []
    size = 0
    left_out = len(turns) > bounds.turns
    for turn in reversed(turns[-bounds.turns :]):
        text = _cut(_without_notes(turn.text), bounds.turn)
        if not text:
            continue
        who = wording.WHO[turn.voice.value]
        line = wording.LINE.format(who=who, at=_when(turn.at, tz), text=text)
        if lines and size + len(line) > bounds.transcript:
            left_out = True
            break
        lines.append(line)
        size += len(line) + 1
    if left_out:
        lines.append(wording.EARLIER_LEFT_OUT)
    return "\n".join(reversed(lines))


def _without_notes(text: str) -> str:
    """The text without its internal notes: any line that starts with `//`."""
    kept = [line for line in text.splitlines() if not line.lstrip().startswith(INTERNAL_NOTE)]
    return "\n".join(kept).strip()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime(wording.DATE_TIME)
