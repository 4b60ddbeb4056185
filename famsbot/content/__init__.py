"""Sourced facts and wording, as data: ``prisons/*.yaml``, ``national.yaml`` and ``texts/<lang>/*.yaml``.

Wording lives here, not in Python. Every fact names its source (a seed file or a public page).
"""

from __future__ import annotations

from famsbot.content.loader import Content, Texts, get_content, load_content

__all__ = ["Content", "Texts", "get_content", "load_content"]
