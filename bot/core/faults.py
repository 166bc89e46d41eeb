"""What can fail outside the core, as the core hears of it: the database refusing, and Telegram
refusing or out of reach. Storage and the Telegram side raise these; every room catches them by
these names (`bot.core.worker.OUTAGES` waits the outages out).
"""

from __future__ import annotations

from enum import StrEnum


class StorageError(Exception):
    """The database cannot be opened or written; the message says what the operator should check."""


class StorageWriteError(StorageError):
    """A write was refused (disk full, read-only file, I/O error): none of it was committed."""


class TelegramFault(Exception):
    """Base of the faults the Telegram side reports to the core."""


class TopicGone(TelegramFault):
    """The topic was deleted (or Telegram no longer knows it): create a new one and send again."""


class TopicClosed(TelegramFault):
    """The topic is closed: reopen it and send again."""


class GroupFault(StrEnum):
    """A fault of the forum group's set-up, which only the operator can fix."""

    UNAUTHORIZED = "unauthorized"
    """Telegram no longer accepts BOT_TOKEN."""
    NO_CHAT = "no_chat"
    """Telegram does not know FORUM_CHAT_ID (a wrong id, or the bot is not a member)."""
    MIGRATED = "migrated"
    """The group moved to a new id."""
    KICKED = "kicked"
    """The bot was removed from the group or may not write there."""
    RIGHTS = "rights"
    """The bot lacks an administrator right (to manage topics)."""
    NOT_FORUM = "not_forum"
    """The group has Topics turned off."""


class TelegramUnavailable(TelegramFault):
    """Nothing can be posted right now; keep the messages queued and try again later.

    `fault` names the configuration fault and `operator_hint` says what the operator must fix
    (the bot was removed from the group, lost its rights, Topics were turned off); both are None
    for transient faults (network, 5xx).
    """

    def __init__(
        self,
        message: str,
        *,
        fault: GroupFault | None = None,
        operator_hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.fault = fault
        self.operator_hint = operator_hint


class TopicsUnavailable(TelegramUnavailable):
    """Topics cannot be created, closed or reopened (the bot may not manage topics): only what
    needs that waits; posting into existing topics goes on."""


class IconsUnavailable(TelegramFault):
    """Topic icons cannot be shown (a setting chose an icon Telegram does not offer)."""

    def __init__(self, message: str, *, operator_hint: str) -> None:
        super().__init__(message)
        self.operator_hint = operator_hint


class ShuttingDown(TelegramFault):
    """The bridge is stopping: nothing more is posted (raised instead of waiting for budget)."""


class FileUnavailable(TelegramFault):
    """A file staff sent cannot be downloaded from Telegram (too large, gone, network)."""


class PostRejected(TelegramFault):
    """Telegram refuses this particular post for good (a 400 about its content)."""
