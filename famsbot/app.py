"""The ASGI app factory: it only wires things together (routes, shared state, start-up and shut-down).

``famsbot serve`` runs ``create_app()``. Everything a request needs is on ``app.state`` and reached
through the typed dependencies in ``famsbot.web.deps``: the database, the dialogue engine, the
settings, content and the clock.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from famsbot.clock import Clock, SystemClock
from famsbot.concerns.alerts import routing_gaps
from famsbot.config import Settings, get_settings
from famsbot.content.loader import Content, get_content
from famsbot.dialogue.engine import Engine
from famsbot.health import check
from famsbot.staff.hardening import install as install_console_guards
from famsbot.staff.routes import router as staff_router
from famsbot.store.migrate import open_database
from famsbot.web.body_limit import BodyLimit
from famsbot.web.channels import channels_running, include_webhooks
from famsbot.web.deps import DbDep
from famsbot.web.replay import replaying
from famsbot.web.transport import StrictTransport

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, content: Content | None = None
) -> FastAPI:
    """Build the app. Tests pass their own settings and clock; production reads the environment."""
    settings = settings or get_settings()
    clock = clock or SystemClock()
    content = content or get_content()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for gap in routing_gaps(settings, content.directory.ids):  # every prison a concern can be about
            log.warning("concern routing: %s", gap)
        db = await open_database(settings.database_url)
        app.state.db = db
        app.state.engine = engine = Engine(db, settings, content=content, clock=clock)
        try:
            async with (
                channels_running(app, settings, db, engine, content=content, clock=clock),
                replaying(engine),
            ):
                yield
        finally:
            await db.dispose()

    app = FastAPI(title="famsbot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.clock = clock
    app.state.content = content

    @app.get("/healthz")
    async def healthz(db: DbDep) -> JSONResponse:
        """200 when the database answers, 503 otherwise (for load balancers and uptime checks)."""
        if await db.ping():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    @app.get("/readyz")
    async def readyz(db: DbDep) -> JSONResponse:
        """200 when ready to serve (database reachable, migrations at head), 503 otherwise; with the
        version, commit, oldest undelivered outbox row's age and worker heartbeat (``famsbot.health``)."""
        readiness = await check(db, clock.now())
        return JSONResponse(readiness.as_json(), status_code=200 if readiness.ready else 503)

    app.add_middleware(BodyLimit)  # oversized bodies refused before any route reads them
    if settings.secure_transport:
        app.add_middleware(StrictTransport)
    include_webhooks(app, settings)  # Telegram and Twilio routes, for the channels that are configured
    app.include_router(staff_router, prefix="/staff")  # the console; its static files at /staff/static
    install_console_guards(app)  # security headers and error pages for everything under /staff
    return app
