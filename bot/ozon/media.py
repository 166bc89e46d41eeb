"""Downloading the pictures buyers send (Ozon links them from the message's Markdown)."""

from __future__ import annotations

import logging
import posixpath
from urllib.parse import urlsplit

import httpx

from bot.ozon.errors import MediaUnavailable

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
"""Telegram takes photos up to 10 MB."""


_SIGNATURES = {
    b"\xff\xd8\xff": ".jpg",
    b"\x89PNG\r\n\x1a\n": ".png",
    b"GIF8": ".gif",
    b"RIFF": ".webp",
}


class MediaDownloader:
    """Fetches pictures over its own httpx client, without Ozon's credentials: picture links are
    public and may point anywhere, so the API key never goes with them."""

    def __init__(self, *, timeout: float = 20.0, max_bytes: int = MAX_PHOTO_BYTES) -> None:
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=True)
        self._max_bytes = max_bytes

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str) -> tuple[bytes, str]:
        if urlsplit(url).scheme not in ("http", "https"):
            raise MediaUnavailable("not an http(s) link")
        try:
            async with self._client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise MediaUnavailable(f"HTTP {response.status_code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self._max_bytes:
                    raise MediaUnavailable(f"{declared} bytes, over {self._max_bytes}")
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > self._max_bytes:
                        raise MediaUnavailable(f"over {self._max_bytes} bytes")
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            raise MediaUnavailable(f"{type(exc).__name__}") from exc
        content = bytes(data)
        extension = next((ext for sig, ext in _SIGNATURES.items() if content.startswith(sig)), None)
        if extension is None:
            raise MediaUnavailable("not a picture Telegram can show")
        return content, _file_name(url, extension)


def _file_name(url: str, extension: str) -> str:
    base = posixpath.basename(urlsplit(url).path) or "image"
    stem, ext = posixpath.splitext(base)
    return base if ext.lower() in (".jpg", ".jpeg", ".png", ".gif", ".webp") else stem + extension
