"""/broadcast and /broadcasts (admin commands), the preview's buttons, and the progress line the
broadcast worker keeps up to date."""

from __future__ import annotations

import html
import logging
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.core.broadcast.command import BroadcastRefused
from bot.core.broadcast.jobs import BroadcastJob, Broadcasts
from bot.core.faults import ShuttingDown, TelegramUnavailable
from bot.core.records import Progress
from bot.telegram.commands.admin import outside_topics
from bot.telegram.commands.admins import AdminOnly, Admins
from bot.telegram.commands.callbacks import BroadcastAction
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.rendering.entities import command_args, with_hidden_links
from bot.telegram.rendering.phrasing import refusal_text
from bot.telegram.texts.broadcasts import (
    BROADCAST_CANCELLED_ANSWER,
    BROADCAST_CANCELLED_PREVIEW,
    BROADCAST_CONFIRMED,
    BROADCAST_NOBODY,
    BROADCAST_REFUSED,
    BROADCAST_USAGE,
)
from bot.telegram.views.broadcast import (
    buttons,
    left_out_lines,
    render_list,
    render_preview,
    render_progress,
    render_report,
)

log = logging.getLogger(__name__)


def build_broadcast_router(
    forum_chat_id: int, tz: ZoneInfo, broadcasts: Broadcasts, speaker: Speaker, admins: Admins
) -> Router:
    router = Router(name="broadcast")
    router.message.filter(outside_topics(forum_chat_id), F.from_user)
    router.message.middleware(AdminOnly(admins, speaker))
    buttons_pressed = _Buttons(forum_chat_id, broadcasts, speaker, admins)

    @router.message(Command("broadcast"))
    async def broadcast(message: Message) -> None:
        # Hidden links keep their addresses, as in a reply written by hand.
        args = command_args(message.text, message.entities).strip()
        reply = message.reply_to_message
        quoted = with_hidden_links(reply.text, reply.entities) if reply and reply.text else None
        if quoted:
            args = f"{args} {quoted}".strip()
        if not args:
            await speaker.say(message.chat.id, BROADCAST_USAGE)
            return
        try:
            preview = await broadcasts.prepare(admins.actor(message), message.chat.id, args)
        except BroadcastRefused as exc:
            reason = html.escape(refusal_text(exc))
            await speaker.say(message.chat.id, BROADCAST_REFUSED.format(reason=reason))
            return
        if preview.count == 0:
            left_out = left_out_lines(preview.left_out)
            await speaker.say(message.chat.id, BROADCAST_NOBODY.format(left_out=left_out))
            return
        sent = await speaker.say(
            message.chat.id, render_preview(preview), markup=buttons(preview.job_id, go=True)
        )
        await broadcasts.remember_preview(preview.job_id, sent)

    @router.message(Command("broadcasts"))
    async def recent(message: Message) -> None:
        await speaker.say(message.chat.id, render_list(await broadcasts.recent(10), tz))

    @router.callback_query(BroadcastAction.filter())
    async def act(query: CallbackQuery, callback_data: BroadcastAction) -> None:
        await buttons_pressed.press(query, callback_data)

    return router


class _Buttons:
    """«Отправить» and «Отменить» under a preview or a progress line."""

    def __init__(
        self, forum_chat_id: int, broadcasts: Broadcasts, speaker: Speaker, admins: Admins
    ) -> None:
        self._forum_chat_id = forum_chat_id
        self._broadcasts = broadcasts
        self._speaker = speaker
        self._admins = admins

    async def press(self, query: CallbackQuery, data: BroadcastAction) -> None:
        confirmed = data.action == "go"
        try:
            actor = await self._actor(query, data.job_id)
            if confirmed:
                job = await self._broadcasts.confirm(data.job_id, actor)
            else:
                job = await self._broadcasts.cancel(data.job_id, actor)
        except BroadcastRefused as exc:
            await self._speaker.answer_button(query.id, refusal_text(exc), alert=True)
            return
        answer = BROADCAST_CONFIRMED if confirmed else BROADCAST_CANCELLED_ANSWER
        await self._speaker.answer_button(query.id, answer)
        if job.preview_message_id is not None and job.progress_message_id is None:
            await self._show(job, job.preview_message_id, confirmed=confirmed)

    async def _actor(self, query: CallbackQuery, job_id: int) -> int:
        """Who presses: what an anonymous administrator started, any of the group's
        administrators may confirm or cancel (Telegram does not say which of them it was)."""
        actor = query.from_user.id
        owner = await self._broadcasts.owner(job_id)
        if owner == self._forum_chat_id and await self._admins.may_act_for_group(actor):
            return self._forum_chat_id
        return actor

    async def _show(self, job: BroadcastJob, message_id: int, *, confirmed: bool) -> None:
        if not confirmed:
            cancelled = BROADCAST_CANCELLED_PREVIEW.format(job_id=job.id)
            await self._speaker.edit(job.reply_chat_id, message_id, cancelled, markup=None)
            return
        # Remembered first: the worker's progress and report find the message even if this
        # edit fails or the bridge stops right after.
        await self._broadcasts.remember_progress(job.id, message_id)
        await self._speaker.edit(
            job.reply_chat_id,
            message_id,
            render_progress(job, Progress(job.total, 0, {}, 0, job.total, 0)),
            markup=buttons(job.id, go=False),
        )


class ProgressReporter:
    """Edits the one progress message of a job (the worker calls it at most every few seconds)."""

    def __init__(self, speaker: Speaker) -> None:
        self._speaker = speaker

    async def __call__(self, job: BroadcastJob, progress: Progress, final: bool) -> None:
        if job.progress_message_id is None:
            return  # cancelled in preview: the preview message already says so
        html_text = render_report(job, progress) if final else render_progress(job, progress)
        try:
            await self._speaker.edit(
                job.reply_chat_id,
                job.progress_message_id,
                html_text,
                markup=None if final else buttons(job.id, go=False),
            )
        except (ShuttingDown, TelegramUnavailable):
            raise  # Telegram as a whole: the report is shown on a later pass
        except Exception as exc:  # noqa: BLE001 - a deleted message or a blocked private chat
            # This message cannot show it (deleted, or the admin blocked the bot): the job goes on.
            log.warning("broadcast %s: progress not shown: %r", job.id, exc)
