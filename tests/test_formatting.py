"""Ozon Markdown -> Telegram HTML: concrete cases and hypothesis properties."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.rendering.links import escape, find_image_urls, find_urls, only_links
from bot.telegram.rendering.markdown import IMAGE_LABEL, markdown_to_html
from bot.telegram.rendering.measure import split_html, visible_length

ALLOWED_TAGS = {
    *("b", "strong", "i", "em", "u", "ins", "s", "strike", "del"),
    *("span", "tg-spoiler", "a", "code", "pre", "blockquote"),
}
ENTITIES = {"lt", "gt", "amp", "quot"}


class TelegramHTML(HTMLParser):
    """Fails on anything Telegram's HTML mode would reject; collects the visible text."""

    def __init__(self, *, strict: bool) -> None:
        super().__init__(convert_charrefs=False)
        self.strict = strict  # also check nesting rules: nothing inside code/pre, no <a> in <a>
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"], attrs
            href = attrs[0][1] or ""
            assert href.lower().startswith(("http://", "https://")), href
        elif tag == "span":
            assert attrs == [("class", "tg-spoiler")], attrs
        else:
            assert not attrs, attrs
        if self.strict:
            assert not {"code", "pre"} & set(self.stack), (tag, self.stack)
            assert tag != "a" or "a" not in self.stack, self.stack
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack.pop() == tag, f"</{tag}> misnested"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_data(self, data: str) -> None:
        assert not set("<>&") & set(data), f"unescaped text {data!r}"
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        assert name in ENTITIES, name
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        raise AssertionError(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        raise AssertionError(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        raise AssertionError(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        raise AssertionError(f"declaration {data!r}")


def check(markup: str, *, strict: bool = True) -> str:
    """Assert `markup` is well-formed Telegram HTML; return its visible text."""
    parser = TelegramHTML(strict=strict)
    parser.feed(markup)
    parser.close()
    assert not parser.stack, f"unclosed {parser.stack}"
    return "".join(parser.text)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- concrete cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("[Ozon](https://ozon.ru/x)", '<a href="https://ozon.ru/x">Ozon</a>'),
        ("[wiki](https://w.org/A_(b))", '<a href="https://w.org/A_(b)">wiki</a>'),
        ('[t](http://a.ru "title")', '<a href="http://a.ru">t</a>'),
        ("[](https://a.ru)", '<a href="https://a.ru">https://a.ru</a>'),
        ("[**b** x](https://a.ru)", '<a href="https://a.ru"><b>b</b> x</a>'),
        ("![фото](https://cdn.ru/1.jpg)", '<a href="https://cdn.ru/1.jpg">фото</a>'),
        ("![](https://cdn.ru/1.jpg)", f'<a href="https://cdn.ru/1.jpg">{IMAGE_LABEL}</a>'),
        (
            "<https://a.ru/?x=1&y=2>",
            '<a href="https://a.ru/?x=1&amp;y=2">https://a.ru/?x=1&amp;y=2</a>',
        ),
        ('[q](https://a.ru/"><b>)', '<a href="https://a.ru/&quot;&gt;&lt;b&gt;">q</a>'),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("![x](data:image/png;base64,AA)", "![x](data:image/png;base64,AA)"),
        ("[x](/relative)", "[x](/relative)"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a & b", "a &amp; b"),
        ("&amp; &#60;", "&amp;amp; &amp;#60;"),
        ("snake_case_words and 2*3*4", "snake_case_words and 2*3*4"),
        ("**bold** __bold__", "<b>bold</b> <b>bold</b>"),
        ("*it* _it_", "<i>it</i> <i>it</i>"),
        ("**bold _and italic_**", "<b>bold <i>and italic</i></b>"),
        ("***both***", "<i><b>both</b></i>"),
        ("*a **b***", "<i>a <b>b</b></i>"),
        ("~~gone~~ ~5 ~~~x~~~", "<s>gone</s> ~5 ~~~x~~~"),
        ("unclosed **bold", "unclosed **bold"),
        ("**a *b** c*", "<i><i>a <i>b</i></i> c</i>"),  # CommonMark-style run splitting
        (r"\*not italic\* C:\path", "*not italic* C:\\path"),
        ("`<b>x</b> & **y**`", "<code>&lt;b&gt;x&lt;/b&gt; &amp; **y**</code>"),
        ("``a ` b``", "<code>a ` b</code>"),
        ("`unclosed", "`unclosed"),
        (
            "https://x.ru/a_b_c_ and *https://y.ru/_q_*",
            "https://x.ru/a_b_c_ and <i>https://y.ru/_q_</i>",
        ),
        ("```\n<b>\n**x**\n```", "<pre>&lt;b&gt;\n**x**</pre>"),
        ("```\nnever closed", "```\nnever closed"),
        ("> quote **b**\n>two\nplain", "<blockquote>quote <b>b</b>\ntwo</blockquote>\nplain"),
        ("", ""),
    ],
)
def test_markdown_to_html(markdown: str, expected: str) -> None:
    assert markdown_to_html(markdown) == expected
    check(expected)


def test_escape() -> None:
    assert escape('<a href="x">&</a>') == '&lt;a href="x"&gt;&amp;&lt;/a&gt;'
    assert escape('say "hi"', True) == "say &quot;hi&quot;"


def test_find_urls() -> None:
    markdown = (
        "![](https://cdn.ru/1.jpg) again https://cdn.ru/1.jpg, [a](https://b.ru/q_(1)) "
        "<http://c.ru/x> (see https://d.ru/p). [j](javascript:x) `ftp://e.ru` www.f.ru"
    )
    assert find_urls(markdown) == [
        "https://cdn.ru/1.jpg",
        "https://b.ru/q_(1)",
        "http://c.ru/x",
        "https://d.ru/p",
    ]
    assert find_urls("no links") == []


def test_pictures_are_found_and_can_be_left_out() -> None:
    markdown = (
        "Вот фото брака:\n![](https://cdn.ru/1.jpg)\n![вид сбоку](https://cdn.ru/2.png)\n"
        "и [ссылка](https://ozon.ru/p) ![](javascript:x)"
    )
    assert find_image_urls(markdown) == ["https://cdn.ru/1.jpg", "https://cdn.ru/2.png"]
    assert markdown_to_html(markdown, images=False) == (
        'Вот фото брака:\nи <a href="https://ozon.ru/p">ссылка</a> ![](javascript:x)'
    )
    assert "1.jpg" in markdown_to_html(markdown)  # shown as links otherwise


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("[photo.jpg](https://cdn.ru/1.jpg)", True),
        ("![](https://cdn.ru/1.jpg)\n\n<https://cdn.ru/2.jpg>\nhttps://cdn.ru/3.jpg", True),
        ("Вот фото: [photo.jpg](https://cdn.ru/1.jpg)", False),
        ("", False),
        ("[x](javascript:alert(1))", False),
    ],
)
def test_only_links(markdown: str, expected: bool) -> None:
    assert only_links(markdown) is expected


@pytest.mark.parametrize(
    ("markup", "length"),
    [
        ("", 0),
        ("<b>a&amp;b</b>", 3),
        ('<a href="https://x.ru/?a=1&amp;b">x</a>', 1),
        ("&lt;&gt;&quot;&#65;&#x41;", 5),
        ("😀&#128512;", 4),
        ("ж\n", 2),
    ],
)
def test_visible_length(markup: str, length: int) -> None:
    assert visible_length(markup) == length


def test_split_fitting_input_is_unchanged() -> None:
    assert split_html("<b>short</b>", 50) == ["<b>short</b>"]


def test_split_prefers_paragraphs_then_lines_then_spaces() -> None:
    para = "a" * 20 + "\n" + "b" * 20 + "\n\n" + "c" * 20
    assert split_html(para, 45) == ["a" * 20 + "\n" + "b" * 20, "c" * 20]
    lines = "a" * 20 + " " + "b" * 20 + "\n" + "c" * 20
    assert split_html(lines, 45) == ["a" * 20 + " " + "b" * 20, "c" * 20]
    assert split_html("aaaa bbbb cccc", 10) == ["aaaa bbbb", "cccc"]
    assert split_html("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_reopens_tags_and_keeps_entities_whole() -> None:
    chunks = split_html('<a href="https://x.ru"><b>' + "&amp;" * 12 + "</b></a>", 5)
    assert chunks[0] == '<a href="https://x.ru"><b>' + "&amp;" * 5 + "</b></a>"
    assert len(chunks) == 3
    assert all(check(chunk) == "&" * visible_length(chunk) for chunk in chunks)


def test_split_counts_utf16() -> None:
    chunks = split_html("😀" * 5, 4)
    assert chunks == ["😀😀", "😀😀", "😀"]


def test_split_rejects_tiny_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_html("abc", 1)


# --- properties -------------------------------------------------------------------------------

MARKDOWN_BITS = st.sampled_from(
    [
        *("**", "__", "*", "_", "~~", "~", "`", "```", "``", "\\", "!", "[", "]", "(", ")"),
        *("](", "![", "<", ">", "> ", "\n", "\n\n", " ", "  ", "&", '"', "'", "a", "Б", "1"),
        *("https://x.ru/a_b", "http://", "<https://y.ru>", "javascript:", "<b>", "&amp;", "😀"),
    ]
)
MARKDOWNISH = st.lists(MARKDOWN_BITS, max_size=60).map("".join) | st.text(max_size=200)
PLAIN = st.text(
    alphabet=st.characters(exclude_characters="*_~`[]\\>\r"),
    max_size=200,
)


@settings(max_examples=500)
@given(MARKDOWNISH)
def test_output_is_always_wellformed(markdown: str) -> None:
    converted = markdown_to_html(markdown)
    text = check(converted)
    assert visible_length(converted) == utf16(text)


@settings(max_examples=300)
@given(MARKDOWNISH)
def test_leaving_pictures_out_stays_wellformed(markdown: str) -> None:
    check(markdown_to_html(markdown, images=False))


@given(PLAIN)
def test_plain_text_is_shown_verbatim(text: str) -> None:
    assert check(markdown_to_html(text)) == text


@given(st.text(max_size=100))
def test_escape_roundtrip(text: str) -> None:
    assert check(escape(text)) == text


def _squeeze(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=300)
@given(MARKDOWNISH, st.integers(min_value=2, max_value=50))
def test_split_markdown_output(markdown: str, limit: int) -> None:
    converted = markdown_to_html(markdown)
    chunks = split_html(converted, limit)
    assert all(visible_length(chunk) <= limit for chunk in chunks)
    assert _squeeze("".join(check(chunk) for chunk in chunks)) == _squeeze(check(converted))


TAGS = {
    "b": "<b>",
    "i": "<i>",
    "u": "<u>",
    "s": "<s>",
    "tg-spoiler": "<tg-spoiler>",
    "span": '<span class="tg-spoiler">',
    "a": '<a href="https://x.ru/?a=1&amp;b=&quot;2&quot;">',
    "code": "<code>",
    "pre": "<pre>",
    "blockquote": "<blockquote>",
}
TEXTS = st.text(alphabet="ab ж\n<>&\"😀'", max_size=30).map(escape)
TREES = st.recursive(
    TEXTS,
    lambda inner: (
        st.lists(inner, max_size=4).map("".join)
        | st.builds(
            lambda tag, body: f"{TAGS[tag]}{body}</{tag}>",
            st.sampled_from(sorted(TAGS)),
            inner,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(TREES, st.integers(min_value=2, max_value=50))
def test_split_any_wellformed_html(markup: str, limit: int) -> None:
    chunks = split_html(markup, limit)
    for chunk in chunks:
        assert visible_length(chunk) <= limit
        assert len(chunks) == 1 or _squeeze(check(chunk, strict=False)), "blank chunk"
    assert _squeeze("".join(check(c, strict=False) for c in chunks)) == _squeeze(
        check(markup, strict=False)
    )
