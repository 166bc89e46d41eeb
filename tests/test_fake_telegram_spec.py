"""The Bot API double's own checks, which every other test relies on: parameters coerced to the
declared scalar types (form strings only at the top level, as Telegram does) and HTML parsed
into text and entities, or refused with Telegram's words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fakes.telegram_html import parse_html
from tests.fakes.telegram_spec import BadRequest, Spec, Upload

SCALARS = {"i": "Integer", "f": "Float", "b": "Boolean", "t": "True", "s": "String"}
FILE = Upload(b"data", "a.jpg", "image/jpeg")


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    """A method `probe` taking one parameter of each scalar type, a file and a list of `Item`s,
    which hold the same scalars one level down."""

    def fields(types: dict[str, str]) -> list[dict[str, Any]]:
        return [{"name": n, "types": [t], "required": False} for n, t in types.items()]

    fixture = {
        "source": {"version": "probe"},
        "methods": {
            "probe": {"fields": fields({**SCALARS, "file": "InputFile", "items": "Array of Item"})}
        },
        "types": {"Item": {"fields": fields(SCALARS)}},
    }
    path = tmp_path_factory.mktemp("spec") / "probe.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    return Spec(path)


@pytest.mark.parametrize(
    ("name", "value", "coerced"),
    [
        ("i", "42", 42),
        ("i", " 7 ", 7),
        ("i", 5, 5),
        ("f", "1.5", 1.5),
        ("f", 2, 2.0),
        ("b", "true", True),
        ("b", "0", False),
        ("b", "FALSE", False),
        ("b", True, True),
        ("t", "1", True),
        ("t", True, True),
        ("s", "hi", "hi"),
        ("s", 5, "5"),
        ("file", FILE, FILE),
    ],
)
def test_a_parameter_is_coerced_to_its_type(
    spec: Spec, name: str, value: object, coerced: object
) -> None:
    params, problems = spec.check("probe", {name: value})
    assert (params, problems) == ({name: coerced}, [])
    assert type(params[name]) is type(coerced)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("i", "4.2", "i: expected Integer, got '4.2'"),
        ("i", True, "i: expected Integer, got True"),
        ("f", "x", "f: expected Float, got 'x'"),
        ("f", False, "f: expected Float, got False"),
        ("b", "yes", "b: expected Boolean, got 'yes'"),
        ("b", 1, "b: expected Boolean, got 1"),
        ("t", "false", "t: expected True, got 'false'"),
        ("t", False, "t: expected True, got False"),
        ("s", True, "s: expected String, got True"),
        ("s", ["a"], "s: expected String, got ['a']"),
        ("file", "a.jpg", "file: expected InputFile, got 'a.jpg'"),
        ("file", "attach://nope", "file: no file part named 'nope'"),
        ("s", "attach://nope", "s: no file part named 'nope'"),
    ],
)
def test_a_parameter_of_another_type_is_a_problem(
    spec: Spec, name: str, value: object, problem: str
) -> None:
    assert spec.check("probe", {name: value}) == ({}, [problem])


def test_a_file_part_is_taken_by_reference_and_a_stray_one_is_named(spec: Spec) -> None:
    params, problems = spec.check("probe", {"file": "attach://photo", "photo": FILE})
    assert (params, problems) == ({"file": FILE}, [])
    params, problems = spec.check("probe", {"s": "attach://photo", "photo": FILE})
    assert (params, problems) == ({"s": "attach://photo"}, [])  # a String may name a file too
    _, problems = spec.check("probe", {"stray": FILE})
    assert problems == ["unknown parameter 'stray' (file never attached)"]


def test_values_inside_a_list_keep_their_json_types(spec: Spec) -> None:
    item = {"i": 3, "f": 1, "b": False, "t": True, "s": "x"}
    params, problems = spec.check("probe", {"items": json.dumps([item])})
    assert problems == []
    assert params["items"] == [{"i": 3, "f": 1.0, "b": False, "t": True, "s": "x"}]
    assert type(params["items"][0]["f"]) is float


@pytest.mark.parametrize(
    ("name", "value"),
    [("i", "42"), ("f", "1.5"), ("b", "true"), ("t", "1"), ("s", 5), ("t", False)],
)
def test_form_strings_are_not_coerced_inside_a_list(spec: Spec, name: str, value: object) -> None:
    _, problems = spec.check("probe", {"items": [{name: value}]})
    assert problems == [f"items[0].{name}: expected {SCALARS[name]}, got {value!r}"]


# --- HTML parse mode --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("plain", "plain", []),
        ("&lt;&#65;&#x42;&amp;&quot;&gt;", '<AB&">', []),
        ("&bogus; &#0; &", "&bogus; &#0; &", []),
        (
            "<b>bold <I>both</I></b>",
            "bold both",
            [
                {"type": "bold", "offset": 0, "length": 9},
                {"type": "italic", "offset": 5, "length": 4},
            ],
        ),
        ("<b >x</b >", "x", [{"type": "bold", "offset": 0, "length": 1}]),
        ("😀<u>x</u>", "😀x", [{"type": "underline", "offset": 2, "length": 1}]),
        ("<b></b>x", "x", []),
        ("<a>no address</a>", "no address", []),
        (
            "<a href='https://x.y/?a=1&amp;b'>q</a>",
            "q",
            [{"type": "text_link", "offset": 0, "length": 1, "url": "https://x.y/?a=1&b"}],
        ),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "spoiler", "offset": 1, "length": 1},
            ],
        ),
        (
            "<blockquote expandable>q</blockquote>",
            "q",
            [{"type": "expandable_blockquote", "offset": 0, "length": 1}],
        ),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [
                {
                    "type": "custom_emoji",
                    "offset": 0,
                    "length": 2,
                    "custom_emoji_id": "5368324170671202286",
                }
            ],
        ),
        ("<pre><code>x</code></pre>", "x", [{"type": "pre", "offset": 0, "length": 1}]),
        ("<code class='language-py'>x</code>", "x", [{"type": "code", "offset": 0, "length": 1}]),
    ],
)
def test_html_gives_text_and_entities(
    source: str, text: str, entities: list[dict[str, Any]]
) -> None:
    assert parse_html(source) == (text, entities)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("жж<br>", 'Unsupported start tag "br" at byte offset 4'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<b class="x"', "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<tg-emoji>x</tg-emoji>",
            'Tag "tg-emoji" must have attribute "emoji-id" at byte offset 0',
        ),
        ("<>", 'Unsupported start tag "" at byte offset 0'),
    ],
)
def test_html_telegram_cannot_parse_is_refused_with_its_words(source: str, reason: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_html(source)
    assert caught.value.description == f"Bad Request: can't parse entities: {reason}"
