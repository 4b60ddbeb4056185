"""``famsbot staff add`` and ``famsbot staff revoke``, run as an operator would run them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from famsbot.staff.passwords import verify_password

PASSWORD = "a long enough password"


def famsbot(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAMSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}"}
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "famsbot.cli", *args], input=stdin, capture_output=True, text=True, env=env,
        cwd=tmp_path, timeout=120, check=False,
    )


def accounts(tmp_path: Path) -> list[tuple[str, str, str | None, str, int]]:
    with sqlite3.connect(tmp_path / "staff.db") as conn:
        query = "SELECT email, role, prison_id, password_hash, active FROM staffuser ORDER BY id"
        return conn.execute(query).fetchall()


def test_staff_add_creates_an_account_with_an_argon2_hash(tmp_path: Path) -> None:
    run = famsbot(tmp_path, "staff", "add", "--email", "SC@Maidstone.test", "--role", "safer_custody",
                  "--prison", "maidstone", "--password-stdin", stdin=PASSWORD + "\n")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "created safer_custody account sc@maidstone.test for maidstone"
    admin = famsbot(tmp_path, "staff", "add", "--email", "admin@famsbot.test", "--role", "admin", "--password-stdin",
                    stdin=PASSWORD + "\n")
    assert admin.returncode == 0, admin.stderr
    [(email, role, prison, password_hash, active), (admin_email, admin_role, admin_prison, _, _)] = accounts(tmp_path)
    assert (email, role, prison, active) == ("sc@maidstone.test", "safer_custody", "maidstone", 1)
    assert password_hash.startswith("$argon2id$")
    assert verify_password(password_hash, PASSWORD)
    assert (admin_email, admin_role, admin_prison) == ("admin@famsbot.test", "admin", None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "safer_custody"], "a safer_custody account belongs to one prison: give --prison"),
        (["--role", "pact"], "a pact account belongs to one prison"),
        (["--role", "admin", "--prison", "maidstone"], "an admin sees every prison: give no --prison"),
        (["--role", "safer_custody", "--prison", "narnia"], "no prison 'narnia' in England and Wales"),
        (["--role", "pact", "--prison", "BNI"], "'BNI' has several sites: give one of bullingdon-convicted"),
        (["--role", "governor", "--prison", "maidstone"], "invalid choice: 'governor'"),
    ],
    ids=["safer-custody-without-prison", "pact-without-prison", "admin-with-prison", "unknown-prison",
         "code-of-several-sites", "unknown-role"],
)
def test_staff_add_refuses_role_and_prison_that_do_not_fit(tmp_path: Path, args: list[str], message: str) -> None:
    run = famsbot(tmp_path, "staff", "add", "--email", "x@famsbot.test", *args, "--password-stdin",
                  stdin=PASSWORD + "\n")
    assert run.returncode != 0
    assert message in run.stderr


def test_staff_add_refuses_a_short_password_and_a_duplicate(tmp_path: Path) -> None:
    base = ("staff", "add", "--email", "sc@maidstone.test", "--role", "safer_custody", "--prison", "maidstone",
            "--password-stdin")
    short = famsbot(tmp_path, *base, stdin="short\n")
    assert short.returncode == 1
    assert "at least 12 characters" in short.stderr
    assert famsbot(tmp_path, *base, stdin=PASSWORD + "\n").returncode == 0
    again = famsbot(tmp_path, *base, stdin=PASSWORD + "\n")
    assert again.returncode == 1
    assert "there is already an account for sc@maidstone.test" in again.stderr


def test_staff_revoke_ends_sessions_and_can_deactivate(tmp_path: Path) -> None:
    famsbot(tmp_path, "staff", "add", "--email", "sc@maidstone.test", "--role", "safer_custody", "--prison",
            "maidstone", "--password-stdin", stdin=PASSWORD + "\n")
    run = famsbot(tmp_path, "staff", "revoke", "--email", "sc@maidstone.test", "--deactivate")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ended 0 session(s) of sc@maidstone.test and deactivated the account"
    assert accounts(tmp_path)[0][4] == 0
    missing = famsbot(tmp_path, "staff", "revoke", "--email", "nobody@maidstone.test")
    assert missing.returncode == 1
    assert "no account for nobody@maidstone.test" in missing.stderr


def test_any_prison_in_the_directory_may_have_staff_named_by_id_or_nomis_code() -> None:
    from famsbot.staff.roles import account_problems, canonical_prison

    assert account_problems("safer_custody", "wormwood-scrubs") == []
    assert account_problems("pact", "WSI") == []
    assert canonical_prison("WSI") == "wormwood-scrubs"
    assert canonical_prison("msi") == "maidstone"
    assert canonical_prison("maidstone") == "maidstone"  # the seed ids keep working exactly
