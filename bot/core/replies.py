"""Telegram -> Ozon, intake: what staff write in a buyer's topic becomes outbox rows.

The Telegram side turns an incoming message into a `StaffMessage`; this decides whether it is a
reply, an internal note, or something Ozon's chat cannot carry (answered in the topic at once),
and queues what is to be sent. Nothing here calls Ozon: the outbox worker does.
"""

from __future__ import annotations

import asyncio
import html
import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot import texts
from bot.core.ports import TelegramFault, TelegramPort
from bot.core.split import split_text
from storage.chats import ChatRepository
from storage.db import StorageError
from storage.outbox import OPEN_STATES, OutboxItem, OutboxRepository

log = logging.getLogger(__name__)

MB = 1024 * 1024
OZON_TEXT_LIMIT = 1000
ALLOWED_EXTENSIONS = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                      ".webp": "image/webp", ".pdf": "application/pdf"}  # fmt: skip
ALLOWED_MIME = {mime: ext for ext, mime in ALLOWED_EXTENSIONS.items() if ext != ".jpeg"}
INTERNAL_NOTE = "//"
ALBUM_SETTLE = timedelta(seconds=2)
"""How long an album's caption waits for the album's other pictures to arrive."""


@dataclass(frozen=True, slots=True)
class StaffFile:
    file_id: str
    file_name: str | None
    size: int | None
    mime_type: str | None
    is_photo: bool = False


@dataclass(frozen=True, slots=True)
class StaffMessage:
    """A person's message in a forum topic, as far as the bridge cares."""

    topic_id: int
    message_id: int
    text: str | None = None
    """The text, or the caption of a photo or document."""
    files: tuple[StaffFile, ...] = field(default_factory=tuple)
    unsupported: str | None = None
    """Why it is not sent: what Ozon cannot carry (a key of `texts.UNSUPPORTED_CONTENT`), a
    command (`command`), or a forwarded post of the bridge (`bridge_post`)."""
    edited: bool = False
    album: str | None = None
    """The album (media group) the message is part of: Telegram sends each picture apart."""
    topic_by_bridge: bool = False
    """The topic was opened by this bot (as far as the message shows)."""


class StaffReplies:
    def __init__(
        self,
        chats: ChatRepository,
        outbox: OutboxRepository,
        telegram: TelegramPort,
        *,
        on_queued: Callable[[], None],
        max_parts: int = 5,
        max_file_bytes: int = 10 * MB,
    ) -> None:
        self._chats = chats
        self._outbox = outbox
        self._telegram = telegram
        self._on_queued = on_queued
        self._max_parts = max_parts
        self._max_file_bytes = max_file_bytes
        self._answers: set[asyncio.Task[None]] = set()

    async def handle(self, message: StaffMessage) -> None:
        chat = await self._chats.get_by_topic(message.topic_id)
        if chat is None:
            self._unlinked(message)
            return
        if message.edited:
            answer = await self._edit_answer(message)
            if answer is not None:
                self._answer(message, answer)
            return
        items, refusal = self._plan(message)
        if refusal is not None:
            self._answer(message, refusal)
            return
        if not items:
            return
        try:
            added = await self._outbox.enqueue(
                chat.chat_id,
                message.topic_id,
                message.message_id,
                items,
                album=message.album,
                album_settle=ALBUM_SETTLE,
            )
        except StorageError as exc:
            log.error(
                "chat %s: staff message %s not accepted: %s", chat.chat_id, message.message_id, exc
            )
            self._answer(message, texts.NOT_ACCEPTED_STORAGE)
            return
        if added:
            log.info(
                "chat %s: staff message %s queued as %d part(s)",
                chat.chat_id,
                message.message_id,
                len(items),
            )
            self._on_queued()

    def _plan(self, message: StaffMessage) -> tuple[list[OutboxItem], str | None]:
        """What to send, or why nothing is (the answer staff get)."""
        text = message.text or ""
        if text.lstrip().startswith(INTERNAL_NOTE):
            return [], None  # an internal note stays in Telegram
        if message.unsupported:
            return [], self._unsupported(message.unsupported)
        items: list[OutboxItem] = []
        for file in message.files:
            refusal = self._refuse_file(file)
            if refusal:
                return [], refusal
            items.append(OutboxItem("file", file_id=file.file_id, file_name=_file_name(file)))
        parts = split_text(text, OZON_TEXT_LIMIT) if text.strip() else []
        if len(parts) > self._max_parts:
            limits = {"limit": OZON_TEXT_LIMIT, "parts": len(parts), "max_parts": self._max_parts}
            return [], texts.TEXT_TOO_LONG.format(**limits)
        items.extend(OutboxItem("text", body=part) for part in parts)
        return items, None

    async def _edit_answer(self, message: StaffMessage) -> str | None:
        """Ozon cannot change a sent message, and an edit is never sent: what staff are told
        depends on what became of the message they edited."""
        rows = await self._outbox.for_staff_message(message.message_id)
        if not rows:
            # Nothing of it was ever for the buyer (a note, something Ozon cannot carry).
            if (message.text or "").lstrip().startswith(INTERNAL_NOTE):
                return None
            return texts.EDIT_ORIGINAL_NOT_SENT
        if any(row.state in OPEN_STATES for row in rows):
            return texts.EDIT_ORIGINAL_ON_ITS_WAY
        if all(row.state == "failed" for row in rows):
            return texts.EDIT_ORIGINAL_REFUSED
        return texts.EDIT_NOT_POSSIBLE

    def _unlinked(self, message: StaffMessage) -> None:
        """A message in a topic no buyer chat owns. Staff may open topics of their own to talk
        among themselves: those are left alone. A topic the bridge opened itself but does not
        know is one it lost track of (a crash between Telegram's answer and the database commit,
        or a topic replaced after Telegram called it gone): staff writing there believe they
        answer a buyer, so they are told that nothing was sent."""
        if not message.topic_by_bridge or (message.text or "").lstrip().startswith(INTERNAL_NOTE):
            return
        log.warning(
            "staff message %s in topic %s: the bridge opened that topic but no buyer chat owns "
            "it; nothing sent",
            message.message_id,
            message.topic_id,
        )
        self._answer(message, texts.TOPIC_NOT_LINKED)

    async def retry(self, tg_message_id: int) -> bool:
        """Send a failed staff message again; False when there is nothing to retry."""
        again = await self._outbox.retry(tg_message_id)
        if again:
            log.info("staff message %s: retry requested", tg_message_id)
            self._on_queued()
        return again > 0

    def _unsupported(self, kind: str) -> str:
        if kind == "command":
            return texts.COMMAND_IN_TOPIC
        if kind == "bridge_post":
            return texts.BRIDGE_POST_FORWARDED
        what = texts.UNSUPPORTED_CONTENT.get(kind, "такие сообщения")
        return texts.UNSUPPORTED.format(what=what, max_mb=self._max_mb)

    @property
    def _max_mb(self) -> int:
        return self._max_file_bytes // MB

    def _refuse_file(self, file: StaffFile) -> str | None:
        name = html.escape(file.file_name or ("photo.jpg" if file.is_photo else "файл"))
        if file.size is not None and file.size > self._max_file_bytes:
            return texts.FILE_TOO_LARGE.format(
                name=name, size_mb=f"{file.size / MB:.1f}", max_mb=self._max_mb
            )
        if not file.is_photo and _extension(file) is None:
            return texts.FILE_WRONG_TYPE.format(name=name)
        return None

    def _answer(self, message: StaffMessage, text: str) -> None:
        """Tell staff in their topic, without holding up the handling of further updates."""

        async def send() -> None:
            try:
                await self._telegram.reply(message.topic_id, message.message_id, text)
            except TelegramFault as exc:
                log.warning("could not answer staff message %s: %s", message.message_id, exc)

        task = asyncio.create_task(send())
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def close(self) -> None:
        """Wait briefly for answers in flight (they are only notices)."""
        if self._answers:
            await asyncio.wait(self._answers, timeout=3)
        for task in self._answers:
            task.cancel()


def _extension(file: StaffFile) -> str | None:
    if file.is_photo:
        return ".jpg"
    ext = posixpath.splitext(file.file_name or "")[1].lower()
    if ext in ALLOWED_EXTENSIONS:
        return ".jpg" if ext == ".jpeg" else ext
    if file.mime_type in ALLOWED_MIME:
        return ALLOWED_MIME[file.mime_type]
    return None


def _file_name(file: StaffFile) -> str:
    ext = _extension(file) or ""
    if file.file_name and posixpath.splitext(file.file_name)[1].lower() in ALLOWED_EXTENSIONS:
        return file.file_name
    stem = posixpath.splitext(file.file_name or "")[0] or ("photo" if file.is_photo else "file")
    return stem + ext
