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
import time
import traceback
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tests.fakes.telegram_controls import Controls
from tests.fakes.telegram_faults import DropConnection, FaultInjection
from tests.fakes.telegram_groups import GroupMethods
from tests.fakes.telegram_messages import MessageMethods
from tests.fakes.telegram_model import (
    ANONYMOUS_ADMIN,
    DEFAULT_ICON_COLOR,
    FLOOD_METHODS,
    MAX_DOWNLOAD,
    MAX_PHOTO,
    MAX_UPLOAD,
    UPLOADS,
    ApiError,
    FakeEdit,
    FakeMessage,
    FakeTopic,
    Handler,
    MessageKind,
    RecordedCall,
    StoredFile,
)
from tests.fakes.telegram_spec import (
    MAX_TOPIC_NAME,
    TOPIC_ICON_COLORS,
    BadRequest,
    Spec,
    Upload,
    check_reply_markup,
)
from tests.fakes.telegram_updates import UpdateMethods
from tests.fakes.telegram_wire import error_body, plain, read_params


class FakeTelegram(Controls, GroupMethods, MessageMethods, UpdateMethods, FaultInjection):
    """`async with FakeTelegram() as tg:` then point aiogram at `tg.url`.

    This class holds the server and the request pipeline; the state lives in `telegram_state`,
    the test controls in `telegram_controls` and `telegram_faults`, the method handlers in
    `telegram_groups`, `telegram_messages` and `telegram_updates`.
    """

    def __init__(
        self,
        token: str = "123456:TEST-token",
        forum_chat_id: int = -1001234567890,
        *,
        spec: Spec | None = None,
    ) -> None:
        super().__init__(token, forum_chat_id, spec=spec)
        self._runner: web.AppRunner | None = None
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
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "pinChatMessage": self._pin_chat_message,
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

    # --- HTTP -----------------------------------------------------------------------------

    async def _on_api(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        name = request.match_info["method"]
        method = self.spec.canonical(name) or name
        call = RecordedCall(method=method, params={}, at=at)
        try:
            raw = await read_params(request)
            call.params = plain(raw)
            self.requests.append(call)
            status, body = await self._process(request, call, raw)
        except BadRequest as e:
            self.requests.append(call)
            self.spec_violations.append(f"{method}: {e.description}")
            status, body = 400, error_body(400, e.description)
        except DropConnection:
            call.status = 0
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        except Exception:
            if call not in self.requests:
                self.requests.append(call)
            self.errors.append(f"{method}: {traceback.format_exc()}")
            status, body = 500, error_body(500, "Internal Server Error")
        call.status, call.response = status, body
        return web.json_response(body, status=status)

    async def _process(
        self, request: web.Request, call: RecordedCall, raw: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if self.latency > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), self.latency)
        if request.match_info["token"] != self.token:
            return 401, error_body(401, "Unauthorized")
        method = self.spec.canonical(call.method)
        if method is None:
            self.spec_violations.append(f"{call.method}: no such method in the fixture (404)")
            return 404, error_body(404, "Not Found: method not found")
        try:
            params, problems = self.spec.check(method, raw)
            if problems:
                raise BadRequest("; ".join(problems))
            uploads = {k: v for k, v in raw.items() if isinstance(v, Upload) and k not in params}
            call.params = plain({**params, **uploads})
            if method == "sendMediaGroup":
                params[UPLOADS] = uploads
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
            return 400, error_body(400, e.description)
        except ApiError as e:
            return e.status, error_body(e.status, e.description, e.parameters)
        return 200, {"ok": True, "result": result}

    async def _on_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(error_body(401, "Unauthorized"), status=401)
        path = request.match_info["path"]
        self.downloads.append(path)
        stored = next((f for f in self.files.values() if f.path == path), None)
        if stored is None:
            return web.json_response(error_body(404, "Not Found"), status=404)
        return web.Response(body=stored.data, content_type="application/octet-stream")

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


__all__ = [
    "ANONYMOUS_ADMIN",
    "DEFAULT_ICON_COLOR",
    "FLOOD_METHODS",
    "MAX_DOWNLOAD",
    "MAX_PHOTO",
    "MAX_UPLOAD",
    "ApiError",
    "FakeEdit",
    "FakeMessage",
    "FakeTelegram",
    "FakeTopic",
    "Handler",
    "MessageKind",
    "RecordedCall",
    "StoredFile",
]
