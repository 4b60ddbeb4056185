"""Running the web app under uvicorn: worker processes, trusted proxies, logging in every process.

uvicorn is given an import string and ``factory=True`` (an app object cannot be handed to worker
processes: uvicorn refused with exit status 3 whenever ``WEB_CONCURRENCY`` was set). Each worker
process imports :func:`app_factory`, which reads the settings and sets up logging itself, because
uvicorn starts its workers with ``spawn`` and they inherit nothing but the environment.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from ``FAMSBOT_TRUSTED_PROXIES``
(the platform's router). uvicorn's own default trusts loopback, so a process on the same machine
could claim any address and spread the staff login throttle onto others; we trust nobody unless told.
"""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI

from famsbot.app import create_app
from famsbot.config import Settings, get_settings
from famsbot.logs import configure_logging
from famsbot.observability import instrument_app, start_error_reporting

__all__ = ["APP_FACTORY", "app_factory", "serve"]

APP_FACTORY = "famsbot.server:app_factory"

log = logging.getLogger(__name__)


def app_factory() -> FastAPI:
    """What each uvicorn worker process calls: the app, built from the environment."""
    settings = get_settings()
    configure_logging(settings.log_format)
    start_error_reporting(settings)
    app = create_app(settings)
    instrument_app(app)
    return app


def web_processes(settings: Settings, requested: int | None) -> int:
    """How many worker processes to run: ``--workers``, else ``WEB_CONCURRENCY``; one on SQLite.

    On the embedded default each web process also delivers the outbox and runs the periodic jobs
    in-process, and SQLite takes one writer at a time: more processes would pace sends separately
    (each at the full rate) and run every periodic job once per process.
    """
    workers = requested if requested is not None else settings.web_concurrency
    if workers > 1 and settings.is_sqlite:
        log.warning("SQLite: running 1 web process, not %d (use PostgreSQL for more)", workers)
        return 1
    return max(1, workers)


def serve(settings: Settings, *, host: str, port: int, workers: int | None = None) -> None:
    """Run the app until SIGTERM/SIGINT (blocks)."""
    proxies = list(settings.trusted_proxies)
    uvicorn.run(
        APP_FACTORY, factory=True, host=host, port=port, workers=web_processes(settings, workers),
        proxy_headers=bool(proxies), forwarded_allow_ips=proxies, log_config=None, log_level="info",
        server_header=False,
    )  # fmt: skip
