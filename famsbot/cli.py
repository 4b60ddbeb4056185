"""The ``famsbot`` command: chat in the terminal, serve, run the worker, migrate, check content.

Each sub-command is a plain function taking the parsed arguments and returning an exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from famsbot.config import get_settings
from famsbot.errors import ConfigError, ContentError
from famsbot.prisons_cli import add_import_command, add_prisons_commands
from famsbot.staff.cli import add_staff_commands

__all__ = ["main"]

Command = Callable[[argparse.Namespace], int]


def _chat(args: argparse.Namespace) -> int:
    from famsbot.channels.console import run_console
    from famsbot.channels.console_outbox import chat_delivery
    from famsbot.dialogue.engine import Engine
    from famsbot.store.migrate import open_database

    async def run() -> None:
        settings = get_settings()
        db = await open_database(settings.database_url)
        try:
            async with chat_delivery(db, settings, channel=args.channel, address=args.sender, out=sys.stdout):
                await run_console(Engine(db, settings), channel=args.channel, address=args.sender, prison=args.prison,
                                  stdin=sys.stdin, stdout=sys.stdout)  # today's streams, not import time's
        finally:
            await db.dispose()

    asyncio.run(run())
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from famsbot.store.database import Database
    from famsbot.store.migrate import upgrade

    async def run() -> None:
        db = Database(get_settings().database_url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    asyncio.run(run())
    print("database is up to date")
    return 0


def _content_check(args: argparse.Namespace) -> int:
    from famsbot.content.checks import check_all, check_notes

    root = Path(args.root) if args.root else None
    problems = check_all(root)
    for note in check_notes(root):
        print(f"note: {note}")  # reported, never failing: e.g. Welsh awaiting a native speaker
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"content check failed: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("content is valid")
    return 0


def _flows(args: argparse.Namespace) -> int:
    from famsbot.flows.diagrams import render_all

    documents = render_all()
    if args.write:
        out = Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        for name, markdown in documents.items():
            (out / f"{name}.md").write_text(markdown, encoding="utf-8")
        print(f"wrote {len(documents)} diagrams to {out}")
    else:
        print("\n".join(documents.values()))
    return 0


def _long_running() -> None:
    """For the commands that run the service: log to stderr (text or JSON, libraries at warnings);
    PTB's timedelta durations (we handle them, and PTB otherwise warns on every flood-control answer)."""
    from famsbot.logs import configure_logging

    configure_logging(get_settings().log_format)
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # inherited by the web worker processes too


def _serve(args: argparse.Namespace) -> int:
    from famsbot.server import serve

    _long_running()
    serve(get_settings(), host=args.host, port=args.port, workers=args.workers)
    return 0


def _worker(args: argparse.Namespace) -> int:
    from famsbot.observability import start_error_reporting
    from famsbot.worker.run import run_worker

    _long_running()
    start_error_reporting(get_settings())
    asyncio.run(run_worker(get_settings(), concurrency=args.concurrency))
    return 0


def _status(args: argparse.Namespace) -> int:
    import json

    from famsbot.clock import SystemClock
    from famsbot.health import check
    from famsbot.store.database import Database

    async def look() -> dict[str, object]:
        db = Database(get_settings().database_url)
        try:
            return (await check(db, SystemClock().now())).as_json()
        finally:
            await db.dispose()

    found = asyncio.run(look())
    if args.json:
        print(json.dumps(found, indent=2))
    else:
        for key, value in found.items():
            print(f"{key}: {'-' if value is None else value}")
    return 0 if found["status"] == "ready" else 1


def _telegram_set_webhook(args: argparse.Namespace) -> int:
    from famsbot.channels.telegram_admin import set_webhook

    settings = get_settings()
    if args.if_configured and not settings.telegram_enabled:
        print("Telegram is not configured (no TELEGRAM_BOT_TOKEN): no webhook to set")
        return 0
    print(f"Telegram webhook set to {asyncio.run(set_webhook(settings))}")
    return 0


def _telegram_poll(args: argparse.Namespace) -> int:
    from famsbot.channels.telegram_admin import poll

    _long_running()
    print("polling Telegram for updates; Ctrl-C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(poll(get_settings(), delete_webhook=args.delete_webhook))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="famsbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    chat = commands.add_parser("chat", help="talk to the bot in the terminal (reads stdin, prints replies)")
    chat.add_argument("--channel", choices=["console", "sms", "telegram"], default="console",
                      help="render replies as this channel would")
    chat.add_argument("--prison", help="start with this prison chosen (maidstone, stoke-heath, chelmsford)")
    chat.add_argument("--from", dest="sender", default="console", help="who you are (keeps your place)")
    chat.set_defaults(run=_chat)

    db = commands.add_parser("db", help="database commands").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(run=_db_upgrade)

    content = commands.add_parser("content", help="content commands").add_subparsers(dest="content_command",
                                                                                       required=True)
    check = content.add_parser("check", help="validate all content; exit 1 on any problem")
    check.add_argument("--root", metavar="DIR", help="check a draft content folder instead of the installed one")
    check.set_defaults(run=_content_check)
    add_import_command(content)

    serve = commands.add_parser("serve", help="run the web app: webhooks, staff console, health")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=os.environ.get("PORT") or "8000",
                       help="default: PORT (set by platforms and the Docker image), else 8000")
    serve.add_argument("--workers", type=int, default=None,
                       help="web worker processes (default: WEB_CONCURRENCY, else 1; always 1 on SQLite)")
    serve.set_defaults(run=_serve)

    worker = commands.add_parser("worker", help="deliver the outbox and run periodic jobs (escalations, retention)")
    worker.add_argument("--concurrency", type=int, default=16, help="sends in flight at once, per channel")
    worker.set_defaults(run=_worker)

    status = commands.add_parser("status", help="what /readyz says: ready?, version, oldest undelivered, worker")
    status.add_argument("--json", action="store_true", help="print it as JSON")
    status.set_defaults(run=_status)

    telegram = commands.add_parser("telegram", help="Telegram bot commands").add_subparsers(
        dest="telegram_command", required=True)
    set_webhook = telegram.add_parser("set-webhook", help="point Telegram at FAMSBOT_PUBLIC_URL/webhooks/telegram")
    set_webhook.add_argument("--if-configured", action="store_true", help="do nothing (exit 0) without a token")
    set_webhook.set_defaults(run=_telegram_set_webhook)
    poll = telegram.add_parser("poll", help="local development: take updates with getUpdates instead of a webhook")
    poll.add_argument("--delete-webhook", action="store_true",
                      help="remove a webhook that is set (a deployed bot then stops receiving updates)")
    poll.set_defaults(run=_telegram_poll)

    flows = commands.add_parser("flows", help="draw every flow as a Mermaid diagram")
    flows.add_argument("--write", metavar="DIR", help="write one Markdown file per flow into DIR")
    flows.set_defaults(run=_flows)

    add_staff_commands(commands)
    add_prisons_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run: Command = args.run
    try:
        return run(args)
    except (ConfigError, ContentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
