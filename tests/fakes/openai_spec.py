"""The Chat Completions request format the OpenAI-compatible double holds each request to.

Written from OpenAI's API reference for `POST /v1/chat/completions`: `model` and `messages` are
required; each message has a known `role` and the fields that role allows (text content as a
string or as an array of parts); the optional top-level fields are the documented ones, each with
its type and range. Objects are closed: an unknown field is a violation, as a strict server would
answer 400 for it. `stream_options` is allowed only with `stream: true`, as OpenAI requires.
Nested structures the bridge never sends (tools, response formats, audio) are checked for their
type only.
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[[object, str], list[str]]

__all__ = ["ROLES", "validate_chat_request"]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(low: float, high: float) -> Check:
    def check(value: object, where: str) -> list[str]:
        if not _is_number(value):
            return [f"{where}: expected a number, got {value!r}"]
        assert isinstance(value, int | float)
        return [] if low <= value <= high else [f"{where}: {value} is out of range {low}..{high}"]

    return check


def _integer(low: int, high: int | None = None) -> Check:
    def check(value: object, where: str) -> list[str]:
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"{where}: expected an integer, got {value!r}"]
        if value < low or (high is not None and value > high):
            return [f"{where}: {value} is out of range {low}..{high if high is not None else ''}"]
        return []

    return check


def _of_type(kind: type | tuple[type, ...], name: str) -> Check:
    def check(value: object, where: str) -> list[str]:
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)
        return [] if ok else [f"{where}: expected {name}, got {value!r}"]

    return check


def _one_of(*allowed: str) -> Check:
    def check(value: object, where: str) -> list[str]:
        return [] if value in allowed else [f"{where}: {value!r} is not one of {list(allowed)}"]

    return check


def _stop(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        return []
    if isinstance(value, list) and 1 <= len(value) <= 4 and all(isinstance(s, str) for s in value):
        return []
    return [f"{where}: expected a string or 1..4 strings, got {value!r}"]


def _stream_options(value: object, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected an object, got {value!r}"]
    known = {"include_usage", "include_obfuscation"}
    problems = [f"{where}.{name}: unknown field" for name in value if name not in known]
    problems += [
        f"{where}.{name}: expected a boolean"
        for name in known & set(value)
        if not isinstance(value[name], bool)
    ]
    return problems


_BOOLEAN = _of_type(bool, "a boolean")
_STRING = _of_type(str, "a string")
_OBJECT = _of_type(dict, "an object")
_ARRAY = _of_type(list, "an array")

OPTIONAL: dict[str, Check] = {
    "audio": _OBJECT,
    "frequency_penalty": _number(-2, 2),
    "function_call": _of_type((str, dict), "a string or an object"),
    "functions": _ARRAY,
    "logit_bias": _OBJECT,
    "logprobs": _BOOLEAN,
    "max_completion_tokens": _integer(1),
    "max_tokens": _integer(1),
    "metadata": _OBJECT,
    "modalities": _ARRAY,
    "n": _integer(1, 128),
    "parallel_tool_calls": _BOOLEAN,
    "prediction": _OBJECT,
    "presence_penalty": _number(-2, 2),
    "prompt_cache_key": _STRING,
    "reasoning_effort": _one_of("none", "minimal", "low", "medium", "high", "xhigh"),
    "response_format": _OBJECT,
    "safety_identifier": _STRING,
    "seed": _integer(-(2**63)),
    "service_tier": _one_of("auto", "default", "flex", "scale", "priority"),
    "stop": _stop,
    "store": _BOOLEAN,
    "stream": _BOOLEAN,
    "stream_options": _stream_options,
    "temperature": _number(0, 2),
    "tool_choice": _of_type((str, dict), "a string or an object"),
    "tools": _ARRAY,
    "top_logprobs": _integer(0, 20),
    "top_p": _number(0, 1),
    "user": _STRING,
    "verbosity": _one_of("low", "medium", "high"),
    "web_search_options": _OBJECT,
}
"""The documented optional fields of a request, with their checks (`None` is allowed too)."""

ROLES: dict[str, frozenset[str]] = {
    "system": frozenset({"role", "content", "name"}),
    "developer": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset(
        {"role", "content", "name", "refusal", "tool_calls", "function_call", "audio"}
    ),
    "tool": frozenset({"role", "content", "tool_call_id"}),
}
"""The roles a message may have, and the fields each allows."""

_PART_TYPES = {"text", "image_url", "input_audio", "file", "refusal"}


def validate_chat_request(body: object) -> list[str]:
    """Everything wrong with `body` as a Chat Completions request (empty when it conforms)."""
    if not isinstance(body, dict):
        return [f"body: expected a JSON object, got {type(body).__name__}"]
    problems: list[str] = []
    model = body.get("model")
    if not isinstance(model, str) or not model:
        problems.append(f"body.model: expected a model name, got {model!r}")
    problems += _messages(body.get("messages"))
    for name, value in body.items():
        if name in ("model", "messages") or value is None:
            continue
        check = OPTIONAL.get(name)
        problems += (
            [f"body.{name}: unknown field"] if check is None else check(value, f"body.{name}")
        )
    if body.get("stream_options") is not None and body.get("stream") is not True:
        problems.append("body.stream_options: allowed only when stream is true")
    return problems


def _messages(messages: object) -> list[str]:
    if not isinstance(messages, list) or not messages:
        return [f"body.messages: expected a non-empty array, got {messages!r}"]
    problems: list[str] = []
    for index, message in enumerate(messages):
        problems += _message(message, f"body.messages[{index}]")
    return problems


def _message(message: object, where: str) -> list[str]:
    if not isinstance(message, dict):
        return [f"{where}: expected an object, got {message!r}"]
    role = message.get("role")
    allowed = ROLES.get(role) if isinstance(role, str) else None
    if allowed is None:
        return [f"{where}.role: {role!r} is not one of {sorted(ROLES)}"]
    problems = [
        f"{where}.{name}: unknown field for role {role}" for name in message.keys() - allowed
    ]
    content = message.get("content")
    if content is None:
        if role != "assistant" or not message.get("tool_calls"):
            problems.append(f"{where}.content: required for role {role}")
    else:
        problems += _content(content, f"{where}.content")
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        problems.append(f"{where}.tool_call_id: required for role tool")
    if "name" in message and not isinstance(message["name"], str):
        problems.append(f"{where}.name: expected a string")
    return problems


def _content(content: object, where: str) -> list[str]:
    if isinstance(content, str):
        return []
    if not isinstance(content, list) or not content:
        return [f"{where}: expected a string or a non-empty array of parts, got {content!r}"]
    problems: list[str] = []
    for index, part in enumerate(content):
        here = f"{where}[{index}]"
        if not isinstance(part, dict):
            problems.append(f"{here}: expected an object, got {part!r}")
        elif part.get("type") not in _PART_TYPES:
            problems.append(
                f"{here}.type: {part.get('type')!r} is not one of {sorted(_PART_TYPES)}"
            )
        elif part["type"] == "text" and not isinstance(part.get("text"), str):
            problems.append(f"{here}.text: required for a text part")
    return problems
