"""Time as the help desk's settings speak of it: reminder thresholds (`1h,20h,44h`) and working
hours (`09:00-21:00` in the bridge's time zone). Parsing is strict: a value that means nothing
is refused with what was expected, and the start stops naming the setting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smh])$")
_UNITS = {"s": 1, "m": 60, "h": 3600}
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_durations(text: str) -> tuple[int, ...]:
    """`1h,20h,44h` as seconds, ascending; units s, m, h. Empty: none."""
    values: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        match = _DURATION.match(part.lower())
        if match is None:
            raise ValueError(f"{part!r} is not a duration: expected a number and s, m or h")
        seconds = round(float(match.group(1)) * _UNITS[match.group(2)])
        if seconds <= 0:
            raise ValueError(f"{part!r} is not a positive duration")
        values.add(seconds)
    return tuple(sorted(values))


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """A daily span of local time; it may run past midnight (`22:00-06:00`)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> WorkingHours | None:
        """`09:00-21:00`; empty: always working (None)."""
        text = text.strip()
        if not text:
            return None
        parts = [p.strip() for p in text.split("-")]
        if len(parts) != 2:
            raise ValueError(f"{text!r}: expected a span like 09:00-21:00")
        start, end = (_clock(p, text) for p in parts)
        if start == end:
            raise ValueError(f"{text!r}: the span is empty (leave the setting empty for always)")
        return cls(start, end)

    def contains(self, local: datetime) -> bool:
        now = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _clock(value: str, whole: str) -> time:
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError(f"{whole!r}: {value!r} is not a time like 09:00")
    return time(int(match.group(1)), int(match.group(2)))


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Weekly:
    """Days of the week and a local time: `mon 10:00`, `mon,thu 09:30`, `daily 18:00`."""

    days: tuple[str, ...]
    at: time

    @classmethod
    def parse(cls, text: str) -> Weekly | None:
        """Empty: never (None)."""
        text = text.strip().lower()
        if not text:
            return None
        parts = text.split()
        if len(parts) != 2:
            raise ValueError(f"{text!r}: expected days and a time, like mon 10:00")
        days_text, clock = parts
        days = _DAYS if days_text == "daily" else tuple(d.strip() for d in days_text.split(","))
        unknown = [d for d in days if d not in _DAYS]
        if unknown or not days:
            raise ValueError(
                f"{text!r}: days are {', '.join(_DAYS)} (comma-separated) or daily, like mon 10:00"
            )
        return cls(tuple(d for d in _DAYS if d in days), _clock(clock, text))

    def __str__(self) -> str:
        days = "daily" if self.days == _DAYS else ",".join(self.days)
        return f"{days} {self.at:%H:%M}"


def at_work(hours: WorkingHours | None, now: datetime, tz: ZoneInfo) -> bool:
    """Whether the moment `now` falls within the working hours, read in the bridge's time zone
    `tz` (always, without working hours)."""
    return hours is None or hours.contains(now.astimezone(tz))
