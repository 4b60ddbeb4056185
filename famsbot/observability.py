"""Optional error reporting (Sentry) and tracing (OpenTelemetry): nothing is imported unless asked for.

``SENTRY_DSN`` turns on Sentry (``pip install 'famsbot[sentry]'``); ``OTEL_EXPORTER_OTLP_ENDPOINT``
(OpenTelemetry's own variable) turns on request tracing (``pip install 'famsbot[otel]'``). Unset,
neither package is imported and nothing runs. Set but not installed, the service says so once and
carries on: a missing extra must never stop a safeguarding service from starting.

Sentry is told to send no personal data: no request bodies, no local variables (a stack frame may
hold a family's words), no user or IP address.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Any

from fastapi import FastAPI

from famsbot.config import Settings

__all__ = ["instrument_app", "start_error_reporting"]

log = logging.getLogger(__name__)


def _optional(module: str, extra: str, setting: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        log.warning("%s is set but %s is not installed (pip install 'famsbot[%s]'): carrying on without it",
                    setting, module, extra)  # fmt: skip
        return None


def start_error_reporting(settings: Settings) -> bool:
    """Start Sentry when ``SENTRY_DSN`` is set; returns whether it started."""
    if not settings.sentry_dsn:
        return False
    sentry_sdk = _optional("sentry_sdk", "sentry", "SENTRY_DSN")
    if sentry_sdk is None:
        return False
    from famsbot import __version__

    sentry_sdk.init(
        dsn=settings.sentry_dsn, environment=settings.environment, release=f"famsbot@{__version__}",
        send_default_pii=False, include_local_variables=False, max_request_body_size="never",
    )  # fmt: skip
    return True


def instrument_app(app: FastAPI) -> bool:
    """Trace requests with OpenTelemetry when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set; returns whether it did."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return False
    instrumentation = _optional("opentelemetry.instrumentation.fastapi", "otel", "OTEL_EXPORTER_OTLP_ENDPOINT")
    if instrumentation is None:
        return False
    # The exporter, sampler and service name come from the standard OTEL_* variables; the
    # `opentelemetry-instrument` launcher or the SDK's auto-configuration sets up the provider.
    instrumentation.FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz")
    return True
