"""A stateful Bot API double on loopback, for the real aiogram client.

One forum supergroup, one bot. Every request is checked against the spec fixture (see
`telegram_spec.py`); contract breaches answer 400 and land in `spec_violations`. State errors
(deleted or closed topics, missing rights, a kicked bot) answer the way Telegram does.

Time scaling: `retry_after` is an integer, as in Telegram. Under `set_flood_limit(time_scale=s)`
it is counted in units of `retry_after_unit` (= s) seconds; a client must sleep
`retry_after * retry_after_unit`. The unit applies to every `retry_after` the double sends.

Realism worth knowing:
- Message ids and thread ids share one counter (from 2): a topic's thread id is the message id of
  its `forum_topic_created` service message.
- Service messages (topic created, edited, closed, reopened) are queued as updates, also for the
  bot's own actions (`emit_service_updates = False` turns that off).
- In a topic, a message that replies to nothing carries `reply_to_message` = the topic's
  `forum_topic_created` message; route on `is_topic_message`, not on replies.
- Only parameters of Bot API 10.1 pass: deprecated aliases that aiogram still sends when used
  (`reply_to_message_id`, `disable_web_page_preview`, `allow_sending_without_reply`) are
  violations; use `reply_parameters` and `link_preview_options`.
- Two concurrent getUpdates: the older one gets 409 Conflict, as in Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import mimetypes
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web

from tests.fakes.telegram_spec import (
    MAX_CAPTION,
    MAX_TEXT,
    MAX_TOPIC_NAME,
    TOPIC_ICON_COLORS,
    BadRequest,
    Spec,
    Upload,
    check_reply_markup,
    formatted,
)

MessageKind = Literal["text", "photo", "document", "sticker", "service"]
Handler = Callable[[dict[str, Any]], Awaitable[Any]]

DEFAULT_ICON_COLOR = 7322096
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_PHOTO = 10 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
# Sends to the group that count against the per-minute budget.
FLOOD_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "createForumTopic",
        "editForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "editMessageText",
    }
)
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_UPLOADS = "\0uploads"  # key under which handlers find the request's attach:// file parts
_THREAD_NOT_FOUND = "Bad Request: message thread not found"
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a content and reply markup of the current message"
)
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
"""The fake sender Telegram shows for an administrator who remains anonymous."""
_ICON_STICKERS = ("5312536423851630001", "5312016608254762256", "5309958691854754293")


class ApiError(Exception):
    """An error answer: HTTP status, description and optional `parameters`."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass(slots=True)
class RecordedCall:
    """One API request. `params` are typed once the request passed validation (files as bytes)."""

    method: str
    params: dict[str, Any]
    status: int = 0
    at: float = 0.0
    response: dict[str, Any] | None = None


@dataclass(slots=True)
class FakeTopic:
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False
    created_by_bot: bool = True


@dataclass(slots=True)
class FakeEdit:
    method: str
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    at: float


@dataclass(slots=True)
class FakeMessage:
    """A message in the forum. `text`/`caption` are as shown (after HTML parsing)."""

    message_id: int
    chat_id: int
    thread_id: int | None
    kind: MessageKind
    from_id: int
    date: int
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    source_text: str | None = None
    """The text or caption exactly as the client sent it (HTML included)."""
    file: bytes | None = None
    file_name: str | None = None
    file_id: str | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    media_group_id: str | None = None
    deleted: bool = False
    edits: list[FakeEdit] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    """The Message object as Telegram returns it."""


@dataclass(slots=True)
class StoredFile:
    file_id: str
    unique_id: str
    path: str
    data: bytes


@dataclass(slots=True)
class _Fault:
    method: str | None
    status: int
    count: int
    description: str | None
    retry_after: int | None


class FakeTelegram:
    """`async with FakeTelegram() as tg:` then point aiogram at `tg.url`."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        forum_chat_id: int = -1001234567890,
        *,
        spec: Spec | None = None,
    ) -> None:
        digits = token.split(":", 1)[0]
        if not digits.isdigit():
            raise ValueError("token must look like '<digits>:<text>'")
        self.token = token
        self.forum_chat_id = forum_chat_id
        self.spec = spec or Spec()
        self.bot_id = int(digits)
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Ozon Bridge",
            "username": "ozon_bridge_bot",
        }
        self.owner_id = 1000
        self.chat_title = "Ozon buyers"
        # Settable world state.
        self.bot_is_admin = True
        self.can_manage_topics = True
        self.can_delete_messages = True
        self.is_forum = True
        self.chat_exists = True
        self.bot_kicked = False
        self.latency = 0.0
        self.emit_service_updates = True
        self.available_reactions: set[str] | None = None
        """Reactions the group allows (None: all of them)."""
        # Observations.
        self.requests: list[RecordedCall] = []
        self.spec_violations: list[str] = []
        self.errors: list[str] = []
        self.topics: dict[int, FakeTopic] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.sent: list[FakeMessage] = []
        self.reactions: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.files: dict[str, StoredFile] = {}
        self.downloads: list[str] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.flood_429_count = 0
        self.faults_served = 0
        self.retry_after_unit = 1.0
        self.allowed_updates: list[str] = []
        self.url = ""

        self._next_message_id = 2
        self._next_update_id = 1000
        self._next_file = 1
        self._updates: list[dict[str, Any]] = []
        self._callback_ids: set[str] = set()
        self._faults: list[_Fault] = []
        self._held: dict[str, asyncio.Event] = {}
        self._flood_limit: int | None = None
        self._flood_window = 60.0
        self._flood_sends: deque[float] = deque()
        self._wakeup = asyncio.Event()
        self._closed = asyncio.Event()
        self._poll_generation = 0
        self._runner: web.AppRunner | None = None
        self._reaction_emoji = self.spec.reaction_emoji()
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "createForumTopic": self._create_forum_topic,
            "editForumTopic": self._edit_forum_topic,
            "closeForumTopic": self._close_forum_topic,
            "reopenForumTopic": self._reopen_forum_topic,
            "deleteForumTopic": self._delete_forum_topic,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendMediaGroup": self._send_media_group,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "setMessageReaction": self._set_message_reaction,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getForumTopicIconStickers": self._get_forum_topic_icon_stickers,
            "close": self._true,
            "logOut": self._true,
        }

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._on_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._on_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Release pending long polls and held answers, and stop the server."""
        self._closed.set()
        self._wake()
        for method in list(self._held):
            self.release_answers(method)
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- test controls --------------------------------------------------------------------

    def fail_next(
        self,
        method: str | None,
        status: int,
        *,
        count: int = 1,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` (None: any method) with an error.

        Status 0 drops the connection without an answer (a network error for the client).
        """
        self._faults.append(_Fault(method, status, count, description, retry_after))

    def hold_answers(self, method: str) -> None:
        """Carry out calls of `method` but keep their answers back until `release_answers`: a
        client that dies meanwhile never learns that its call took effect."""
        self._held[method] = asyncio.Event()

    def release_answers(self, method: str) -> None:
        held = self._held.pop(method, None)
        if held is not None:
            held.set()

    def set_flood_limit(self, per_minute: int | None = 20, *, time_scale: float = 1.0) -> None:
        """Allow `per_minute` group sends in any window of 60*time_scale s; None switches it off."""
        self._flood_limit = per_minute
        self._flood_window = 60.0 * time_scale
        self._flood_sends.clear()
        self.retry_after_unit = time_scale

    def create_topic(
        self, name: str, icon_color: int = DEFAULT_ICON_COLOR, *, by_bot: bool = False
    ) -> int:
        """A topic made by a staff member, or (`by_bot`) one the bot made and then lost track of,
        as after a crash between Telegram's answer and the bridge's commit. No checks."""
        return self._new_topic(name, icon_color, None, by_bot=by_bot)

    def close_topic(self, thread_id: int) -> None:
        self.topics[thread_id].closed = True
        self._service(thread_id, self._staff_user(), {"forum_topic_closed": {}})

    def reopen_topic(self, thread_id: int) -> None:
        self.topics[thread_id].closed = False
        self._service(thread_id, self._staff_user(), {"forum_topic_reopened": {}})

    def delete_topic(self, thread_id: int) -> None:
        """Delete a topic with its messages; like Telegram, no update tells the bot."""
        self.topics[thread_id].deleted = True
        for message in self.messages.values():
            if message.thread_id == thread_id:
                message.deleted = True

    def shown(self) -> str:
        """Every text and caption the bot posted, one per line (edits not included)."""
        return "\n".join(m.text or m.caption or "" for m in self.sent)

    def thread_messages(
        self, thread_id: int | None, *, include_deleted: bool = False
    ) -> list[FakeMessage]:
        """Messages the bot posted into a topic (None: General)."""
        return [
            m for m in self.sent if m.thread_id == thread_id and (include_deleted or not m.deleted)
        ]

    def calls(self, method: str) -> list[RecordedCall]:
        return [c for c in self.requests if c.method == method]

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (update_id assigned when missing); returns its update_id."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, int(update["update_id"])) + 1
        self._updates.append(update)
        self._wake()
        return int(update["update_id"])

    def user_message(
        self,
        text: str = "",
        *,
        thread_id: int | None,
        from_id: int = 111,
        first_name: str = "Staff",
        is_bot: bool = False,
        photo: bytes | None = None,
        document: tuple[bytes, str, str] | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        sticker: bool = False,
        anonymous: bool = False,
        entities: list[dict[str, Any]] | None = None,
        forward_origin: dict[str, Any] | None = None,
        media_group_id: str | None = None,
    ) -> int:
        """A message from a group member, queued as an update; returns the update_id.

        Text becomes the caption of a photo or document when `caption` is not given.
        `anonymous`: an administrator who remains anonymous writes on behalf of the group, as
        Telegram shows it (`from` is GroupAnonymousBot, `sender_chat` is the group).
        `entities` go with the text, or the caption as `caption_entities`.
        """
        if thread_id == 1:
            raise ValueError("General has no thread id: pass thread_id=None")
        if anonymous:
            user = dict(ANONYMOUS_ADMIN)
        else:
            user = {"id": from_id, "is_bot": is_bot, "first_name": first_name}
            self.users[from_id] = user
        reply = self.messages.get(reply_to) if reply_to is not None else None
        if reply_to is not None and reply is None:
            raise ValueError(f"no message {reply_to} to reply to")
        extra: dict[str, Any] = {}
        kind: MessageKind = "text"
        data: bytes | None = None
        file_name: str | None = None
        if sticker:
            kind = "sticker"
            stored = self._store_file(b"RIFF-fake-webp", "stickers", ".webp")
            extra["sticker"] = {
                **_file_ids(stored),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
        elif photo is not None:
            kind, data = "photo", photo
            extra["photo"] = self._photo_sizes(self._store_file(photo, "photos", ".jpg"))
        elif document is not None:
            kind, data, file_name = "document", document[0], document[1]
            stored = self._store_file(data, "documents", _suffix(file_name))
            extra["document"] = {
                **_file_ids(stored),
                "file_name": file_name,
                "mime_type": document[2],
            }
        if anonymous:
            extra["sender_chat"] = self._chat_short()
        if forward_origin is not None:
            extra["forward_origin"] = forward_origin
        if media_group_id is not None:
            extra["media_group_id"] = media_group_id
        if entities:
            extra["entities" if kind == "text" else "caption_entities"] = entities
        shown_caption = (caption if caption is not None else text) or None
        message = self._new_message(
            kind=kind,
            thread_id=thread_id,
            user=user,
            text=text if kind == "text" else None,
            caption=shown_caption if kind in {"photo", "document"} else None,
            reply=reply,
            extra=extra,
        )
        message.file, message.file_name = data, file_name
        return self.push_update({"message": message.raw})

    def callback(
        self, data: str, *, from_id: int, message_id: int, thread_id: int | None = None
    ) -> int:
        """A press on an inline button of `message_id`; query id is str(update_id)."""
        user = self.users.get(from_id, {"id": from_id, "is_bot": False, "first_name": "Staff"})
        message = self.messages.get(message_id)
        if message is not None:
            raw = message.raw
        else:
            raw = {"message_id": message_id, "date": int(time.time()), "chat": self._chat_short()}
            if thread_id is not None:
                raw |= {"message_thread_id": thread_id, "is_topic_message": True}
        query_id = str(self._next_update_id)
        self._callback_ids.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "message": raw,
            "chat_instance": "-7000000000000000001",
            "data": data,
        }
        return self.push_update({"update_id": int(query_id), "callback_query": query})

    # --- HTTP -----------------------------------------------------------------------------

    async def _on_api(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        name = request.match_info["method"]
        method = self.spec.canonical(name) or name
        call = RecordedCall(method=method, params={}, at=at)
        try:
            raw = await _read_params(request)
            call.params = _plain(raw)
            self.requests.append(call)
            status, body = await self._process(request, call, raw)
        except BadRequest as e:
            self.requests.append(call)
            self.spec_violations.append(f"{method}: {e.description}")
            status, body = 400, _error_body(400, e.description)
        except _Drop:
            call.status = 0
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        except Exception:
            if call not in self.requests:
                self.requests.append(call)
            self.errors.append(f"{method}: {traceback.format_exc()}")
            status, body = 500, _error_body(500, "Internal Server Error")
        call.status, call.response = status, body
        return web.json_response(body, status=status)

    async def _process(
        self, request: web.Request, call: RecordedCall, raw: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if self.latency > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), self.latency)
        if request.match_info["token"] != self.token:
            return 401, _error_body(401, "Unauthorized")
        method = self.spec.canonical(call.method)
        if method is None:
            self.spec_violations.append(f"{call.method}: no such method in the fixture (404)")
            return 404, _error_body(404, "Not Found: method not found")
        try:
            params, problems = self.spec.check(method, raw)
            if problems:
                raise BadRequest("; ".join(problems))
            uploads = {k: v for k, v in raw.items() if isinstance(v, Upload) and k not in params}
            call.params = _plain({**params, **uploads})
            if method == "sendMediaGroup":
                params[_UPLOADS] = uploads
            self._check_limits(method, params)
            self._inject_fault(method)
            sends = len(params.get("media", [])) if method == "sendMediaGroup" else 1
            counted = self._flood_check(method, params)
            result = await self._handlers[method](params)
            if counted:
                self._flood_sends.extend([time.monotonic()] * sends)
            held = self._held.get(method)
            if held is not None:
                await held.wait()
        except BadRequest as e:
            if e.violation:
                self.spec_violations.append(f"{method}: {e.description}")
            return 400, _error_body(400, e.description)
        except ApiError as e:
            return e.status, _error_body(e.status, e.description, e.parameters)
        return 200, {"ok": True, "result": result}

    async def _on_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(_error_body(401, "Unauthorized"), status=401)
        path = request.match_info["path"]
        self.downloads.append(path)
        stored = next((f for f in self.files.values() if f.path == path), None)
        if stored is None:
            return web.json_response(_error_body(404, "Not Found"), status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    # --- checks ---------------------------------------------------------------------------

    def _check_limits(self, method: str, p: dict[str, Any]) -> None:
        if "reply_markup" in p:
            check_reply_markup(p["reply_markup"])
        topic_name = p.get("name") if method in {"createForumTopic", "editForumTopic"} else None
        if topic_name is not None and not 1 <= len(topic_name) <= MAX_TOPIC_NAME:
            raise BadRequest("TOPIC_NAME_INVALID" if topic_name else "topic name is empty")
        if method == "createForumTopic" and p.get("icon_color", DEFAULT_ICON_COLOR) not in (
            TOPIC_ICON_COLORS
        ):
            raise BadRequest("TOPIC_ICON_COLOR_INVALID")
        if method == "answerCallbackQuery" and len(p.get("text", "")) > 200:
            raise BadRequest("MESSAGE_TOO_LONG")

    def _inject_fault(self, method: str) -> None:
        fault = next((f for f in self._faults if f.method in {None, method}), None)
        if fault is None:
            return
        fault.count -= 1
        if fault.count <= 0:
            self._faults.remove(fault)
        self.faults_served += 1
        if fault.status == 0:
            raise _Drop
        retry = fault.retry_after if fault.retry_after is not None else 1
        if fault.status == 429:
            raise ApiError(
                429,
                fault.description or f"Too Many Requests: retry after {retry}",
                {"retry_after": retry},
            )
        params = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
        raise ApiError(fault.status, fault.description or _phrase(fault.status), params)

    def _flood_check(self, method: str, p: dict[str, Any]) -> bool:
        """Whether the call counts against the budget; 429 when the window is full."""
        if self._flood_limit is None or method not in FLOOD_METHODS:
            return False
        if p.get("chat_id") != self.forum_chat_id:
            return False
        now = time.monotonic()
        while self._flood_sends and self._flood_sends[0] <= now - self._flood_window:
            self._flood_sends.popleft()
        if len(self._flood_sends) >= self._flood_limit:
            wait = self._flood_sends[0] + self._flood_window - now
            retry = max(1, math.ceil(wait / self.retry_after_unit))
            self.flood_429_count += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        return True

    def _chat_of(self, p: dict[str, Any]) -> None:
        if not self.chat_exists or p.get("chat_id") != self.forum_chat_id:
            raise ApiError(400, "Bad Request: chat not found")
        if self.bot_kicked:
            raise ApiError(403, "Forbidden: bot was kicked from the supergroup chat")

    def _live_topic(self, thread_id: int) -> FakeTopic:
        topic = self.topics.get(thread_id)
        if not self.is_forum or topic is None or topic.deleted:
            raise ApiError(400, _THREAD_NOT_FOUND)
        return topic

    def _send_target(self, p: dict[str, Any]) -> tuple[int | None, FakeMessage | None]:
        """Chat, thread and reply checks shared by the send methods."""
        self._chat_of(p)
        thread_id: int | None = p.get("message_thread_id")
        if thread_id is not None and self._live_topic(thread_id).closed:
            raise ApiError(400, "Bad Request: TOPIC_CLOSED")
        reply_params = p.get("reply_parameters")
        if reply_params is None:
            return thread_id, None
        reply = self.messages.get(reply_params["message_id"])
        if reply is None or reply.deleted or thread_id not in {None, reply.thread_id}:
            if reply_params.get("allow_sending_without_reply"):
                return thread_id, None
            raise ApiError(400, "Bad Request: message to be replied not found")
        if thread_id is None and reply.thread_id is not None:
            self._live_topic(reply.thread_id)
            thread_id = reply.thread_id
        return thread_id, reply

    def _require_rights(self, action: str) -> None:
        if not (self.bot_is_admin and self.can_manage_topics):
            raise ApiError(400, f"Bad Request: not enough rights to {action}")

    def _own_message(self, p: dict[str, Any], missing: str) -> FakeMessage:
        if "inline_message_id" in p:
            raise BadRequest("inline messages are not supported by FakeTelegram", violation=False)
        if "message_id" not in p:
            raise BadRequest("message identifier is not specified")
        self._chat_of(p)
        message = self.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise ApiError(400, f"Bad Request: {missing}")
        if message.from_id != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    # --- method handlers ------------------------------------------------------------------

    async def _true(self, p: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_chat(self, p: dict[str, Any]) -> dict[str, Any]:
        self._chat_of(p)
        return {
            **self._chat_short(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, p: dict[str, Any]) -> dict[str, Any]:
        self._chat_of(p)
        user_id = p["user_id"]
        if user_id == self.bot_id:
            return self._bot_member()
        if user_id == self.owner_id:
            return self._owner_member()
        user = self.users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "Staff"})
        return {"status": "member", "user": user}

    async def _get_chat_administrators(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        self._chat_of(p)
        admins = [self._owner_member()]
        if self.bot_is_admin:
            admins.append(self._bot_member())
        return admins

    async def _create_forum_topic(self, p: dict[str, Any]) -> dict[str, Any]:
        self._chat_of(p)
        if not self.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        self._require_rights("create a topic")
        thread_id = self._new_topic(
            p["name"], p.get("icon_color", DEFAULT_ICON_COLOR), p.get("icon_custom_emoji_id")
        )
        return _topic_json(self.topics[thread_id])

    async def _edit_forum_topic(self, p: dict[str, Any]) -> bool:
        self._chat_of(p)
        topic = self._live_topic(p["message_thread_id"])
        if not (self.bot_is_admin and (self.can_manage_topics or topic.created_by_bot)):
            raise ApiError(400, "Bad Request: not enough rights to edit a topic")
        name = p.get("name", topic.name)
        emoji = p.get("icon_custom_emoji_id", topic.icon_custom_emoji_id) or None
        if (name, emoji) == (topic.name, topic.icon_custom_emoji_id):
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.name, topic.icon_custom_emoji_id = name, emoji
        edited: dict[str, Any] = {}
        if "name" in p:
            edited["name"] = name
        if "icon_custom_emoji_id" in p:
            edited["icon_custom_emoji_id"] = emoji or ""
        self._service(topic.thread_id, self.bot_user, {"forum_topic_edited": edited})
        return True

    async def _close_forum_topic(self, p: dict[str, Any]) -> bool:
        return self._set_closed(p, closed=True)

    async def _reopen_forum_topic(self, p: dict[str, Any]) -> bool:
        return self._set_closed(p, closed=False)

    def _set_closed(self, p: dict[str, Any], *, closed: bool) -> bool:
        self._chat_of(p)
        topic = self._live_topic(p["message_thread_id"])
        if not (self.bot_is_admin and (self.can_manage_topics or topic.created_by_bot)):
            raise ApiError(400, "Bad Request: not enough rights to manage the topic")
        if topic.closed == closed:
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.closed = closed
        event = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._service(topic.thread_id, self.bot_user, {event: {}})
        return True

    async def _delete_forum_topic(self, p: dict[str, Any]) -> bool:
        self._chat_of(p)
        self._live_topic(p["message_thread_id"])
        if not (self.bot_is_admin and self.can_delete_messages):
            raise ApiError(400, "Bad Request: not enough rights to delete a topic")
        self.delete_topic(p["message_thread_id"])
        return True

    async def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        text, entities = formatted(p["text"], p.get("parse_mode"), limit=MAX_TEXT, what="text")
        thread_id, reply = self._send_target(p)
        extra = {"entities": entities} if entities else {}
        message = self._bot_message("text", p, thread_id, reply, text=text, extra=extra)
        message.source_text = p["text"]
        return message.raw

    async def _send_photo(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("photo", p, p["photo"]).raw

    async def _send_document(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("document", p, p["document"]).raw

    async def _send_media_group(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        media: list[dict[str, Any]] = p["media"]
        if not 2 <= len(media) <= 10:
            raise BadRequest("wrong number of media items: 2-10 are allowed")
        kinds = {item["type"] for item in media}
        if not kinds <= {"photo", "document"} or len(kinds) > 1:
            raise BadRequest("FakeTelegram groups photos or documents only", violation=False)
        group_id = str(10**12 + self._next_message_id)
        sent = []
        for item in media:
            merged = {**p, **{k: v for k, v in item.items() if k not in {"type", "media"}}}
            source = item["media"]
            if source.startswith("attach://"):
                source = p[_UPLOADS][source.removeprefix("attach://")]
            message = self._send_file(item["type"], merged, source, group_id=group_id)
            sent.append(message.raw)
        return sent

    def _send_file(
        self,
        kind: Literal["photo", "document"],
        p: dict[str, Any],
        source: Upload | str,
        *,
        group_id: str | None = None,
    ) -> FakeMessage:
        caption, entities = formatted(
            p.get("caption", ""), p.get("parse_mode"), limit=MAX_CAPTION, what="caption"
        )
        thread_id, reply = self._send_target(p)
        if isinstance(source, Upload):
            data, file_name, mime = source.data, source.filename, source.content_type
            if not data:
                raise BadRequest("file must be non-empty")
            if kind == "photo" and len(data) > MAX_PHOTO:
                raise BadRequest("PHOTO_INVALID_DIMENSIONS")
            folder, suffix = ("photos", ".jpg") if kind == "photo" else ("documents", "")
            stored = self._store_file(data, folder, suffix or _suffix(file_name))
        else:
            if source.startswith(("http://", "https://")):
                raise ApiError(400, "Bad Request: failed to get HTTP URL content")
            known = self.files.get(source)
            if known is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            stored, data, file_name, mime = known, known.data, known.path.rsplit("/")[-1], ""
        extra: dict[str, Any] = {}
        if kind == "photo":
            extra["photo"] = self._photo_sizes(stored)
        else:
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
            extra["document"] = {**_file_ids(stored), "file_name": file_name, "mime_type": mime}
        if entities:
            extra["caption_entities"] = entities
        if group_id is not None:
            extra["media_group_id"] = group_id
        message = self._bot_message(kind, p, thread_id, reply, caption=caption or None, extra=extra)
        message.file, message.file_id = data, stored.file_id
        message.file_name = file_name if kind == "document" else None
        message.source_text = p.get("caption")
        message.media_group_id = group_id
        return message

    async def _edit_message_text(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._own_message(p, "message to edit not found")
        if "text" not in p:
            raise BadRequest("message text is empty")
        if message.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = formatted(p["text"], p.get("parse_mode"), limit=MAX_TEXT, what="text")
        markup = p.get("reply_markup")
        same_entities = entities == message.raw.get("entities", [])
        if text == message.text and same_entities and markup == message.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        message.text, message.source_text, message.parse_mode = text, p["text"], p.get("parse_mode")
        message.raw["text"] = text
        message.raw.pop("entities", None)
        if entities:
            message.raw["entities"] = entities
        self._set_markup(message, markup)
        self._edited(message, "editMessageText", p)
        return message.raw

    async def _edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._own_message(p, "message to edit not found")
        markup = p.get("reply_markup")
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise ApiError(400, _NOT_MODIFIED)
        self._set_markup(message, markup)
        self._edited(message, "editMessageReplyMarkup", p)
        return message.raw

    async def _delete_message(self, p: dict[str, Any]) -> bool:
        self._chat_of(p)
        message = self.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if message.from_id != self.bot_id and not (self.bot_is_admin and self.can_delete_messages):
            raise ApiError(400, "Bad Request: message can't be deleted")
        message.deleted = True
        return True

    async def _set_message_reaction(self, p: dict[str, Any]) -> bool:
        self._chat_of(p)
        message = self.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to react not found")
        reaction: list[dict[str, Any]] = p.get("reaction", [])
        if len(reaction) > 1:
            raise BadRequest("REACTIONS_TOO_MANY")
        for item in reaction:
            if item["type"] == "paid" or (
                item["type"] == "emoji" and item["emoji"] not in self._reaction_emoji
            ):
                raise BadRequest("REACTION_INVALID")
            if self.available_reactions is not None and item["emoji"] not in (
                self.available_reactions
            ):
                raise ApiError(400, "Bad Request: REACTION_INVALID")
        self.reactions[(self.forum_chat_id, message.message_id)] = reaction
        return True

    async def _answer_callback_query(self, p: dict[str, Any]) -> bool:
        query_id = p["callback_query_id"]
        if query_id not in self._callback_ids or query_id in self.callback_answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = p
        return True

    async def _get_file(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(p["file_id"])
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {**_file_ids(stored), "file_path": stored.path}

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset: int | None = p.get("offset")
        limit = min(max(p.get("limit", 100), 1), 100)
        if "allowed_updates" in p:
            self.allowed_updates = p["allowed_updates"]
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset is not None:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll learns it was superseded
        deadline = time.monotonic() + max(p.get("timeout", 0), 0)
        while True:
            batch = [u for u in self._updates if self._allowed(u)][:limit]
            if batch or self._closed.is_set():
                return batch
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            waiter = self._wakeup
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), remaining)

    async def _delete_webhook(self, p: dict[str, Any]) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, p: dict[str, Any]) -> bool:
        for command in p["commands"]:
            name, description = command["command"], command["description"]
            if not (1 <= len(name) <= 32 and name.replace("_", "a").isalnum() and name.islower()):
                raise BadRequest("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise BadRequest("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(p)] = p["commands"]
        return True

    async def _delete_my_commands(self, p: dict[str, Any]) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    async def _get_forum_topic_icon_stickers(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "file_id": f"sticker-{emoji_id}",
                "file_unique_id": f"u{emoji_id}",
                "type": "custom_emoji",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "💬",
                "custom_emoji_id": emoji_id,
            }
            for emoji_id in _ICON_STICKERS
        ]

    # --- model helpers --------------------------------------------------------------------

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _allowed(self, update: dict[str, Any]) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _DEFAULT_EXCLUDED_UPDATES

    def _commands_key(self, p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return str(scope["type"]), str(p.get("language_code", ""))

    def _chat_short(self) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": self.forum_chat_id,
            "title": self.chat_title,
            "type": "supergroup",
        }
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def _staff_user(self) -> dict[str, Any]:
        return {"id": self.owner_id, "is_bot": False, "first_name": "Owner"}

    def _owner_member(self) -> dict[str, Any]:
        return {"status": "creator", "user": self._staff_user(), "is_anonymous": False}

    def _bot_member(self) -> dict[str, Any]:
        if self.bot_kicked:
            return {"status": "kicked", "user": self.bot_user, "until_date": 0}
        if not self.bot_is_admin:
            return {"status": "member", "user": self.bot_user}
        rights = dict.fromkeys(
            (
                "can_manage_chat",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            ),
            True,
        )
        # Bot API 10.2+ field that aiogram 3.31 requires (not in the 10.1 fixture).
        rights["can_send_welcome_messages"] = False
        return {
            "status": "administrator",
            "user": self.bot_user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            "can_delete_messages": self.can_delete_messages,
            "can_manage_topics": self.can_manage_topics,
            **rights,
        }

    def _new_topic(
        self, name: str, icon_color: int, emoji: str | None, *, by_bot: bool = True
    ) -> int:
        actor = self.bot_user if by_bot else self._staff_user()
        created: dict[str, Any] = {"name": name, "icon_color": icon_color}
        if emoji:
            created["icon_custom_emoji_id"] = emoji
        # A topic's thread id is the id of its forum_topic_created service message.
        thread_id = self._next_message_id
        self.topics[thread_id] = FakeTopic(
            thread_id, name, icon_color, emoji, created_by_bot=by_bot
        )
        self._service(thread_id, actor, {"forum_topic_created": created})
        return thread_id

    def _service(self, thread_id: int, actor: dict[str, Any], event: dict[str, Any]) -> None:
        message = self._new_message(
            kind="service", thread_id=thread_id, user=actor, reply=None, extra=event
        )
        if self.emit_service_updates:
            self.push_update({"message": message.raw})

    def _new_message(
        self,
        *,
        kind: MessageKind,
        thread_id: int | None,
        user: dict[str, Any],
        reply: FakeMessage | None,
        extra: dict[str, Any],
        text: str | None = None,
        caption: str | None = None,
    ) -> FakeMessage:
        message_id = self._next_message_id
        self._next_message_id += 1
        date = int(time.time())
        raw: dict[str, Any] = {"message_id": message_id, "from": user}
        if thread_id is not None:
            raw |= {"message_thread_id": thread_id, "is_topic_message": True}
        raw |= {"chat": self._chat_short(), "date": date}
        created = self.messages.get(thread_id) if thread_id is not None else None
        # In a topic, a message that replies to nothing replies to the topic's creation message.
        target = reply or (created if kind != "service" else None)
        if target is not None:
            raw["reply_to_message"] = {
                k: v for k, v in target.raw.items() if k != "reply_to_message"
            }
        if text is not None:
            raw["text"] = text
        if caption is not None:
            raw["caption"] = caption
        raw |= extra
        message = FakeMessage(
            message_id=message_id,
            chat_id=self.forum_chat_id,
            thread_id=thread_id,
            kind=kind,
            from_id=int(user["id"]),
            date=date,
            text=text,
            caption=caption,
            reply_to_message_id=reply.message_id if reply else None,
            raw=raw,
        )
        self.messages[message_id] = message
        return message

    def _bot_message(
        self,
        kind: Literal["text", "photo", "document"],
        p: dict[str, Any],
        thread_id: int | None,
        reply: FakeMessage | None,
        *,
        extra: dict[str, Any],
        text: str | None = None,
        caption: str | None = None,
    ) -> FakeMessage:
        message = self._new_message(
            kind=kind,
            thread_id=thread_id,
            user=self.bot_user,
            reply=reply,
            extra=extra,
            text=text,
            caption=caption,
        )
        message.parse_mode = p.get("parse_mode")
        self._set_markup(message, p.get("reply_markup"))
        self.sent.append(message)
        return message

    def _set_markup(self, message: FakeMessage, markup: dict[str, Any] | None) -> None:
        inline = markup if markup and "inline_keyboard" in markup else None
        message.reply_markup = inline
        message.raw.pop("reply_markup", None)
        if inline and inline["inline_keyboard"]:
            message.raw["reply_markup"] = inline

    def _edited(self, message: FakeMessage, method: str, p: dict[str, Any]) -> None:
        message.raw["edit_date"] = int(time.time())
        message.edits.append(
            FakeEdit(
                method, p.get("text"), p.get("parse_mode"), p.get("reply_markup"), time.monotonic()
            )
        )

    def _store_file(self, data: bytes, folder: str, suffix: str) -> StoredFile:
        number = self._next_file
        self._next_file += 1
        file_id = f"AgAD{number:04d}{folder[:3]}"
        stored = StoredFile(file_id, f"uniq{number}", f"{folder}/file_{number}{suffix}", data)
        self.files[file_id] = stored
        return stored

    def _photo_sizes(self, stored: StoredFile) -> list[dict[str, Any]]:
        # Telegram returns several sizes; the double serves the same bytes for each.
        thumb = self._store_file(stored.data, "photos", ".jpg")
        return [
            {**_file_ids(thumb), "width": 90, "height": 67},
            {**_file_ids(stored), "width": 1280, "height": 960},
        ]


class _Drop(Exception):
    """Raised by an injected status-0 fault: close the connection without an answer."""


def _file_ids(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.data),
    }


def _topic_json(topic: FakeTopic) -> dict[str, Any]:
    out: dict[str, Any] = {
        "message_thread_id": topic.thread_id,
        "name": topic.name,
        "icon_color": topic.icon_color,
    }
    if topic.icon_custom_emoji_id:
        out["icon_custom_emoji_id"] = topic.icon_custom_emoji_id
    return out


def _suffix(file_name: str) -> str:
    dot = file_name.rfind(".")
    return file_name[dot:] if 0 <= dot < len(file_name) - 1 else ""


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def _error_body(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _plain(value: Any) -> Any:
    """Uploads as bytes, for the recorded calls."""
    if isinstance(value, Upload):
        return value.data
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Query string plus a JSON, urlencoded or multipart body; file parts become Upload."""
    params: dict[str, Any] = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise BadRequest("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise BadRequest("JSON body must be an object")
        params.update(body)
        return params
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            data = value.file.read()
            params[key] = Upload(data, value.filename or key, value.content_type)
        elif isinstance(value, bytes):
            params[key] = value.decode("utf-8", errors="replace")
        else:
            params[key] = value
    return params


__all__ = [
    "ApiError",
    "FakeEdit",
    "FakeMessage",
    "FakeTelegram",
    "FakeTopic",
    "RecordedCall",
    "StoredFile",
]
