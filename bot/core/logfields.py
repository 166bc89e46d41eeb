"""Fields of the bridge's log lines: the event and the ids it concerns, for filtering JSON logs."""

from __future__ import annotations


def event(
    name: str,
    *,
    chat_id: str | None = None,
    topic_id: int | None = None,
    **more: str | int | float | bool | None,
) -> dict[str, object]:
    """The `extra=` of a log line marking one of the bridge's events: its name and the ids it
    concerns (None left out) become fields of JSON log lines (`bot.logs.JsonFormatter`). No field
    may be named after a `logging.LogRecord` attribute (`name`, `msg`, `args`...)."""
    fields = {"event": name, "chat_id": chat_id, "topic_id": topic_id, **more}
    return {key: value for key, value in fields.items() if value is not None}
