"""Ozon chat Markdown -> Telegram HTML.

Buyer text is untrusted: everything that is not recognised markup is escaped, so no input can
inject a tag, and the output of `markdown_to_html` is always well-formed (every tag closed,
properly nested, `<a>` only with http(s) URLs, nothing inside `<code>`/`<pre>`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
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


def _flanks(near: str, far: str) -> bool:
    """CommonMark's flanking rule for one side of a run: `near` is the character the run faces
    on that side, `far` the one behind it on the other side."""
    return not near.isspace() and (not _is_punct(near) or far.isspace() or _is_punct(far))


def _delim(s: str, i: int, j: int) -> _Delim:
    """Classify the run `s[i:j]`; delimiters must be word-bounded (so `a_b_c`, `2*3*4` stay)."""
    before = s[i - 1] if i else " "
    after = s[j] if j < len(s) else " "
    left, right = _flanks(after, before), _flanks(before, after)
    can_open = left and (not right or _is_punct(before))
    can_close = right and (not left or _is_punct(after))
    return _Delim(s[i], j - i, can_open, can_close)


def _match_delims(nodes: list[str | _Delim]) -> None:
    """Pair delimiter runs like CommonMark's delimiter stack, so tags always nest properly."""
    stack: list[_Delim] = []
    bottom: dict[str, int] = {}  # stack[:bottom[c]] holds no opener of char c
    for node in nodes:
        if isinstance(node, _Delim):
            _close_openers(node, stack, bottom)
            if node.can_open and node.count:
                stack.append(node)


def _close_openers(closer: _Delim, stack: list[_Delim], bottom: dict[str, int]) -> None:
    """Let `closer` close the nearest openers of its char on the stack while it can."""
    while closer.can_close and closer.count:
        k = _nearest_opener(stack, closer.char, bottom.get(closer.char, 0))
        if k is None:
            bottom[closer.char] = len(stack)
            return
        opener = stack[k]
        use = 2 if opener.count >= 2 and closer.count >= 2 else 1
        tag = _TAGS[closer.char, use]
        opener.opens.append(tag)
        closer.closes.append(tag)
        opener.count -= use
        closer.count -= use
        del stack[k + (opener.count > 0) :]  # runs in between stay literal
        for char, low in bottom.items():
            bottom[char] = min(low, len(stack))


def _nearest_opener(stack: list[_Delim], char: str, lowest: int) -> int | None:
    """Index of the topmost run of `char` in `stack[lowest:]`."""
    for k in range(len(stack) - 1, lowest - 1, -1):
        if stack[k].char == char:
            return k
    return None


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
    target = _target(s, start, brackets)
    if target is None:
        return None
    close, url, end = target
    label = s[start + 1 : close]
    if not image:
        text = _inline(label, links=False) if label.strip() else escape(url)
    elif images:
        text = escape(UNESCAPE.sub(r"\1", label)) if label.strip() else IMAGE_LABEL
    else:
        return "", end
    return f'<a href="{escape(url, True)}">{text}</a>', end


def _target(s: str, start: int, brackets: dict[int, int]) -> tuple[int, str, int] | None:
    """For the label opening at `s[start]` and followed by `(url)` with an http(s) URL: the
    label's closing bracket, the URL and where the link ends."""
    close = brackets.get(start)
    if close is None or not s.startswith("(", close + 1):
        return None
    tail = link_tail(s, close + 1)
    if tail is None or not is_http_url(tail[0]):
        return None
    return close, *tail


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


class _Line:
    """One line being rendered: the nodes so far (HTML and delimiter runs), and literal text
    gathered since the last node, escaped when the next node comes."""

    def __init__(self, s: str, *, links: bool, images: bool) -> None:
        self.s = s
        self.links = links
        self.images = images
        self.brackets = match_brackets(s) if links else {}
        self.runs = _backtick_runs(s)
        self.nodes: list[str | _Delim] = []
        self._text: list[str] = []

    def literal(self, text: str) -> None:
        self._text.append(text)

    def push(self, node: str | _Delim) -> None:
        if self._text:
            self.nodes.append(escape("".join(self._text)))
            self._text.clear()
        self.nodes.append(node)


# Each scanner reads the markup starting at `line.s[i]`: it adds what it found to the line and
# returns where it ends, or returns None when there is no markup there after all.


def _escaped(line: _Line, i: int) -> int | None:
    if i + 1 < len(line.s) and line.s[i + 1] in _ASCII_PUNCT:
        line.literal(line.s[i + 1])
        return i + 2
    return None


def _emphasis(line: _Line, i: int) -> int:
    j = _run_end(line.s, i)
    if line.s[i] == "~" and j - i != 2:
        line.literal(line.s[i:j])  # only `~~` strikes through
    else:
        line.push(_delim(line.s, i, j))
    return j


def _code(line: _Line, i: int) -> int:
    code, end = _code_span(line.s, i, line.runs)
    if code is None:
        line.literal(line.s[i:end])
    else:
        line.push(code)
    return end


def _link_or_image(line: _Line, i: int) -> int | None:
    atom = _atom(line.s, i, line.brackets, line.images) if line.links else None
    if atom is None:
        return None
    line.push(atom[0])
    return atom[1]


def _bare_url(line: _Line, i: int) -> int | None:
    url = bare_url(line.s, i)
    if url is None:
        return None
    line.literal(url)  # kept whole so `_` and `*` in it are not emphasis
    return i + len(url)


_SCANNERS: dict[str, Callable[[_Line, int], int | None]] = {
    "\\": _escaped,
    **dict.fromkeys("*_~", _emphasis),
    "`": _code,
    **dict.fromkeys("![<", _link_or_image),
    **dict.fromkeys("hH", _bare_url),
}


def _inline(s: str, links: bool = True, images: bool = True) -> str:
    """Render one line of inline Markdown; `links=False` inside link labels (no nested `<a>`)."""
    line = _Line(s, links=links, images=images)
    i = 0
    while i < len(s):
        scan = _SCANNERS.get(s[i])
        end = scan(line, i) if scan is not None else None
        if end is None:
            line.literal(s[i])
            end = i + 1
        i = end
    line.push("")
    _match_delims(line.nodes)
    return "".join(node if isinstance(node, str) else node.render() for node in line.nodes)


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
        block, i = _block(lines, i, closers, images)
        if block is not None:
            out.append(block)
    return "\n".join(out)


def _block(
    lines: list[str], i: int, closers: list[tuple[int, int]], images: bool
) -> tuple[str | None, int]:
    """The block starting at `lines[i]` (a fence, a quote or one plain line): its HTML, None for
    a line that only held pictures left out, and the index of the line after it."""
    end = _fence_end(lines, i, closers)
    if end is not None:
        return _wrap("pre", escape("\n".join(lines[i + 1 : end]))), end + 1
    quoted: list[str] = []
    while i < len(lines) and (quote := _QUOTE.match(lines[i])) is not None:
        quoted.append(_inline(lines[i][quote.end() :], images=images))
        i += 1
    if quoted:
        return _wrap("blockquote", "\n".join(quoted)), i
    rendered = _inline(lines[i], images=images)
    if images or rendered.strip() or not lines[i].strip():
        return rendered, i + 1
    return None, i + 1
