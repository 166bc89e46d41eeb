"""`python -m bot check`: one line per check, the fix in words for each failure, non-zero on any."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramUnauthorizedError,
)
from aiogram.types import ChatMemberAdministrator

from bot.app.clients import make_bot, make_llm, make_ozon
from bot.config import Settings, example_values_left
from bot.core.faults import StorageError
from bot.llm import ModelError
from bot.ozon import OzonAuthError, OzonError, OzonTransportError, RolesInfo
from bot.ozon.client import OzonClient
from bot.ozon.errors import feature_off
from bot.ozon.orders import extras_allowed
from bot.ozon.refusals import FeatureOff
from bot.secrets import remember, scrub
from bot.telegram.gateway.icons import IconChoiceError, Sticker, choose_icons
from storage.db import Database

KEY_EXPIRY_WARNING = timedelta(days=14)


class CheckFailed(Exception):
    """A check failed; the message says what is wrong and how to fix it."""


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    ok: bool
    detail: str


async def run_check(settings: Settings, out: TextIO = sys.stdout) -> int:
    outcomes: list[Outcome] = []
    keys = (settings.bot_token, settings.ozon_api_key, settings.ai_api_key)
    remember(*(key.get_secret_value() for key in keys if key is not None))

    async def step(name: str, check: Callable[[], Awaitable[str]]) -> bool:
        try:
            detail = await check()
        except CheckFailed as exc:
            outcomes.append(Outcome(name, False, str(exc)))
        else:
            outcomes.append(Outcome(name, True, detail))
        line = outcomes[-1]
        status = "OK  " if line.ok else "FAIL"
        print(f"{status}  {line.name}: {scrub(line.detail)}", file=out, flush=True)
        return line.ok

    examples = example_values_left(settings)
    await step("settings", lambda: _check_settings(examples))
    await step("database", lambda: _check_database(settings))

    # A value left as in .env.example cannot work: its side is not asked at all.
    if not any(line.startswith(("BOT_TOKEN", "FORUM_CHAT_ID")) for line in examples):
        bot = make_bot(settings)
        try:
            telegram = _TelegramChecks(bot, settings)
            # Each Telegram check needs the one before it to have passed.
            for name, check in (
                ("telegram token", telegram.token),
                ("forum group", telegram.forum),
                ("bot rights", telegram.rights),
                ("topic icons", telegram.icons),
            ):
                if not await step(name, check):
                    break
        finally:
            await bot.session.close()

    if not any(line.startswith("OZON_") for line in examples):
        async with make_ozon(settings) as ozon:
            checks = _OzonChecks(ozon)
            if await step("ozon credentials", checks.credentials):
                await step("ozon chat access", checks.chat_access)
                await step("ozon extras", checks.extras)
                await step("ozon reviews and questions", lambda: checks.feedback(settings))

    await step("reply drafts", lambda: _check_drafts(settings))

    failed = [o for o in outcomes if not o.ok]
    if failed:
        print(f"{len(failed)} check(s) failed.", file=out)
        return 1
    print("All checks passed: the bridge is ready to run.", file=out)
    return 0


async def _check_settings(examples: list[str]) -> str:
    if examples:
        raise CheckFailed("; ".join(examples))
    return "all variables are set and valid"


async def _check_database(settings: Settings) -> str:
    try:
        db = await Database.open(settings.database_path)
    except StorageError as exc:
        raise CheckFailed(
            f"{exc}. Set DATABASE_PATH to a writable file on a persistent volume"
        ) from None
    try:
        return f"{settings.database_path} is writable (schema version {db.schema_version})"
    finally:
        await db.close()


async def _check_drafts(settings: Settings) -> str:
    """Whether the model's server answers and offers AI_MODEL; drafts off is said, not failed."""
    llm = make_llm(settings)
    if llm is None:
        return "off (set AI_API_URL to have a language model draft replies)"
    async with llm:
        try:
            await llm.ensure_offered()
        except ModelError as exc:
            raise CheckFailed(str(exc)) from None
    return f"{llm.server} answers and offers {settings.ai_model}{_instructions_note(settings)}"


def _instructions_note(settings: Settings) -> str:
    if settings.ai_instructions is None:
        return ""
    try:
        text = settings.read_ai_instructions()
    except ValueError as exc:
        raise CheckFailed(f"AI_INSTRUCTIONS: {exc}") from None
    return f"; instructions from {settings.ai_instructions} ({len(text)} characters)"


class _TelegramChecks:
    def __init__(self, bot: Bot, settings: Settings) -> None:
        self._bot = bot
        self._settings = settings
        self._bot_id: int | None = None

    async def token(self) -> str:
        try:
            me = await self._bot.get_me()
        except TelegramUnauthorizedError:
            raise CheckFailed(
                "Telegram rejects BOT_TOKEN: copy the token again from @BotFather"
            ) from None
        except TelegramNetworkError as exc:
            raise CheckFailed(
                f"cannot reach Telegram at TELEGRAM_API_URL ({self._settings.telegram_api_url}): "
                f"{exc.message}"
            ) from None
        except TelegramAPIError as exc:
            raise CheckFailed(f"Telegram answered getMe with an error: {exc.message}") from None
        self._bot_id = me.id
        return f"accepted, the bot is @{me.username}"

    async def forum(self) -> str:
        chat_id = self._settings.forum_chat_id
        try:
            chat = await self._bot.get_chat(chat_id)
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            raise CheckFailed(
                f"Telegram does not let the bot see FORUM_CHAT_ID {chat_id} ({exc.message}): "
                "add the bot to the group and check the id (it looks like -100...)"
            ) from None
        except TelegramAPIError as exc:
            raise CheckFailed(f"getChat failed: {exc.message}") from None
        if chat.type != ChatType.SUPERGROUP:
            raise CheckFailed(
                f"FORUM_CHAT_ID {chat_id} is a {chat.type}, not a supergroup: use a supergroup "
                "with Topics turned on"
            )
        if not chat.is_forum:
            raise CheckFailed(
                f"«{chat.title}» has Topics turned off: turn them on in the group's settings"
            )
        return f"«{chat.title}» is a forum supergroup"

    async def rights(self) -> str:
        assert self._bot_id is not None
        try:
            member = await self._bot.get_chat_member(self._settings.forum_chat_id, self._bot_id)
        except TelegramAPIError as exc:
            raise CheckFailed(f"getChatMember failed: {exc.message}") from None
        if member.status == ChatMemberStatus.CREATOR:
            return "the bot owns the group"
        if not isinstance(member, ChatMemberAdministrator):
            raise CheckFailed(
                "the bot is not an administrator of the group: promote it and allow it to "
                "manage topics"
            )
        if not member.can_manage_topics:
            raise CheckFailed(
                "the bot is an administrator but may not manage topics: allow «Manage topics»"
            )
        return "administrator, allowed to manage topics"

    async def icons(self) -> str:
        try:
            stickers = await self._bot.get_forum_topic_icon_stickers()
        except TelegramAPIError as exc:
            raise CheckFailed(f"getForumTopicIconStickers failed: {exc.message}") from None
        offered = [Sticker(s.custom_emoji_id, s.emoji or "") for s in stickers if s.custom_emoji_id]
        try:
            icons = choose_icons(offered, self._settings.topic_icons)
        except IconChoiceError as exc:
            raise CheckFailed(str(exc)) from None
        emoji = {sticker.custom_emoji_id: sticker.emoji for sticker in offered}
        shown = ", ".join(f"{state} {emoji[icon]}" for state, icon in icons.items())
        return f"topics show the chat's state: {shown}"


_EXTRAS = (
    (
        "postings",
        "order card postings",
        "add a role with /v4/posting/fbs/list or /v3/posting/fbo/list",
    ),
    ("products", "order card products", "add a role with /v3/product/info/list"),
    ("ratings", "/stats grades", "add a role with /v1/rating/summary"),
)
"""The extras the key may allow: what each is for, and which role method opens it."""


class _OzonChecks:
    def __init__(self, ozon: OzonClient) -> None:
        self._ozon = ozon
        self._roles: RolesInfo | None = None

    async def credentials(self) -> str:
        try:
            roles = await self._ozon.roles()
        except OzonAuthError as exc:
            raise CheckFailed(exc.explanation) from None
        except OzonTransportError as exc:
            raise CheckFailed(f"cannot reach Ozon at OZON_API_URL: {exc}") from None
        except OzonError as exc:
            raise CheckFailed(f"Ozon answered /v1/roles with an error: {exc}") from None
        self._roles = roles
        detail = "OZON_CLIENT_ID and OZON_API_KEY accepted"
        if roles.expires_at is not None:
            left = roles.expires_at - datetime.now(UTC)
            when = roles.expires_at.date().isoformat()
            if left <= timedelta(0):
                raise CheckFailed(
                    f"the Ozon API key expired on {when}: create a new one with the chat role"
                )
            detail += f"; the key expires on {when}"
            if left < KEY_EXPIRY_WARNING:
                detail += f" (in {left.days} days: create a new key soon)"
        return detail

    async def chat_access(self) -> str:
        assert self._roles is not None
        if not self._roles.has_chat_access:
            raise CheckFailed(
                "the Ozon API key lacks the chat role: create a key with access to buyer chats "
                "(Settings → Seller API) and set OZON_API_KEY"
            )
        try:
            page = await self._ozon.list_chats(limit=1)
        except OzonAuthError as exc:
            raise CheckFailed(exc.explanation) from None
        except OzonError as exc:
            raise CheckFailed(f"Ozon refused /v3/chat/list: {exc}") from None
        sending = "" if self._roles.can_send else " (the key cannot send: replies will fail)"
        return f"chat list readable{sending}; {len(page.chats)} chat(s) on the first page"

    async def extras(self) -> str:
        """What the key allows beyond chats; a missing extra is said, not failed."""
        assert self._roles is not None
        allowed = extras_allowed(self._roles)
        parts = [
            f"{what}: {'yes' if allowed[extra] else 'no (' + why + ')'}"
            for extra, what, why in _EXTRAS
        ]
        return "; ".join(parts)

    async def feedback(self, settings: Settings) -> str:
        """Whether Ozon gives the reviews and questions the settings ask for; a kind Ozon
        refuses is said, not failed (chats work without it)."""
        asks = (
            ("reviews", settings.reviews_enabled, self._ozon.review_count, _REVIEWS_OFF),
            ("questions", settings.questions_enabled, self._ozon.question_count, _QUESTIONS_OFF),
        )
        parts = []
        for what, enabled, count, refused in asks:
            if not enabled:
                parts.append(f"{what}: off ({what.upper()}_ENABLED=false)")
                continue
            try:
                await count()
            except OzonError as exc:
                off = feature_off(exc)
                if off is None:
                    raise CheckFailed(f"Ozon did not answer the {what} count: {exc}") from None
                parts.append(f"{what}: no, {refused[off]}")
                continue
            parts.append(f"{what}: yes")
        return "; ".join(parts)


_REVIEWS_OFF = {
    FeatureOff.NO_SUBSCRIPTION: (
        "Ozon refuses them for the subscription (they need «Управление отзывами» or Premium "
        "Pro); set REVIEWS_ENABLED=false to stop asking"
    ),
    FeatureOff.MISSING_ROLE: "the key lacks the role for /v2/review/count and /v2/review/list",
}
_QUESTIONS_OFF = {
    FeatureOff.NO_SUBSCRIPTION: (
        "Ozon refuses them for the subscription (they need Premium Plus); set "
        "QUESTIONS_ENABLED=false to stop asking"
    ),
    FeatureOff.MISSING_ROLE: "the key lacks the role for /v1/question/count and /v1/question/list",
}
