"""``famsbot serve`` that kills itself (SIGKILL) between a turn's commit and its reply.

Run as ``python -m tests.support.crashing_serve --port N``: exactly the real command, except that
the first function each webhook calls once the engine has committed (rendering the TwiML;
sending the Telegram replies) is replaced by ``kill -9`` of this process. The crash therefore
lands in the one window where a family's turn is stored but they have not been answered, every
time, without timing luck.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import NoReturn

import famsbot.channels.sms
import famsbot.channels.telegram
from famsbot.cli import main


def _die(*args: object, **kwargs: object) -> NoReturn:
    os.kill(os.getpid(), signal.SIGKILL)
    raise SystemExit(137)  # not reached


if __name__ == "__main__":
    famsbot.channels.sms.sms_messages = _die  # type: ignore[assignment]
    famsbot.channels.telegram.send_replies = _die  # type: ignore[assignment]
    sys.exit(main(["serve", *sys.argv[1:]]))
