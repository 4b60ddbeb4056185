"""Typed dependencies: what a route may ask for, taken from ``app.state`` (set up by ``create_app``)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from famsbot.clock import Clock
from famsbot.config import Settings
from famsbot.content.loader import Content
from famsbot.dialogue.engine import Engine
from famsbot.store.database import Database

__all__ = ["ClockDep", "ContentDep", "DbDep", "EngineDep", "SettingsDep"]


def get_db(request: Request) -> Database:
    return cast(Database, request.app.state.db)


def get_engine(request: Request) -> Engine:
    return cast(Engine, request.app.state.engine)


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_clock(request: Request) -> Clock:
    return cast(Clock, request.app.state.clock)


def get_content(request: Request) -> Content:
    return cast(Content, request.app.state.content)


DbDep = Annotated[Database, Depends(get_db)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
ContentDep = Annotated[Content, Depends(get_content)]
