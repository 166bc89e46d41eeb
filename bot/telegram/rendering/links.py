"""Links in Ozon chat Markdown: which http(s) URLs a message holds (its pictures among them),
and `escape` for Telegram HTML. No other URL scheme is ever a link."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

_MAX_URL = 2048  # longer link destinations are not links (also bounds the work per `[`)
_URL_TRAILING = frozenset(".,:;!?'\"*_~")
AUTOLINK = re.compile(r"<(https?://[^\s<>]{1,2000})>", re.IGNORECASE)
_BARE_URL = re.compile(r"(?<!\w)https?://[^\s<>\"`\[\]]{1,2000}", re.IGNORECASE)
_BARE_DEST = re.compile(r"(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*")  # one level of (...)
_FIND_URL = re.compile(r"\]\(|<(?=https?://)|(?<!\w)https?://", re.IGNORECASE)
UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def escape(text: str, quote: bool = False) -> str:
    """Escape `&`, `<`, `>` (and `"` as `&quot;` when `quote`) for Telegram HTML."""
    escaped = html.escape(text, quote=False)
    return escaped.replace('"', "&quot;") if quote else escaped


def is_http_url(url: str) -> bool:
    if not url or len(url) > _MAX_URL or " " in url or not url.isprintable():
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def bare_url(s: str, i: int) -> str | None:
    """A bare http(s) URL starting at `s[i]`, without trailing punctuation, if there is one."""
    match = _BARE_URL.match(s, i)
    if match is None:
        return None
    url = match.group()
    opened, closed, end = url.count("("), url.count(")"), len(url)
    while end:
        char = url[end - 1]
        if char == ")" and closed > opened:
            closed -= 1
        elif char not in _URL_TRAILING:
            break
        end -= 1
    url = url[:end]
    return url if is_http_url(url) else None


def _skip_blanks(s: str, j: int) -> int:
    while j < len(s) and s[j] in " \t":
        j += 1
    return j


def _destination(s: str, j: int) -> tuple[str, int] | None:
    """A link destination at `s[j]`, `<...>` or bare with balanced parentheses: (raw, end)."""
    if s.startswith("<", j):
        close = s.find(">", j, j + _MAX_URL)
        if close < 0 or "<" in s[j + 1 : close]:
            return None
        return s[j + 1 : close], close + 1
    dest = _BARE_DEST.match(s, j, j + _MAX_URL + 1)
    assert dest is not None  # the pattern matches the empty string
    return dest.group(), dest.end()


def link_tail(s: str, i: int) -> tuple[str, int] | None:
    """Parse `(destination "optional title")` at `s[i] == "("`: (destination, end)."""
    found = _destination(s, _skip_blanks(s, i + 1))
    if found is None:
        return None
    dest, j = found
    j = _skip_blanks(s, j)
    if j < len(s) and s[j] in "\"'(":
        close = s.find(")" if s[j] == "(" else s[j], j + 1, j + 1 + _MAX_URL)
        if close < 0:
            return None
        j = _skip_blanks(s, close + 1)
    if not s.startswith(")", j):
        return None
    return UNESCAPE.sub(r"\1", dest), j + 1


def find_urls(markdown: str) -> list[str]:
    """http(s) URLs of links, images, autolinks and bare URLs, in order of appearance, unique."""
    urls: dict[str, None] = {}
    i = 0
    while (match := _FIND_URL.search(markdown, i)) is not None:
        i = match.end()
        url: str | None = None
        if match.group() == "](":
            tail = link_tail(markdown, match.start() + 1)
            if tail is not None and is_http_url(tail[0]):
                url, i = tail
        elif match.group() == "<":
            auto = AUTOLINK.match(markdown, match.start())
            if auto is not None and is_http_url(auto.group(1)):
                url, i = auto.group(1), auto.end()
        else:
            url = bare_url(markdown, match.start())
            if url is not None:
                i = match.start() + len(url)
        if url is not None:
            urls[url] = None
    return list(urls)


def find_image_urls(markdown: str) -> list[str]:
    """http(s) URLs of pictures (`![alt](url)`), in order of appearance, unique."""
    urls: dict[str, None] = {}
    for start, close in sorted(match_brackets(markdown).items()):
        if start == 0 or markdown[start - 1] != "!" or not markdown.startswith("(", close + 1):
            continue
        tail = link_tail(markdown, close + 1)
        if tail is not None and is_http_url(tail[0]):
            urls[tail[0]] = None
    return list(urls)


_LINK_LINE = re.compile(
    r"\s*(?:!?\[[^\]\n]*\]\(\s*<?https?://[^\s)>]+>?\s*\)|<https?://[^\s>]+>|https?://\S+)\s*",
    re.IGNORECASE,
)


def only_links(markdown: str) -> bool:
    """True when every line that is not blank is one link and nothing else."""
    lines = [line for line in markdown.splitlines() if line.strip()]
    return bool(lines) and all(_LINK_LINE.fullmatch(line) for line in lines)


def match_brackets(s: str) -> dict[int, int]:
    pairs: dict[int, int] = {}
    stack: list[int] = []
    i = 0
    while i < len(s):
        if s[i] == "\\":
            i += 1
        elif s[i] == "[":
            stack.append(i)
        elif s[i] == "]" and stack:
            pairs[stack.pop()] = i
        i += 1
    return pairs
