"""The command line: `python -m bot` (or `ozon-bridge`) runs the bridge; `check`, `health`,
`sandbox` and `push ...` do what their help says.

`health` runs every 30 s as the container's health check: it is answered before anything heavy is
imported (see `bot.probe`), so this module imports the bridge's pieces only when a command needs
them."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING

from bot import __version__

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    if given[:1] == ["health"]:
        from bot.probe import main as probe  # noqa: PLC0415 - the probe imports nothing heavy

        return probe(given[1:])
    return _run(given)


def _run(argv: list[str]) -> int:
    from bot.config import ConfigError, example_values_left  # noqa: PLC0415
    from bot.logs import setup_logging  # noqa: PLC0415

    args = _parser().parse_args(argv)
    try:
        settings = _settings(sandbox=args.command == "sandbox")
    except ConfigError as exc:
        _configuration_errors(str(exc).splitlines())
        return 2
    secrets = [settings.bot_token.get_secret_value(), settings.ozon_api_key.get_secret_value()]
    if settings.ai_api_key is not None:
        secrets.append(settings.ai_api_key.get_secret_value())
    setup_logging(settings.log_level, settings.log_format, secrets)

    if args.command == "check":
        from bot.check import run_check  # noqa: PLC0415 - each command loads only what it uses

        return asyncio.run(run_check(settings))
    if args.command == "push":
        from bot.push_admin import run_push_command  # noqa: PLC0415

        return asyncio.run(run_push_command(settings, args.action, getattr(args, "url", None)))
    sandbox = args.command == "sandbox"
    # The sandbox uses no Ozon credentials: only Telegram's must be real.
    examples = example_values_left(settings, ("bot_token", "forum_chat_id") if sandbox else None)
    if examples:
        _configuration_errors(examples)
        return 2
    return asyncio.run(_serve(settings, sandbox=sandbox))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Bridge Ozon buyer chats into topics of a Telegram forum supergroup.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bridge (the default)")
    sub.add_parser("check", help="verify the settings and both connections, then exit")
    health = sub.add_parser(
        "health", help="ask the running bridge whether it is alive (exit 0 when it is)"
    )
    health.add_argument("--ready", action="store_true", help="whether it is ready to work")
    sub.add_parser(
        "sandbox",
        help="try the bridge without Ozon: a built-in Ozon stand-in with simulated buyers "
        "(needs only BOT_TOKEN and FORUM_CHAT_ID)",
    )
    push = sub.add_parser("push", help="manage Ozon's push subscription for this bridge")
    push_actions = push.add_subparsers(dest="action", required=True)
    register = push_actions.add_parser("register", help="subscribe an https URL to chat events")
    register.add_argument("url")
    push_actions.add_parser("status", help="show registered URLs and their availability grade")
    unregister = push_actions.add_parser("unregister", help="remove a URL (all when none given)")
    unregister.add_argument("url", nargs="?")
    return parser


def _settings(*, sandbox: bool) -> Settings:
    from bot.config import load_settings  # noqa: PLC0415

    if sandbox:
        from bot.sandbox.run import sandbox_settings  # noqa: PLC0415

        return sandbox_settings()
    return load_settings()


def _configuration_errors(lines: list[str]) -> None:
    for line in lines:
        print(f"Configuration error: {line}", file=sys.stderr)


async def _serve(settings: Settings, *, sandbox: bool = False) -> int:
    from bot.app.bridge import BridgeFailed, run_bridge  # noqa: PLC0415
    from bot.config import ConfigError  # noqa: PLC0415
    from bot.core.faults import StorageError  # noqa: PLC0415
    from bot.sandbox.run import SandboxError, run_sandbox  # noqa: PLC0415

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if sandbox:
            await run_sandbox(settings, stop, run_bridge=run_bridge)
        else:
            await run_bridge(settings, stop)
    except ConfigError as exc:
        _configuration_errors(str(exc).splitlines())
        return 2
    except (StorageError, SandboxError, BridgeFailed) as exc:
        log.error("%s", exc)
        return 1
    log.info("stopped")
    return 0
