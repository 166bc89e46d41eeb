"""Settings: one pydantic-settings class read from the environment and `.env`.

The names of the configuration contract (`BOT_TOKEN`, `FORUM_CHAT_ID`, ...) are stable: deployments
and acceptance tests depend on them. Add new settings freely; never rename one.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from bot.config_drafts import DraftSettings
from bot.config_feedback import FeedbackSettings
from bot.core.hours import Weekly, WorkingHours, parse_durations

OZON_PUSH_NETWORKS = ("195.34.21.0/24", "185.73.192.0/22", "91.223.93.0/24")
"""The source ranges Ozon documents for push notifications."""

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


def _split_list(value: object) -> object:
    """Accept `1,2, 3` (and JSON-less whitespace) for list settings."""
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,\s]+", value) if part.strip()]
    if isinstance(value, int):
        return [value]
    return value


class Settings(DraftSettings, FeedbackSettings):
    """Everything the bridge reads from its environment (AI_* from `DraftSettings`, reviews
    and questions from `FeedbackSettings`)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Required.
    bot_token: SecretStr = Field(description="Telegram bot token from @BotFather")
    forum_chat_id: int = Field(description="id of the forum supergroup, like -1001234567890")
    ozon_client_id: str = Field(description="Ozon Client-Id (digits)")
    ozon_api_key: SecretStr = Field(description="Ozon Api-Key with the chat role")

    # Optional, with defaults.
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    database_path: Path = Path("data/bridge.sqlite3")
    poll_interval_seconds: int = Field(default=60, ge=1)
    ozon_api_url: str = "https://api-seller.ozon.ru"
    telegram_api_url: str = "https://api.telegram.org"
    push_enabled: bool = False
    push_port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (tests)
    push_path: str = "/ozon/push"
    push_allowed_ips: Annotated[list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode] = (
        Field(default_factory=lambda: [ipaddress.ip_network(n) for n in OZON_PUSH_NETWORKS])
    )
    push_host: str = "0.0.0.0"  # noqa: S104 - a container listens on all its interfaces
    push_trusted_proxies: Annotated[
        list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode
    ] = Field(default_factory=list)
    push_hmac_secret: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    # Tuning (not part of the stable contract, documented in .env.example).
    ozon_rate_limit_per_second: float = Field(default=20.0, gt=0, le=50)
    ozon_timeout_seconds: float = Field(default=30.0, gt=0)
    telegram_messages_per_minute: int = Field(default=20, ge=1, le=60)
    telegram_budget_window_seconds: float = Field(default=60.0, gt=0)
    first_sight_hours: float = Field(default=48.0, ge=0)
    first_sight_max_messages: int = Field(default=10, ge=0, le=100)
    reply_max_parts: int = Field(default=5, ge=1, le=50)
    reply_per_chat_per_minute: int = Field(default=10, ge=1, le=600)
    ozon_mark_read: bool = True
    broadcast_per_second: float = Field(default=1.0, gt=0, le=20)
    timezone: str = "Europe/Moscow"
    ozon_chat_url_template: str = (
        "https://seller.ozon.ru/app/messenger?group=customers_v2&id={chat_id}"
    )

    # The help desk.
    reply_reminders: str = "1h,20h,44h"
    stats_digest: str = "mon 10:00"
    topic_icons_enabled: bool = True
    pin_order_card: bool = True
    card_retry_seconds: float = Field(default=60.0, gt=0)
    working_hours: str = ""
    topic_icon_waiting: str = ""
    topic_icon_answered: str = ""
    topic_icon_closed: str = ""
    reminder_check_seconds: float = Field(default=60.0, gt=0)

    # Operations.
    metrics_enabled: bool = True
    alerts_enabled: bool = True
    alert_check_seconds: float = Field(default=60.0, gt=0)
    metrics_snapshot_seconds: float = Field(default=15.0, gt=0)

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("expected a bot token like 123456789:AAE... from @BotFather")
        return value

    @field_validator("forum_chat_id")
    @classmethod
    def _check_forum(cls, value: int) -> int:
        if value >= 0:
            raise ValueError("expected the supergroup id, a negative number like -1001234567890")
        return value

    @field_validator("ozon_client_id")
    @classmethod
    def _check_client_id(cls, value: str) -> str:
        value = value.strip()
        if not value.isdigit():
            raise ValueError("expected the numeric Client-Id from Ozon's Settings → Seller API")
        return value

    @field_validator("ozon_api_key")
    @classmethod
    def _check_api_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("expected the Api-Key from Ozon's Settings → Seller API")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("admin_ids", "push_allowed_ips", "push_trusted_proxies", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("ozon_api_url", "telegram_api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        problem = "expected an http(s) URL like https://api-seller.ozon.ru"
        try:
            parts = urlsplit(value.strip())
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            raise ValueError(problem) from None
        if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
            raise ValueError(problem)
        if any(ch.isspace() for ch in value.strip()):
            raise ValueError(problem)
        return value.strip().rstrip("/")

    @field_validator("push_hmac_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        return value

    @field_validator("push_path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("expected a path starting with /, like /ozon/push")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone like Europe/Moscow") from exc
        return value

    @field_validator("ozon_chat_url_template")
    @classmethod
    def _check_template(cls, value: str) -> str:
        if "{chat_id}" not in value:
            raise ValueError("expected a URL containing {chat_id}")
        return value

    @field_validator("reply_reminders")
    @classmethod
    def _check_reminders(cls, value: str) -> str:
        parse_durations(value)
        return value

    @field_validator("working_hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        WorkingHours.parse(value)
        return value

    @field_validator("stats_digest")
    @classmethod
    def _check_digest(cls, value: str) -> str:
        Weekly.parse(value)
        return value

    @field_validator("topic_icon_waiting", "topic_icon_answered", "topic_icon_closed")
    @classmethod
    def _check_icon(cls, value: str) -> str:
        value = value.strip()
        if value and not value.isdigit() and (len(value) > 8 or value.isascii()):
            raise ValueError(
                "expected a custom emoji id from getForumTopicIconStickers (digits) or one of "
                "its emoji, like ✅"
            )
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def reminder_thresholds(self) -> tuple[int, ...]:
        """REPLY_REMINDERS in seconds, ascending."""
        return parse_durations(self.reply_reminders)

    @property
    def hours(self) -> WorkingHours | None:
        """WORKING_HOURS (None: always)."""
        return WorkingHours.parse(self.working_hours)

    @property
    def digest(self) -> Weekly | None:
        """STATS_DIGEST (None: off)."""
        return Weekly.parse(self.stats_digest)

    @property
    def topic_icons(self) -> dict[str, str]:
        """The icons chosen in the settings, by the setting's name (empty ones left out)."""
        chosen = {
            "topic_icon_waiting": self.topic_icon_waiting,
            "topic_icon_answered": self.topic_icon_answered,
            "topic_icon_closed": self.topic_icon_closed,
        }
        return {name: value for name, value in chosen.items() if value}


EXAMPLE_VALUES = {
    "bot_token": "123456789:replace-with-your-bot-token",
    "forum_chat_id": "-1000000000000",
    "ozon_client_id": "123456",
    "ozon_api_key": "replace-with-your-api-key",
}
"""The required settings as `.env.example` has them: a copy left unchanged must be told so."""
_WHERE = {
    "bot_token": "the token @BotFather gave your bot",
    "forum_chat_id": "your forum group's id (-100...)",
    "ozon_client_id": "the Client ID from Ozon's Settings → Seller API",
    "ozon_api_key": "an API key from Ozon's Settings → Seller API",
}


def example_values_left(settings: Settings, names: tuple[str, ...] | None = None) -> list[str]:
    """A line for each of `names` (all required settings by default) that still holds its value
    from `.env.example`."""
    lines = []
    for name in names or tuple(EXAMPLE_VALUES):
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if str(value) == EXAMPLE_VALUES[name]:
            lines.append(
                f"{name.upper()} still holds the example value from .env.example: "
                f"set it to {_WHERE[name]}"
            )
    return lines


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line per problem, naming the variable."""


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read the settings, turning pydantic's report into lines an operator can act on."""
    try:
        return Settings(_env_file=env_file)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per bad variable: its environment name and what is expected. Never the value."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        name = str(error["loc"][0]).upper() if error["loc"] else "?"
        if error["type"] == "missing":
            field = Settings.model_fields.get(name.lower())
            hint = f" ({field.description})" if field and field.description else ""
            lines.append(f"{name} is not set: it is required{hint}")
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{name} is invalid: {message}")
    return "\n".join(lines)
