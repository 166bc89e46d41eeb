"""Telegram -> Ozon, intake: what staff write in a buyer's topic becomes outbox rows.

The Telegram side turns an incoming message into a `StaffMessage`; this decides whether it is a
reply, an internal note, or something Ozon's chat cannot carry (staff are told at once, in their
topic), and queues what is to be sent. Nothing here calls Ozon: the outbox does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Protocol

from bot.core.faults import StorageError
from bot.core.logfields import event
from bot.core.records import ChatRow, OutboxItem, OutboxRow, Staff
from bot.core.replies.notices import Notice, NoticeKind, Notices
from bot.core.replies.split import split_text
from bot.core.replies.staff import MB, StaffFile, StaffMessage, Unsendable
from bot.core.states import OUTBOX_OPEN, OutboxKind, OutboxState

log = logging.getLogger(__name__)

OZON_TEXT_LIMIT = 1000
ALBUM_SETTLE = timedelta(seconds=2)
"""How long an album's caption waits for the album's other pictures to arrive."""


class TopicOwners(Protocol):
    async def get_by_topic(self, topic_id: int) -> ChatRow | None:
        """The buyer chat whose topic this is (in the bound forum group)."""
        ...


class ReplyQueue(Protocol):
    async def enqueue(
        self,
        chat_id: str,
        topic_id: int,
        tg_message_id: int,
        items: Sequence[OutboxItem],
        *,
        album: str | None = None,
        album_settle: timedelta = timedelta(0),
        staff: Staff | None = None,
    ) -> int:
        """Queue a staff message's parts (a message seen twice is queued once); new rows."""
        ...

    async def for_staff_message(self, tg_message_id: int) -> list[OutboxRow]: ...

    async def retry(self, tg_message_id: int) -> int:
        """Queue a failed staff message's failed parts again; how many."""
        ...


class StaffReplies:
    def __init__(
        self,
        chats: TopicOwners,
        outbox: ReplyQueue,
        notices: Notices,
        *,
        on_queued: Callable[[], None],
        max_parts: int = 5,
        max_file_bytes: int = 10 * MB,
    ) -> None:
        self._chats = chats
        self._outbox = outbox
        self._notices = notices
        self._on_queued = on_queued
        self._max_parts = max_parts
        self._max_file_bytes = max_file_bytes

    async def handle(self, message: StaffMessage) -> None:
        chat = await self._chats.get_by_topic(message.topic_id)
        if chat is None:
            self._unlinked(message)
            return
        if message.edited:
            answer = await self._edit_answer(message)
            if answer is not None:
                self._tell(message, Notice(answer))
            return
        items, refusal = self._plan(message)
        if refusal is not None:
            self._tell(message, refusal)
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
                staff=message.staff,
            )
        except StorageError as exc:
            log.error(
                "chat %s: staff message %s not accepted: %s",
                chat.chat_id,
                message.message_id,
                exc,
                extra=event(
                    "reply_not_accepted",
                    chat_id=chat.chat_id,
                    topic_id=message.topic_id,
                    tg_message_id=message.message_id,
                ),
            )
            self._tell(message, Notice(NoticeKind.NOT_ACCEPTED_STORAGE))
            return
        if added:
            log.info(
                "chat %s: staff message %s queued as %d part(s)",
                chat.chat_id,
                message.message_id,
                len(items),
                extra=event(
                    "reply_queued",
                    chat_id=chat.chat_id,
                    topic_id=message.topic_id,
                    tg_message_id=message.message_id,
                    parts=len(items),
                ),
            )
            self._on_queued()

    def _plan(self, message: StaffMessage) -> tuple[list[OutboxItem], Notice | None]:
        """What to send, or why nothing is (what staff are told)."""
        if message.is_note:
            return [], None  # an internal note stays in Telegram
        if message.unsendable is not None:
            return [], self._unsendable(message.unsendable)
        items: list[OutboxItem] = []
        for file in message.files:
            refusal = self._refuse_file(file)
            if refusal:
                return [], refusal
            items.append(
                OutboxItem(OutboxKind.FILE, file_id=file.file_id, file_name=file.name_for_ozon)
            )
        text = message.text or ""
        parts = split_text(text, OZON_TEXT_LIMIT) if text.strip() else []
        if len(parts) > self._max_parts:
            limits = {"limit": OZON_TEXT_LIMIT, "parts": len(parts), "max_parts": self._max_parts}
            return [], Notice(NoticeKind.TEXT_TOO_LONG, limits)
        items.extend(OutboxItem(OutboxKind.TEXT, body=part) for part in parts)
        return items, None

    async def _edit_answer(self, message: StaffMessage) -> NoticeKind | None:
        """Ozon cannot change a sent message, and an edit is never sent: what staff are told
        depends on what became of the message they edited."""
        rows = await self._outbox.for_staff_message(message.message_id)
        if not rows:
            # Nothing of it was ever for the buyer (a note, something Ozon cannot carry).
            return None if message.is_note else NoticeKind.EDIT_NOT_SENT
        if any(row.state in OUTBOX_OPEN for row in rows):
            return NoticeKind.EDIT_ON_ITS_WAY
        if all(row.state == OutboxState.FAILED for row in rows):
            return NoticeKind.EDIT_REFUSED
        return NoticeKind.EDIT_DELIVERED

    def _unlinked(self, message: StaffMessage) -> None:
        """A message in a topic no buyer chat owns. Staff may open topics of their own to talk
        among themselves: those are left alone. A topic the bridge opened itself but does not
        know is one it lost track of (a crash between Telegram's answer and the database commit,
        or a topic replaced after Telegram called it gone): staff writing there believe they
        answer a buyer, so they are told that nothing was sent."""
        if not message.topic_by_bridge or message.is_note:
            return
        log.warning(
            "staff message %s in topic %s: the bridge opened that topic but no buyer chat owns "
            "it; nothing sent",
            message.message_id,
            message.topic_id,
            extra=event(
                "topic_not_linked", topic_id=message.topic_id, tg_message_id=message.message_id
            ),
        )
        self._tell(message, Notice(NoticeKind.TOPIC_NOT_LINKED))

    async def retry(self, tg_message_id: int) -> bool:
        """Send a failed staff message again; False when there is nothing to retry."""
        again = await self._outbox.retry(tg_message_id)
        if again:
            log.info(
                "staff message %s: retry requested",
                tg_message_id,
                extra=event("reply_retried", tg_message_id=tg_message_id),
            )
            self._on_queued()
        return again > 0

    def _unsendable(self, kind: Unsendable) -> Notice:
        if kind == Unsendable.COMMAND:
            return Notice(NoticeKind.COMMAND_IN_TOPIC)
        if kind == Unsendable.BRIDGE_POST:
            return Notice(NoticeKind.BRIDGE_POST_FORWARDED)
        return Notice(NoticeKind.UNSUPPORTED, {"what": kind, "max_mb": self._max_mb})

    @property
    def _max_mb(self) -> int:
        return self._max_file_bytes // MB

    def _refuse_file(self, file: StaffFile) -> Notice | None:
        name = file.file_name or ("photo.jpg" if file.is_photo else "")
        if file.size is not None and file.size > self._max_file_bytes:
            size: dict[str, str | int] = {
                "name": name,
                "size_mb": f"{file.size / MB:.1f}",
                "max_mb": self._max_mb,
            }
            return Notice(NoticeKind.FILE_TOO_LARGE, size)
        if file.extension is None:
            return Notice(NoticeKind.FILE_WRONG_TYPE, {"name": name})
        return None

    def _tell(self, message: StaffMessage, notice: Notice) -> None:
        self._notices.tell(message.topic_id, message.message_id, notice)
