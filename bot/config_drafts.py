"""The settings of reply drafts (AI_*): which OpenAI-compatible server and model draft replies,
with which key, instructions and patience. `bot.config.Settings` inherits them.

The group is optional as a whole: with AI_API_URL empty drafts are off and the rest is unused;
with it set, AI_MODEL is required. Validation never quotes the key.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import (
    Field,
    HttpUrl,
    SecretStr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings

_HTTP_URL = TypeAdapter(HttpUrl)


class DraftSettings(BaseSettings):
    """AI_API_URL, AI_API_KEY, AI_MODEL, AI_INSTRUCTIONS, AI_TIMEOUT_SECONDS, AI_DRAFTS_AUTO."""

    ai_api_url: str = ""
    ai_api_key: SecretStr | None = None
    ai_model: str = Field(
        default="",
        validate_default=True,
        description="when AI_API_URL is set: the model that drafts replies, like qwen2.5:7b",
    )
    ai_instructions: Path | None = None
    ai_timeout_seconds: float = Field(default=60.0, gt=0)
    ai_drafts_auto: bool = False

    @field_validator("ai_api_url")
    @classmethod
    def _check_ai_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        try:
            port = _HTTP_URL.validate_python(value).port
        except ValidationError:
            port = 0
        if port == 0:
            raise ValueError(
                "expected the base URL of an OpenAI-compatible API, like "
                "http://localhost:11434/v1 (Ollama) or https://api.openai.com/v1"
            )
        return value.rstrip("/")

    @field_validator("ai_api_key")
    @classmethod
    def _check_ai_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        return SecretStr(value.get_secret_value().strip())

    @field_validator("ai_model")
    @classmethod
    def _check_ai_model(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not value and info.data.get("ai_api_url"):
            raise PydanticCustomError("missing", "required when AI_API_URL is set")
        return value

    @field_validator("ai_instructions", mode="before")
    @classmethod
    def _blank_path_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ai_instructions")
    @classmethod
    def _check_instructions(cls, value: Path | None) -> Path | None:
        if value is not None:
            _read_text_file(value)
        return value

    @property
    def drafts_enabled(self) -> bool:
        """Reply drafts are on: AI_API_URL is set (and so, then, is AI_MODEL)."""
        return bool(self.ai_api_url)

    def read_ai_instructions(self) -> str:
        """The seller's instructions for drafts from AI_INSTRUCTIONS ("" when it is not set).

        Read anew on each call, so an edited file applies to the next draft; a file gone or
        spoilt since the start raises `ValueError` saying so."""
        return "" if self.ai_instructions is None else _read_text_file(self.ai_instructions)


def _read_text_file(path: Path) -> str:
    """The file's text; `ValueError` saying what is wrong when it cannot be read as UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problem = "does not exist"
    except IsADirectoryError:
        problem = "is a directory"
    except PermissionError:
        problem = "cannot be read (permission denied)"
    except UnicodeDecodeError:
        problem = "is not UTF-8 text"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or type(exc).__name__})"
    raise ValueError(
        f"expected a readable text file with the seller's instructions for drafts: {path} {problem}"
    )
