"""The staff console at ``/staff``: safer custody's inbox of welfare concerns, and staff accounts.

``create_app`` includes ``famsbot.staff.routes.router`` with ``prefix="/staff"``. Signing in,
sessions, CSRF and throttling live in small modules here (``auth``, ``sessions``, ``csrf``,
``throttle``); what staff do with a concern lives in ``famsbot.concerns.actions``, so the routes
only translate HTTP. This package's own import stays light (no routes), so that
``famsbot.concerns`` can use ``famsbot.staff.roles`` without an import cycle.
"""
