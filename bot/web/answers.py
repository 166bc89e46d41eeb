"""Answers of the bridge's HTTP server: always JSON, errors in Ozon's shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web


def json_answer(payload: Mapping[str, Any], status: int) -> web.Response:
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, default=str)
    return web.Response(text=text, status=status, content_type="application/json")


def error_answer(status: int, code: str, message: str) -> web.Response:
    """`{"error": {"code", "message", "details"}}`, as Ozon expects a refused push answered."""
    return json_answer({"error": {"code": code, "message": message, "details": None}}, status)
