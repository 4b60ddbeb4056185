"""``famsbot serve`` as a real process on a free port, for tests that kill it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

__all__ = ["Served"]

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """One ``famsbot serve`` process (or the crashing variant) on a free port."""

    def __init__(self, env: dict[str, str], *, crashing: bool) -> None:
        self.port = _free_port()
        module = "tests.support.crashing_serve" if crashing else "famsbot.cli"
        args = [] if crashing else ["serve"]
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", module, *args, "--port", str(self.port)], env={**os.environ, **env}, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(self.url + "/healthz")
                return
            except httpx.TransportError:
                assert self.process.poll() is None, self.process.communicate()[0]
                assert time.monotonic() < deadline, "famsbot serve did not start"
                time.sleep(0.2)

    def kill(self) -> int:
        """``kill -9``: no shutdown, no cleanup, as a crash or an OOM kill."""
        self.process.kill()
        return self.process.wait(timeout=30)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.communicate(timeout=30)[0]


