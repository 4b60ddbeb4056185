"""``famsbot serve`` as a real process, as a platform runs it: its own environment, a port, SIGTERM to stop."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = ["KillableServe", "Served", "free_port", "serving"]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running ``famsbot serve``: its base URL and process; ``output`` (stdout and stderr) once stopped."""

    url: str
    process: subprocess.Popen[str]
    output: str = field(default="")

    def workers(self) -> set[int]:
        """The processes that served requests: one per "Started server process [pid]" line of uvicorn's."""
        return {int(pid) for pid in re.findall(r"Started server process \[(\d+)\]", self.output)}


@contextmanager
def serving(env: dict[str, str], *args: str, startup: float = 60.0, port_from_env: bool = False) -> Iterator[Served]:
    """Start ``famsbot serve`` with ``env`` added to ours, wait until /healthz answers, stop it on exit.

    The port is given with ``--port``, or as ``PORT`` in the environment (as platforms and the image do).
    """
    port = free_port()
    unset = ("FAMSBOT_", "WEB_CONCURRENCY", "FORWARDED_", "DATABASE_URL", "PORT")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(unset)}
    env = {"FAMSBOT_SPOOL_DIR": tempfile.mkdtemp(prefix="famsbot-spool-"), **env}  # never the work tree
    if port_from_env:
        env = {**env, "PORT": str(port)}
    else:
        args = ("--port", str(port), *args)
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "famsbot", "serve", *args],  # as the Procfile runs it
        env={**clean, **env}, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + startup
        while True:
            if process.poll() is not None:
                served.output = process.communicate()[0]
                raise AssertionError(f"famsbot serve exited with {process.returncode}:\n{served.output}")
            try:
                httpx.get(f"{served.url}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "famsbot serve did not start"
                time.sleep(0.2)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            served.output = process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            served.output = process.communicate()[0]


class KillableServe:
    """One ``famsbot serve`` process (or the crashing variant) on a free port."""

    def __init__(self, env: dict[str, str], *, crashing: bool) -> None:
        self.port = free_port()
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


