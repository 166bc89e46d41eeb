"""Secrets (the bot token, Ozon's key) kept out of every log line, exception text and message:
the one place that knows them and scrubs them.

The log handler scrubs every record; code that quotes text it did not write (an error from a
library, an answer from Telegram) scrubs it before passing it on. The Ozon client, which knows
nothing of the bridge, keeps its own key out of its own errors at its boundary.
"""

from __future__ import annotations

REDACTED = "***"
MIN_LENGTH = 6
"""Shorter values are not treated as secrets (they would blank out ordinary words)."""

_known: set[str] = set()


def remember(*secrets: str) -> None:
    """Scrub these from now on."""
    _known.update(s for s in secrets if len(s) >= MIN_LENGTH)


def scrub(text: str) -> str:
    """The text with every known secret replaced by ***."""
    for secret in sorted(_known, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
