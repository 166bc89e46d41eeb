"""Ozon chat Markdown -> Telegram HTML.

Buyer text is untrusted: everything that is not recognised markup is escaped, so no input can
inject a tag, and the output of `markdown_to_html` is always well-formed (every tag closed,
properly nested, `<a>` only with http(s) URLs, nothing inside `<code>`/`<pre>`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

from bot.telegram.rendering.links import (
    AUTOLINK,
    UNESCAPE,
    bare_url,
    escape,
    is_http_url,
    link_tail,
    match_brackets,
)

__all__ = ["IMAGE_LABEL", "markdown_to_html"]

IMAGE_LABEL = "изображение"
"""Link text for an image without alt text."""

_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_TAGS = {("*", 1): "i", ("_", 1): "i", ("*", 2): "b", ("_", 2): "b", ("~", 2): "s"}
_FENCE_OPEN = re.compile(r" {0,3}(`{3,})[^`]*")
_FENCE_CLOSE = re.compile(r" {0,3}(`{3,})[ \t]*")
_QUOTE = re.compile(r" {0,3}> ?")


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
    tail = link_tail(s, close + 1)
    if tail is None or not is_http_url(tail[0]):
        return None
    url, end = tail
    label = s[start + 1 : close]
    if image and not images:
        return "", end
    if image:
        text = escape(UNESCAPE.sub(r"\1", label)) if label.strip() else IMAGE_LABEL
    else:
        text = _inline(label, links=False) if label.strip() else escape(url)
    return f'<a href="{escape(url, True)}">{text}</a>', end


def _atom(s: str, i: int, brackets: dict[int, int], images: bool) -> tuple[str, int] | None:
    """A link, image or autolink at `s[i]`: (html, end)."""
    if s[i] == "<":
        auto = AUTOLINK.match(s, i)
        if auto is None or not is_http_url(auto.group(1)):
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
    brackets = match_brackets(s) if links else {}
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
        elif char in "hH" and (url := bare_url(s, i)) is not None:
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
