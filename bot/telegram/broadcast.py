"""/broadcast, its preview buttons, progress and report, and /broadcasts, in Telegram."""

from __future__ import annotations

import html
import logging
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import texts
from bot.core.broadcast import BroadcastRefused, Broadcasts, Preview
from bot.core.ports import ShuttingDown, TelegramUnavailable
from bot.telegram.admin import allowed
from bot.telegram.admins import Admins
from bot.telegram.callbacks import BroadcastAction
from bot.telegram.gateway import TelegramGateway
from storage.broadcasts import BroadcastRepository, BroadcastRow, Progress
from storage.db import StorageError

log = logging.getLogger(__name__)


def build_broadcast_router(forum_chat_id: int, tz: ZoneInfo) -> Router:
    router = Router(name="broadcast")
    general = (F.chat.id == forum_chat_id) & ~F.is_topic_message
    router.message.filter(general | (F.chat.type == "private"), F.from_user)

    @router.message(Command("broadcast"))
    async def broadcast(
        message: Message,
        command: CommandObject,
        admins: Admins,
        gateway: TelegramGateway,
        broadcasts: Broadcasts,
    ) -> None:
        if not await allowed(message, admins, gateway):
            return
        args = (command.args or "").strip()
        quoted = message.reply_to_message.text if message.reply_to_message else None
        if quoted:
            args = f"{args} {quoted}".strip()
        if not args:
            await gateway.say(message.chat.id, texts.BROADCAST_USAGE)
            return
        try:
            preview = await broadcasts.prepare(admins.actor(message), message.chat.id, args)
        except BroadcastRefused as exc:
            await gateway.say(
                message.chat.id, texts.BROADCAST_REFUSED.format(reason=html.escape(str(exc)))
            )
            return
        except StorageError as exc:
            log.error("broadcast not prepared: %s", exc)
            await gateway.say(
                message.chat.id, texts.BROADCAST_REFUSED.format(reason=texts.STORAGE_REFUSED)
            )
            return
        if preview.count == 0:
            await gateway.say(
                message.chat.id,
                texts.BROADCAST_NOBODY.format(left_out=_left_out(preview.left_out)),
            )
            return
        sent = await gateway.say(
            message.chat.id, render_preview(preview), markup=_buttons(preview.job_id, go=True)
        )
        await broadcasts.remember_preview(preview.job_id, sent)

    @router.message(Command("broadcasts"))
    async def recent(
        message: Message, admins: Admins, gateway: TelegramGateway, repo: BroadcastRepository
    ) -> None:
        if not await allowed(message, admins, gateway):
            return
        await gateway.say(message.chat.id, render_list(await repo.recent(10), tz))

    @router.callback_query(BroadcastAction.filter())
    async def act(
        query: CallbackQuery,
        callback_data: BroadcastAction,
        admins: Admins,
        gateway: TelegramGateway,
        broadcasts: Broadcasts,
    ) -> None:
        actor = query.from_user.id
        try:
            # What an anonymous administrator started, any of the group's administrators may
            # confirm or cancel: Telegram does not say which of them it was.
            if await broadcasts.owner(
                callback_data.job_id
            ) == forum_chat_id and await admins.may_act_for_group(actor):
                actor = forum_chat_id
            if callback_data.action == "go":
                job = await broadcasts.confirm(callback_data.job_id, actor)
            else:
                job = await broadcasts.cancel(callback_data.job_id, actor)
        except BroadcastRefused as exc:
            await query.answer(str(exc), show_alert=True)
            return
        except StorageError as exc:
            log.error(
                "broadcast %s: %s not recorded: %s", callback_data.job_id, callback_data.action, exc
            )
            await query.answer(texts.STORAGE_REFUSED, show_alert=True)
            return
        confirmed = callback_data.action == "go"
        await query.answer(
            texts.BROADCAST_CONFIRMED if confirmed else texts.BROADCAST_CANCELLED_ANSWER
        )
        if job.preview_message_id is None or job.progress_message_id is not None:
            return
        if confirmed:
            # Remembered first: the worker's progress and report find the message even if this
            # edit fails or the bridge stops right after.
            await broadcasts.remember_progress(job.id, job.preview_message_id)
            await gateway.edit(
                job.reply_chat_id,
                job.preview_message_id,
                render_progress(job, Progress(job.total, 0, {}, 0, job.total, 0)),
                markup=_buttons(job.id, go=False),
            )
        else:
            await gateway.edit(
                job.reply_chat_id,
                job.preview_message_id,
                texts.BROADCAST_CANCELLED_PREVIEW.format(job_id=job.id),
                markup=None,
            )

    return router


class ProgressReporter:
    """Edits the one progress message of a job (the worker calls it at most every few seconds)."""

    def __init__(self, gateway: TelegramGateway) -> None:
        self._gateway = gateway

    async def __call__(self, job: BroadcastRow, progress: Progress, final: bool) -> None:
        if job.progress_message_id is None:
            return  # cancelled in preview: the preview message already says so
        html_text = render_report(job, progress) if final else render_progress(job, progress)
        try:
            await self._gateway.edit(
                job.reply_chat_id,
                job.progress_message_id,
                html_text,
                markup=None if final else _buttons(job.id, go=False),
            )
        except (ShuttingDown, TelegramUnavailable):
            raise  # Telegram as a whole: the report is shown on a later pass
        except Exception as exc:  # noqa: BLE001 - a deleted message or a blocked private chat
            # This message cannot show it (deleted, or the admin blocked the bot): the job goes on.
            log.warning("broadcast %s: progress not shown: %r", job.id, exc)


def _buttons(job_id: int, *, go: bool) -> InlineKeyboardMarkup:
    stop = InlineKeyboardButton(
        text=texts.BROADCAST_CANCEL,
        callback_data=BroadcastAction(job_id=job_id, action="stop").pack(),
    )
    if not go:
        return InlineKeyboardMarkup(inline_keyboard=[[stop]])
    confirm = InlineKeyboardButton(
        text=texts.BROADCAST_CONFIRM,
        callback_data=BroadcastAction(job_id=job_id, action="go").pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[[confirm, stop]])


def _left_out(left_out: dict[str, int]) -> str:
    if not left_out:
        return ""
    lines = [
        texts.BROADCAST_LEFT_OUT_LINE.format(
            reason=texts.BROADCAST_LEFT_OUT.get(reason, reason), count=count
        )
        for reason, count in sorted(left_out.items(), key=lambda item: -item[1])
    ]
    return texts.BROADCAST_LEFT_OUT_HEAD + "".join(lines)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes} мин {secs} с" if minutes else f"{secs} с"


def render_preview(preview: Preview) -> str:
    samples = "\n".join(
        texts.BROADCAST_SAMPLE.format(text=html.escape(sample)) for sample in preview.samples
    )
    return texts.BROADCAST_PREVIEW.format(
        job_id=preview.job_id,
        count=preview.count,
        duration=_duration(preview.seconds),
        left_out=_left_out(preview.left_out),
        samples=samples,
    )


def render_progress(job: BroadcastRow, progress: Progress) -> str:
    return texts.BROADCAST_PROGRESS.format(
        job_id=job.id,
        delivered=progress.delivered,
        total=progress.total,
        in_flight=progress.in_flight,
        failed=sum(progress.failed.values()),
    )


def render_report(job: BroadcastRow, progress: Progress) -> str:
    reasons = "".join(
        texts.BROADCAST_REASON_LINE.format(
            reason=texts.FAILURE_REASONS.get(reason, reason).split(":")[0].rstrip("."),
            count=count,
        )
        for reason, count in progress.failed.items()
    )
    return texts.BROADCAST_REPORT.format(
        job_id=job.id,
        outcome=texts.BROADCAST_OUTCOME.get(job.state, job.state),
        delivered=progress.delivered,
        total=progress.total,
        failed=sum(progress.failed.values()),
        reasons=reasons,
        skipped=progress.skipped + progress.in_flight,
    )


def render_list(jobs: list[BroadcastRow], tz: ZoneInfo) -> str:
    if not jobs:
        return texts.BROADCAST_LIST_EMPTY
    lines = [texts.BROADCAST_LIST_HEAD]
    for job in jobs:
        text = job.template if len(job.template) <= 60 else job.template[:57] + "…"
        lines.append(
            texts.BROADCAST_LIST_LINE.format(
                job_id=job.id,
                created=job.created_at.astimezone(tz).strftime(texts.BROADCAST_TIME_FORMAT),
                state=texts.BROADCAST_STATES.get(job.state, job.state),
                total=job.total,
                text=html.escape(text),
            )
        )
    return "\n".join(lines)
