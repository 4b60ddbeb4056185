"""``famsbot staff add`` and ``famsbot staff revoke``: managing console accounts from the shell.

Accounts are created here rather than in the console so that the first admin needs no
bootstrap page, and so that a password never travels through a web form someone else set up.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from famsbot.config import get_settings
from famsbot.staff.roles import ROLES

__all__ = ["add_staff_commands"]


def _say(text: str, *, error: bool = False) -> None:
    """Command output (this module is part of the CLI; ``print`` is kept to ``famsbot/cli.py`` by lint)."""
    stream = sys.stderr if error else sys.stdout
    stream.write(("error: " if error else "") + text + "\n")


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        _say("the passwords do not match", error=True)
        return None
    return password


def _add(args: argparse.Namespace) -> int:
    from famsbot.clock import SystemClock
    from famsbot.staff.accounts import AccountError, create_staff
    from famsbot.staff.roles import account_problems, canonical_prison
    from famsbot.store.migrate import open_database

    if problems := account_problems(args.role, args.prison):
        _say("; ".join(problems), error=True)
        return 1
    password = _read_password(args.password_stdin)
    if password is None:
        return 1

    async def run() -> str:
        db = await open_database(get_settings().database_url)
        try:
            async with db.transaction() as session:
                staff = await create_staff(session, email=args.email, role=args.role,
                                           prison_id=canonical_prison(args.prison),
                                           password=password, now=SystemClock().now())
                return staff.email
        finally:
            await db.dispose()

    try:
        email = asyncio.run(run())
    except AccountError as exc:
        _say(str(exc), error=True)
        return 1
    _say(f"created {args.role} account {email}" + (f" for {args.prison}" if args.prison else ""))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from famsbot.clock import SystemClock
    from famsbot.staff.accounts import find_staff, set_active
    from famsbot.staff.sessions import revoke_all
    from famsbot.store.migrate import open_database

    async def run() -> int | None:
        db = await open_database(get_settings().database_url)
        try:
            async with db.transaction() as session:
                staff = await find_staff(session, args.email)
                if staff is None or staff.id is None:
                    return None
                now = SystemClock().now()
                if args.deactivate:
                    return await set_active(session, staff, False, now)
                return await revoke_all(session, staff.id, now)
        finally:
            await db.dispose()

    ended = asyncio.run(run())
    if ended is None:
        _say(f"no account for {args.email}", error=True)
        return 1
    _say(f"ended {ended} session(s) of {args.email}" + (" and deactivated the account" if args.deactivate else ""))
    return 0


def add_staff_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``staff add`` and ``staff revoke`` on the ``famsbot`` command."""
    staff = commands.add_parser("staff", help="staff console accounts").add_subparsers(dest="staff_command",
                                                                                       required=True)
    add = staff.add_parser("add", help="create a staff account")
    add.add_argument("--email", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--prison", help="prison id or NOMIS code (maidstone, MSI); required for safer_custody and "
                                      "pact; not for admin")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.set_defaults(run=_add)

    revoke = staff.add_parser("revoke", help="sign a member of staff out everywhere")
    revoke.add_argument("--email", required=True)
    revoke.add_argument("--deactivate", action="store_true", help="also switch the account off")
    revoke.set_defaults(run=_revoke)
