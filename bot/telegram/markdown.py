"""Ozon chat Markdown -> Telegram HTML, plus measuring and splitting that HTML.

Buyer text is untrusted: everything that is not recognised markup is escaped, so no input can
inject a tag, and the output of `markdown_to_html` is always well-formed (every tag closed,
properly nested, `<a>` only with http(s) URLs, nothing inside `<code>`/`<pre>`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.core.split import grapheme_floor

__all__ = [
    "IMAGE_LABEL",
    "escape",
    "find_image_urls",
    "find_urls",
    "markdown_to_html",
    "only_links",
    "split_html",
    "visible_length",
]

IMAGE_LABEL = "изображение"
"""Link text for an image without alt text."""

_MAX_URL = 2048  # longer link destinations are not links (also bounds the work per `[`)
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_WS = frozenset(" \t\n\r\f\v")
_URL_TRAILING = frozenset(".,:;!?'\"*_~")
_TAGS = {("*", 1): "i", ("_", 1): "i", ("*", 2): "b", ("_", 2): "b", ("~", 2): "s"}
_FENCE_OPEN = re.compile(r" {0,3}(`{3,})[^`]*")
_FENCE_CLOSE = re.compile(r" {0,3}(`{3,})[ \t]*")
_QUOTE = re.compile(r" {0,3}> ?")
_AUTOLINK = re.compile(r"<(https?://[^\s<>]{1,2000})>", re.IGNORECASE)
_BARE_URL = re.compile(r"(?<!\w)https?://[^\s<>\"`\[\]]{1,2000}", re.IGNORECASE)
_BARE_DEST = re.compile(r"(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*")  # one level of (...)
_FIND_URL = re.compile(r"\]\(|<(?=https?://)|(?<!\w)https?://", re.IGNORECASE)
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_TOKEN = re.compile(
    r"(?P<tag></?[A-Za-z][^>]*>)|(?P<ent>&(?:#[0-9]+|#[xX][0-9a-fA-F]+|lt|gt|amp|quot);)|[^<&]+|[<&]"
)
_TAG_NAME = re.compile(r"</?([A-Za-z][\w-]*)")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def escape(text: str, quote: bool = False) -> str:
    """Escape `&`, `<`, `>` (and `"` as `&quot;` when `quote`) for Telegram HTML."""
    escaped = html.escape(text, quote=False)
    return escaped.replace('"', "&quot;") if quote else escaped


# --- URLs -------------------------------------------------------------------------------------


def _is_http_url(url: str) -> bool:
    if not url or len(url) > _MAX_URL or " " in url or not url.isprintable():
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _bare_url(s: str, i: int) -> str | None:
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
    return url if _is_http_url(url) else None


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


def _link_tail(s: str, i: int) -> tuple[str, int] | None:
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
    return _UNESCAPE.sub(r"\1", dest), j + 1


def find_urls(markdown: str) -> list[str]:
    """http(s) URLs of links, images, autolinks and bare URLs, in order of appearance, unique."""
    urls: dict[str, None] = {}
    i = 0
    while (match := _FIND_URL.search(markdown, i)) is not None:
        i = match.end()
        url: str | None = None
        if match.group() == "](":
            tail = _link_tail(markdown, match.start() + 1)
            if tail is not None and _is_http_url(tail[0]):
                url, i = tail
        elif match.group() == "<":
            auto = _AUTOLINK.match(markdown, match.start())
            if auto is not None and _is_http_url(auto.group(1)):
                url, i = auto.group(1), auto.end()
        else:
            url = _bare_url(markdown, match.start())
            if url is not None:
                i = match.start() + len(url)
        if url is not None:
            urls[url] = None
    return list(urls)


def find_image_urls(markdown: str) -> list[str]:
    """http(s) URLs of pictures (`![alt](url)`), in order of appearance, unique."""
    urls: dict[str, None] = {}
    for start, close in sorted(_match_brackets(markdown).items()):
        if start == 0 or markdown[start - 1] != "!" or not markdown.startswith("(", close + 1):
            continue
        tail = _link_tail(markdown, close + 1)
        if tail is not None and _is_http_url(tail[0]):
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


# --- inline markup ----------------------------------------------------------------------------


def _is_punct(char: str) -> bool:
    return char in _ASCII_PUNCT or unicodedata.category(char)[0] in "PS"


@dataclass(eq=False)
class _Delim:
    """A run of `*`, `_` or `~~`; `opens`/`closes` record the tags it became, in match order."""

    char: str
    count: int
    can_open: bool
    can_close: bool
    opens: list[str] = field(default_factory=list)
    closes: list[str] = field(default_factory=list)

    def render(self) -> str:
        closing = "".join(f"</{tag}>" for tag in self.closes)
        opening = "".join(f"<{tag}>" for tag in reversed(self.opens))
        return closing + self.char * self.count + opening


def _delim(s: str, i: int, j: int) -> _Delim:
    """Classify the run `s[i:j]`; delimiters must be word-bounded (so `a_b_c`, `2*3*4` stay)."""
    before = s[i - 1] if i else " "
    after = s[j] if j < len(s) else " "
    left = not after.isspace() and (not _is_punct(after) or before.isspace() or _is_punct(before))
    right = not before.isspace() and (not _is_punct(before) or after.isspace() or _is_punct(after))
    can_open = left and (not right or _is_punct(before))
    can_close = right and (not left or _is_punct(after))
    return _Delim(s[i], j - i, can_open, can_close)


def _match_delims(nodes: list[str | _Delim]) -> None:
    """Pair delimiter runs like CommonMark's delimiter stack, so tags always nest properly."""
    stack: list[_Delim] = []
    bottom: dict[str, int] = {}  # stack[:bottom[c]] holds no opener of char c
    for node in nodes:
        if not isinstance(node, _Delim):
            continue
        while node.can_close and node.count:
            lowest = bottom.get(node.char, 0)
            k = len(stack) - 1
            while k >= lowest and stack[k].char != node.char:
                k -= 1
            if k < lowest:
                bottom[node.char] = len(stack)
                break
            opener = stack[k]
            use = 2 if opener.count >= 2 and node.count >= 2 else 1
            tag = _TAGS[node.char, use]
            opener.opens.append(tag)
            node.closes.append(tag)
            opener.count -= use
            node.count -= use
            del stack[k + (opener.count > 0) :]  # runs in between stay literal
            bottom = {char: min(low, len(stack)) for char, low in bottom.items()}
        if node.can_open and node.count:
            stack.append(node)


def _run_end(s: str, i: int) -> int:
    j = i
    while j < len(s) and s[j] == s[i]:
        j += 1
    return j


def _backtick_runs(s: str) -> dict[int, list[int]]:
    runs: dict[int, list[int]] = {}
    i = s.find("`")
    while i >= 0:
        j = _run_end(s, i)
        runs.setdefault(j - i, []).append(i)
        i = s.find("`", j)
    return runs


def _match_brackets(s: str) -> dict[int, int]:
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


def _code_span(s: str, i: int, runs: dict[int, list[int]]) -> tuple[str | None, int]:
    """`code` at `s[i]`: (html, end), or (None, end of the backtick run) if it is not closed."""
    j = _run_end(s, i)
    starts = runs.get(j - i, [])
    k = bisect_right(starts, i)
    if k == len(starts):
        return None, j
    close = starts[k]
    content = s[j:close]
    if len(content) > 2 and content[0] == content[-1] == " " and content.strip(" "):
        content = content[1:-1]
    return f"<code>{escape(content)}</code>", close + j - i


def _link(s: str, i: int, brackets: dict[int, int], images: bool) -> tuple[str, int] | None:
    """`[label](url)` or `![alt](url)` at `s[i]` with an http(s) URL: (html, end). A picture
    becomes nothing when `images` is False (it is shown as a photo instead)."""
    image = s[i] == "!"
    start = i + 1 if image else i
    close = brackets.get(start)
    if close is None or not s.startswith("(", close + 1):
        return None
    tail = _link_tail(s, close + 1)
    if tail is None or not _is_http_url(tail[0]):
        return None
    url, end = tail
    label = s[start + 1 : close]
    if image and not images:
        return "", end
    if image:
        text = escape(_UNESCAPE.sub(r"\1", label)) if label.strip() else IMAGE_LABEL
    else:
        text = _inline(label, links=False) if label.strip() else escape(url)
    return f'<a href="{escape(url, True)}">{text}</a>', end


def _atom(s: str, i: int, brackets: dict[int, int], images: bool) -> tuple[str, int] | None:
    """A link, image or autolink at `s[i]`: (html, end)."""
    if s[i] == "<":
        auto = _AUTOLINK.match(s, i)
        if auto is None or not _is_http_url(auto.group(1)):
            return None
        url = auto.group(1)
        return f'<a href="{escape(url, True)}">{escape(url)}</a>', auto.end()
    if s[i] == "[" or s.startswith("![", i):
        return _link(s, i, brackets, images)
    return None


def _inline(s: str, links: bool = True, images: bool = True) -> str:
    """Render one line of inline Markdown; `links=False` inside link labels (no nested `<a>`)."""
    nodes: list[str | _Delim] = []
    text: list[str] = []
    brackets = _match_brackets(s) if links else {}
    runs = _backtick_runs(s)

    def push(node: str | _Delim) -> None:
        if text:
            nodes.append(escape("".join(text)))
            text.clear()
        nodes.append(node)

    i, n = 0, len(s)
    while i < n:
        char = s[i]
        if char == "\\" and i + 1 < n and s[i + 1] in _ASCII_PUNCT:
            text.append(s[i + 1])
            i += 2
        elif char in "*_~":
            j = _run_end(s, i)
            if char == "~" and j - i != 2:
                text.append(s[i:j])
            else:
                push(_delim(s, i, j))
            i = j
        elif char == "`":
            code, end = _code_span(s, i, runs)
            if code is None:
                text.append(s[i:end])
            else:
                push(code)
            i = end
        elif links and char in "![<" and (atom := _atom(s, i, brackets, images)) is not None:
            push(atom[0])
            i = atom[1]
        elif char in "hH" and (url := _bare_url(s, i)) is not None:
            text.append(url)  # kept whole so `_` and `*` in it are not emphasis
            i += len(url)
        else:
            text.append(char)
            i += 1
    push("")
    _match_delims(nodes)
    return "".join(node if isinstance(node, str) else node.render() for node in nodes)


# --- blocks -----------------------------------------------------------------------------------


def _wrap(tag: str, inner: str) -> str:
    return f"<{tag}>{inner}</{tag}>" if inner.strip() else inner


def _fence_end(lines: list[str], i: int, closers: list[tuple[int, int]]) -> int | None:
    """Index of the line closing a fence opened at `lines[i]`, if it opens a closed fence."""
    opening = _FENCE_OPEN.fullmatch(lines[i])
    if opening is None:
        return None
    width = len(opening.group(1))
    # `(i, len(line))` sorts after any closer on line i itself, so k is the first one below it
    for k in range(bisect_right(closers, (i, len(lines[i]))), len(closers)):
        if closers[k][1] >= width:
            return closers[k][0]
    return None


def markdown_to_html(text: str, *, images: bool = True) -> str:
    """Convert Ozon chat Markdown to well-formed Telegram HTML, escaping everything else.

    Supported: `[label](url)`, `![alt](url)` and `<url>` (http/https only), `**b**`/`__b__`,
    `*i*`/`_i_`, `~~s~~`, `` `code` ``, ```` ``` ```` fences and `> ` quotes. Inline markup does not
    span lines; unmatched delimiters, unclosed fences and other URL schemes stay literal text.
    `images=False` leaves pictures out (they are posted as photos); lines left empty by that go.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    closers = [
        (row, len(m.group(1)))
        for row, line in enumerate(lines)
        if (m := _FENCE_CLOSE.fullmatch(line)) is not None
    ]
    out: list[str] = []
    i = 0
    while i < len(lines):
        end = _fence_end(lines, i, closers)
        if end is not None:
            out.append(_wrap("pre", escape("\n".join(lines[i + 1 : end]))))
            i = end + 1
            continue
        quoted: list[str] = []
        while i < len(lines) and (quote := _QUOTE.match(lines[i])) is not None:
            quoted.append(_inline(lines[i][quote.end() :], images=images))
            i += 1
        if quoted:
            out.append(_wrap("blockquote", "\n".join(quoted)))
        else:
            rendered = _inline(lines[i], images=images)
            if images or rendered.strip() or not lines[i].strip():
                out.append(rendered)
            i += 1
    return "\n".join(out)


# --- measuring and splitting ------------------------------------------------------------------


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _entity(raw: str) -> str:
    body = raw[1:-1]
    if not body.startswith("#"):
        return _NAMED[body]
    code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def visible_length(html: str) -> int:
    """Length Telegram counts: UTF-16 code units of the text with tags stripped and entities
    (`&lt;`, `&gt;`, `&amp;`, `&quot;`, numeric) decoded."""
    total = 0
    for match in _TOKEN.finditer(html):
        if match.group("ent"):
            total += _utf16_len(_entity(match.group()))
        elif not match.group("tag"):
            total += _utf16_len(match.group())
    return total


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    visible: str  # "" for tags
    tag: str = ""  # tag name, "" for text
    closing: bool = False


def _tokens(html: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(html):
        raw = match.group()
        if match.group("tag"):
            name = _TAG_NAME.match(raw)
            assert name is not None
            tokens.append(_Token(raw, "", name.group(1).lower(), raw.startswith("</")))
        elif match.group("ent"):
            tokens.append(_Token(raw, _entity(raw)))
        else:
            tokens.extend(_Token(char, char) for char in raw)
    return tokens


def _apply(stack: list[tuple[str, str]], tokens: list[_Token]) -> None:
    """Track open tags: push on an opening tag, pop through the matching one on a closing tag."""
    for token in tokens:
        if token.closing:
            names = [name for name, _ in stack]
            if token.tag in names:
                del stack[len(names) - 1 - names[::-1].index(token.tag) :]
        elif token.tag and not token.raw.endswith("/>"):
            stack.append((token.tag, token.raw))


def _best_cut(visible: list[str], lo: int, hi: int) -> int:
    """Largest j in (lo, hi] before which to cut: paragraph, then line, then word break, then
    the last grapheme-cluster boundary (never inside a joined emoji or an accented letter)."""
    tests = (
        lambda j: visible[j] == "\n" and j + 1 < len(visible) and visible[j + 1] == "\n",
        lambda j: visible[j] == "\n",
        lambda j: visible[j] in _WS,
    )
    for test in tests:
        for j in range(hi, lo, -1):
            if test(j):
                return j
    text = "".join(visible[lo : hi + 1])
    return lo + (grapheme_floor(text, hi - lo) or hi - lo)


def split_html(html: str, limit: int = 4096) -> list[str]:
    """Split well-formed HTML into chunks of `visible_length <= limit`, each well-formed.

    Cuts prefer paragraph breaks, then line breaks, then spaces, then fall back to a hard cut;
    never inside a tag or an entity. Tags open at a cut are closed and reopened in the next
    chunk; whitespace at cuts (and around chunks) is dropped. Fitting input comes back as is;
    whitespace-only input that does not fit gives an empty list.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 (one astral character is 2 UTF-16 units)")
    if visible_length(html) <= limit:
        return [html]
    tokens = _tokens(html)
    units = [k for k, token in enumerate(tokens) if not token.tag]
    visible = [tokens[k].visible for k in units]
    widths = [_utf16_len(v) for v in visible]
    chunks: list[str] = []
    stack: list[tuple[str, str]] = []
    done = 0  # tokens[:done] are applied to `stack`
    u = 0  # next unit to place
    while True:
        while u < len(units) and visible[u] in _WS:
            u += 1
        if u == len(units):
            return chunks
        start = units[u]
        _apply(stack, tokens[done:start])
        reopen = "".join(raw for _, raw in stack)
        total, m = 0, u
        while m < len(units) and total + widths[m] <= limit:
            total += widths[m]
            m += 1
        if m == len(units):
            chunks.append(reopen + "".join(t.raw for t in tokens[start:]))
            return chunks
        cut = _best_cut(visible, u, m)
        last = cut - 1
        while visible[last] in _WS:
            last -= 1
        done = units[last] + 1
        body = tokens[start:done]
        _apply(stack, body)
        closing = "".join(f"</{name}>" for name, _ in reversed(stack))
        chunks.append(reopen + "".join(t.raw for t in body) + closing)
        u = cut
