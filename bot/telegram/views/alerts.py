"""The alerts' Telegram side: each alert written in Russian and posted in General
(`bot.core.ops.alerts.AlertPort`), and the look at the group's set-up the group watch asks for
(`bot.core.ops.watches.GroupProbe`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMemberAdministrator

from bot.core.faults import GroupFault, TelegramUnavailable
from bot.core.ops.alerts import Alert, Cause, Trouble
from bot.ozon.errors import AuthProblem
from bot.telegram.gateway.calls import classify
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.texts.alerts import (
    ALERT_DATABASE,
    ALERT_DATABASE_END,
    ALERT_GROUP,
    ALERT_GROUP_END,
    ALERT_GROUP_KICKED,
    ALERT_GROUP_MIGRATED,
    ALERT_GROUP_NO_CHAT,
    ALERT_GROUP_NOT_FORUM,
    ALERT_GROUP_RIGHTS,
    ALERT_GROUP_UNAUTHORIZED,
    ALERT_KEY_EXPIRED,
    ALERT_KEY_EXPIRING,
    ALERT_KEY_EXPIRING_END,
    ALERT_KEY_INVALID,
    ALERT_KEY_IP,
    ALERT_KEY_NO_ROLE,
    ALERT_KEY_OTHER,
    ALERT_KEY_REFUSED,
    ALERT_KEY_REFUSED_END,
    ALERT_NOT_SYNCED,
    ALERT_NOT_SYNCED_END,
    ALERT_SINCE_START,
)
from bot.telegram.texts.feedback import (
    ALERT_FEEDBACK_OFF,
    ALERT_FEEDBACK_OFF_END,
    ALERT_SETTING,
    ALERT_WHAT,
    STATUS_WHAT,
    WHY_OFF,
)
from bot.telegram.views.desk import duration

_KEY_ADVICE = {
    AuthProblem.INVALID_CREDENTIALS: ALERT_KEY_INVALID,
    AuthProblem.KEY_EXPIRED: ALERT_KEY_EXPIRED,
    AuthProblem.MISSING_ROLE: ALERT_KEY_NO_ROLE,
    AuthProblem.IP_RESTRICTED: ALERT_KEY_IP,
}
_GROUP_ADVICE = {
    GroupFault.NOT_FORUM: ALERT_GROUP_NOT_FORUM,
    GroupFault.RIGHTS: ALERT_GROUP_RIGHTS,
    GroupFault.KICKED: ALERT_GROUP_KICKED,
    GroupFault.NO_CHAT: ALERT_GROUP_NO_CHAT,
    GroupFault.MIGRATED: ALERT_GROUP_MIGRATED,
    GroupFault.UNAUTHORIZED: ALERT_GROUP_UNAUTHORIZED,
}
_FEEDBACK_KINDS = {Cause.REVIEWS_OFF: "review", Cause.QUESTIONS_OFF: "question"}
_ENDS = {
    Cause.KEY_EXPIRING: ALERT_KEY_EXPIRING_END,
    Cause.KEY_REFUSED: ALERT_KEY_REFUSED_END,
    Cause.GROUP_SETUP: ALERT_GROUP_END,
    Cause.NOT_SYNCED: ALERT_NOT_SYNCED_END,
    Cause.DATABASE: ALERT_DATABASE_END,
    **{
        cause: ALERT_FEEDBACK_OFF_END.replace("{what}", ALERT_WHAT[kind])
        for cause, kind in _FEEDBACK_KINDS.items()
    },
}


class GeneralAlerts:
    """Implements `bot.core.ops.alerts.AlertPort`: each alert posted in General."""

    def __init__(self, speaker: Speaker, forum_chat_id: int, tz: ZoneInfo) -> None:
        self._speaker = speaker
        self._forum_chat_id = forum_chat_id
        self._words = AlertText(tz)

    async def alert(self, alert: Alert) -> None:
        await self._speaker.say(self._forum_chat_id, self._words.text(alert))


class AlertText:
    """An alert in Russian, with the advice that fits its cause, times in the seller's zone."""

    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz

    def text(self, alert: Alert) -> str:
        trouble = alert.trouble
        if trouble is None:
            lasted = duration(alert.lasted) if alert.lasted is not None else "—"
            return _ENDS[alert.cause].format(lasted=lasted)
        return self._began(trouble)

    def _began(self, trouble: Trouble) -> str:
        if trouble.cause == Cause.KEY_EXPIRING:
            assert trouble.when is not None
            left = duration(trouble.when - datetime.now(self._tz))
            return ALERT_KEY_EXPIRING.format(when=self._local(trouble.when), left=left)
        if trouble.cause == Cause.KEY_REFUSED:
            advice = _KEY_ADVICE.get(AuthProblem(trouble.kind or AuthProblem.UNKNOWN))
            return ALERT_KEY_REFUSED.format(advice=advice or ALERT_KEY_OTHER)
        if trouble.cause == Cause.GROUP_SETUP:
            advice = _GROUP_ADVICE.get(GroupFault(trouble.kind or GroupFault.RIGHTS))
            return ALERT_GROUP.format(advice=advice or ALERT_GROUP_RIGHTS)
        if trouble.cause == Cause.NOT_SYNCED:
            since = self._local(trouble.when) if trouble.when else ALERT_SINCE_START
            return ALERT_NOT_SYNCED.format(since=since)
        if trouble.cause in _FEEDBACK_KINDS:
            return _feedback_off(_FEEDBACK_KINDS[trouble.cause], trouble.kind)
        return ALERT_DATABASE

    def _local(self, when: datetime) -> str:
        return when.astimezone(self._tz).strftime("%d.%m.%Y %H:%M")


def _feedback_off(kind: str, off: str | None) -> str:
    why = WHY_OFF[kind].get(off or "", WHY_OFF[kind]["NO_SUBSCRIPTION"])
    return ALERT_FEEDBACK_OFF.format(what=STATUS_WHAT[kind], why=why, setting=ALERT_SETTING[kind])


class TelegramGroupProbe:
    """Whether the forum group still lets the bot work: a forum, with the bot an administrator
    allowed to manage topics. Two reads (getChat, getChatMember), outside the group's post
    budget."""

    def __init__(self, bot: Bot, forum_chat_id: int) -> None:
        self._bot = bot
        self._forum_chat_id = forum_chat_id

    async def group_fault(self) -> tuple[GroupFault, str] | None:
        try:
            chat = await self._bot.get_chat(self._forum_chat_id)
            if not chat.is_forum:
                return GroupFault.NOT_FORUM, "the forum group has Topics turned off"
            member = await self._bot.get_chat_member(self._forum_chat_id, self._bot.id)
        except TelegramAPIError as exc:
            fault = classify(exc)
            if isinstance(fault, TelegramUnavailable) and fault.fault is not None:
                return fault.fault, fault.operator_hint or str(fault)
            raise TelegramUnavailable(f"getChat/getChatMember: {exc.message}") from exc
        if member.status == ChatMemberStatus.CREATOR:
            return None
        if not isinstance(member, ChatMemberAdministrator) or not member.can_manage_topics:
            return GroupFault.RIGHTS, "the bot is not an administrator allowed to manage topics"
        return None
