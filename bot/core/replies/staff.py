"""A staff message as the core sees it, and what Ozon's chat takes of it (types and files)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.records import Staff

MB = 1024 * 1024
INTERNAL_NOTE = "//"
ALLOWED_EXTENSIONS = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                      ".webp": "image/webp", ".pdf": "application/pdf"}  # fmt: skip
ALLOWED_MIME = {mime: ext for ext, mime in ALLOWED_EXTENSIONS.items() if ext != ".jpeg"}


class Unsendable(StrEnum):
    """Why a staff message is not sent to the buyer at all."""

    STICKER = "sticker"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    VIDEO_NOTE = "video_note"
    ANIMATION = "animation"
    POLL = "poll"
    LOCATION = "location"
    VENUE = "venue"
    CONTACT = "contact"
    DICE = "dice"
    STORY = "story"
    GAME = "game"
    OTHER = "other"
    """Content Ozon's chat cannot carry, by kind."""
    COMMAND = "command"
    """A bridge command typed in a buyer's topic: staff are told where commands work."""
    BRIDGE_POST = "bridge_post"
    """A forwarded post of the bridge itself (another chat's facts and words)."""


@dataclass(frozen=True, slots=True)
class StaffFile:
    file_id: str
    file_name: str | None
    size: int | None
    mime_type: str | None
    is_photo: bool = False

    @property
    def extension(self) -> str | None:
        """The type Ozon's chat takes it as (`.jpg`, `.png`, `.webp`, `.pdf`); None: refused."""
        if self.is_photo:
            return ".jpg"
        ext = posixpath.splitext(self.file_name or "")[1].lower()
        if ext in ALLOWED_EXTENSIONS:
            return ".jpg" if ext == ".jpeg" else ext
        if self.mime_type in ALLOWED_MIME:
            return ALLOWED_MIME[self.mime_type]
        return None

    @property
    def name_for_ozon(self) -> str:
        """A name whose extension says the type (Ozon derives the type from it)."""
        if self.file_name and posixpath.splitext(self.file_name)[1].lower() in ALLOWED_EXTENSIONS:
            return self.file_name
        stem = posixpath.splitext(self.file_name or "")[0] or ("photo" if self.is_photo else "file")
        return stem + (self.extension or "")


@dataclass(frozen=True, slots=True)
class StaffMessage:
    """A person's message in a forum topic, as far as the bridge cares."""

    topic_id: int
    message_id: int
    text: str | None = None
    """The text, or the caption of a photo or document."""
    files: tuple[StaffFile, ...] = field(default_factory=tuple)
    unsendable: Unsendable | None = None
    edited: bool = False
    album: str | None = None
    """The album (media group) the message is part of: Telegram sends each picture apart."""
    topic_by_bridge: bool = False
    """The topic was opened by this bot (as far as the message shows)."""
    staff: Staff | None = None
    """Who wrote it."""

    @property
    def is_note(self) -> bool:
        """An internal note: it stays in Telegram."""
        return (self.text or "").lstrip().startswith(INTERNAL_NOTE)
