"""How the Bot API double reads a request (query string plus a JSON, urlencoded or multipart
body) and shapes an error answer."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.telegram_spec import BadRequest, Upload


def error_body(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def plain(value: Any) -> Any:
    """Uploads as bytes, for the recorded calls."""
    if isinstance(value, Upload):
        return value.data
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


async def read_params(request: web.Request) -> dict[str, Any]:
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
