"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238, via pyotp).

Optional per account: someone turns it on from "Your account" by scanning the secret into an app
and typing one code back (so a mistyped secret cannot lock them out). From then on a correct
password is not enough: the sign-in asks for the current six-digit code. A code is accepted for
the 30-second step before and after the current one, for phones whose clocks drift.
"""

from __future__ import annotations

from datetime import datetime

import pyotp

__all__ = ["ISSUER", "code_ok", "current_code", "new_secret", "provisioning_uri"]

ISSUER = "famsbot staff"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` address an authenticator app reads (typed in, or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def code_ok(secret: str, code: str, now: datetime) -> bool:
    """Is ``code`` (spaces allowed) the code for ``now``, or the step either side of it?"""
    code = "".join(code.split())
    return len(code) == 6 and code.isdigit() and pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1)


def current_code(secret: str, now: datetime) -> str:
    """The code an app shows at ``now`` (tests and the set-up page's self-check use it)."""
    return pyotp.TOTP(secret).at(now)

