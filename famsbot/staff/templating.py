"""Rendering console pages: one Jinja2 environment (autoescaped) with the console's filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from famsbot import __version__
from famsbot.content.prison_contact import prison_names
from famsbot.staff.formatting import humanise, london, london_time, london_time_short
from famsbot.staff.navigation import nav_for
from famsbot.staff.sessions import Signed

__all__ = ["is_htmx", "render"]

TEMPLATES = Path(__file__).parent / "templates"

_templates = Jinja2Templates(directory=TEMPLATES)
_templates.env.filters.update(humanise=humanise, london=london, london_time=london_time,
                               london_time_short=london_time_short)
_templates.env.globals.update(
    version=__version__,
    role_labels={"safer_custody": "Safer custody", "pact": "PACT", "admin": "Admin", "triage": "Triage"},
    status_labels={"open": "Open (new and acknowledged)", "new": "New", "acknowledged": "Acknowledged",
                   "closed": "Closed", "all": "All"},
)


def is_htmx(request: Request) -> bool:
    """Was this request made by htmx (it then wants a fragment, not a whole page)?"""
    return request.headers.get("HX-Request") == "true"


def render(request: Request, name: str, *, signed: Signed | None = None, status_code: int = 200,
           **context: Any) -> Response:
    """A template with what every page needs: who is signed in, their CSRF token and navigation."""
    content = getattr(request.app.state, "content", None)
    context.setdefault("prison_names", prison_names(content) if content else {})
    if signed is not None:
        context.update(staff=signed.staff, csrf_token=signed.csrf_token, nav=nav_for(signed.staff))
    return _templates.TemplateResponse(request, name, context, status_code=status_code)
