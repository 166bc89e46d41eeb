"""The bridge's HTTP server: Ozon's push notifications and the health endpoints."""

from bot.web.server import WebServer

__all__ = ["WebServer"]
