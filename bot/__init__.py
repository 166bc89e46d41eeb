"""ozon-telegram-bridge: Ozon buyer chats as topics of a Telegram forum supergroup."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ozon-telegram-bridge")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.1.0"
