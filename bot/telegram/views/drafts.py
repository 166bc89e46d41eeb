"""Reply drafts in the topics: the draft's post (its text as it will be sent, what the checks
found, «Отправить» saying why sending is risky, «Отменить»), that post once sent or cancelled,
and why no draft came. Every post and edit goes through the group's flood budget; an automatic
draft takes a spare slot only (`GroupCalls.spare`), so that it never delays a buyer's post."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters

from bot.core.drafts.checks import Checked, Flag
from bot.core.drafts.writer import Failure
from bot.core.faults import PostRejected
from bot.core.records import DraftRow, Staff
from bot.core.replies.split import split_text
from bot.core.states import DraftTrigger
from bot.telegram.commands.callbacks import DraftAction
from bot.telegram.gateway.calls import GroupCalls
from bot.telegram.texts.drafts import (
    DRAFT_AUTO_HEADER,
    DRAFT_CANCEL,
    DRAFT_CANCELLED,
    DRAFT_CUT,
    DRAFT_FAILED,
    DRAFT_HEADER,
    DRAFT_RISK,
    DRAFT_RISK_BUTTON,
    DRAFT_RISKS,
    DRAFT_SEND,
    DRAFT_SEND_RISKY,
    DRAFT_SENT,
    DRAFT_TOO_LONG,
)


def draft_html(draft: DraftRow, checked: Checked) -> str:
    """The draft's post: a header saying it is not sent, its text, then each finding."""
    header = DRAFT_AUTO_HEADER if draft.trigger is DraftTrigger.AUTO else DRAFT_HEADER
    lines = [header, "", html.escape(checked.body)]
    notes = []
    if checked.risks:
        what = ", ".join(DRAFT_RISKS[flag] for flag in checked.risks)
        notes.append(DRAFT_RISK.format(what=what))
    if Flag.TOO_LONG in checked.flags:
        parts = len(split_text(checked.body, checked.limit))
        notes.append(
            DRAFT_TOO_LONG.format(length=len(checked.body), limit=checked.limit, parts=parts)
        )
    if Flag.CUT in checked.flags:
        notes.append(DRAFT_CUT.format(written=checked.written, length=len(checked.body)))
    return "\n".join([*lines, "", *notes] if notes else lines)


def draft_buttons(draft_id: int, checked: Checked) -> InlineKeyboardMarkup:
    """«Отправить» (saying why it is risky, when it is) and «Отменить»."""
    send = DRAFT_SEND
    if checked.risks:
        send = DRAFT_SEND_RISKY.format(
            why=", ".join(DRAFT_RISK_BUTTON[flag] for flag in checked.risks)
        )
    row = [
        InlineKeyboardButton(
            text=send, callback_data=DraftAction(draft_id=draft_id, action="send").pack()
        ),
        InlineKeyboardButton(
            text=DRAFT_CANCEL,
            callback_data=DraftAction(draft_id=draft_id, action="cancel").pack(),
        ),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])


class DraftBoard:
    """Implements what the drafts room asks of Telegram (`DraftPosts`, `DraftPostsShown`)."""

    def __init__(self, bot: Bot, forum_chat_id: int, group: GroupCalls) -> None:
        self._bot = bot
        self._chat_id = forum_chat_id
        self._group = group

    async def show(
        self, draft: DraftRow, checked: Checked, *, moot: Callable[[], Awaitable[bool]] | None
    ) -> int | None:
        def post() -> Awaitable[Message]:
            return self._bot.send_message(
                self._chat_id,
                draft_html(draft, checked),
                message_thread_id=draft.topic_id,
                parse_mode="HTML",
                reply_parameters=_answering(draft.request_message_id),
                reply_markup=draft_buttons(draft.id, checked),
            )

        if moot is None:
            return (await self._group(post)).message_id
        posted: list[Message] = []

        async def in_spare_slot() -> None:
            posted.append(await post())

        await self._group.spare(in_spare_slot, moot=moot)
        return posted[0].message_id if posted else None

    async def tell_failure(self, draft: DraftRow, failure: Failure) -> None:
        text = DRAFT_FAILED[failure.why.value].format(
            timeout=f"{failure.timeout:g}",
            setting=failure.setting or "AI_API_URL",
            status=failure.status or "",
        )
        await self._group(
            lambda: self._bot.send_message(
                self._chat_id,
                text,
                message_thread_id=draft.topic_id,
                parse_mode="HTML",
                reply_parameters=_answering(draft.request_message_id),
            )
        )

    async def mark_sent(self, draft: DraftRow, staff: Staff) -> None:
        await self._replace(draft, DRAFT_SENT.format(staff=html.escape(staff.name)))

    async def remove(self, draft: DraftRow, staff: Staff) -> None:
        """Delete the post; one Telegram will not delete (older than 48 hours) says who
        cancelled it and loses its buttons."""
        assert draft.message_id is not None
        post = draft.message_id
        try:
            await self._group(lambda: self._bot.delete_message(self._chat_id, post))
        except PostRejected:
            await self._replace(draft, DRAFT_CANCELLED.format(staff=html.escape(staff.name)))

    async def _replace(self, draft: DraftRow, header: str) -> None:
        """The post with another header over the draft's text, and no buttons."""
        assert draft.message_id is not None
        post = draft.message_id
        text = f"{header}\n\n{html.escape(draft.body or '')}"
        try:
            await self._group(
                lambda: self._bot.edit_message_text(
                    text=text,
                    chat_id=self._chat_id,
                    message_id=post,
                    parse_mode="HTML",
                    reply_markup=None,
                )
            )
        except PostRejected as exc:
            if "not modified" not in str(exc).lower():
                raise


def _answering(message_id: int | None) -> ReplyParameters | None:
    """An answer to the `/draft` command, which is posted all the same if the command is gone."""
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)
