"""``python -m famsbot``: the ``famsbot`` command, for platforms that install only requirements.txt."""

from __future__ import annotations

from famsbot.cli import main

raise SystemExit(main())
