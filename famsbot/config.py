"""The one Settings class: everything configurable, read from the environment once.

The embedded default (SQLite file, console chat, no channels) needs no environment variables at
all. A channel whose credentials are absent is simply off. Validators refuse configurations that
would be unsafe in production rather than letting them fail later (a placeholder secret, Twilio
on without the public URL its signatures are checked against).
"""

from __future__ import annotations

import ipaddress
import json
from datetime import time
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from famsbot.errors import ConfigError

__all__ = ["AlertTarget", "Settings", "get_settings", "strong_secret"]

PLACEHOLDER_SECRETS = {"", "changethis", "change-me", "secret", "development-only-secret"}
DEV_SECRET = "development-only-secret"  # noqa: S105 - refused outside development by the validator

# A production secret key: long, varied, and not a word someone typed in. secrets.token_urlsafe(48) passes.
SECRET_MIN_LENGTH = 32
# 8 different characters refuse a repeated stand-in ("abc" * 11) but not a random key: with 12, one
# in 60 keys from secrets.token_hex(16) (128 random bits, a common recipe) was refused.
SECRET_MIN_DISTINCT = 8
SECRET_DENIED_WORDS = (
    "change", "placeholder", "example", "secret", "password", "passw0rd", "famsbot", "development", "default",
    "qwerty", "letmein", "12345", "xxxxx",
)  # fmt: skip
SECRET_ADVICE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'  # noqa: S105 - how to make one


def _env(*names: str) -> Any:
    return AliasChoices(*names)


class AlertTarget(BaseModel):
    """Where a prison's safer custody (or duty) alerts go: a Telegram staff chat, an SMS number, or both."""

    telegram_chat_id: str | None = None
    sms: str | None = None


class Settings(BaseSettings):
    """famsbot configuration. Field names are used in code; the environment names are the contract."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias=_env("FAMSBOT_ENV")
    )
    database_url: str = Field(
        "sqlite+aiosqlite:///./famsbot.db", validation_alias=_env("FAMSBOT_DATABASE_URL", "DATABASE_URL")
    )
    public_url: str | None = Field(None, validation_alias=_env("FAMSBOT_PUBLIC_URL"))
    secret_key: str = Field(DEV_SECRET, validation_alias=_env("FAMSBOT_SECRET_KEY"))

    telegram_bot_token: str | None = Field(None, validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    telegram_webhook_secret: str | None = Field(None, validation_alias=_env("TELEGRAM_WEBHOOK_SECRET"))
    telegram_api_url: str = Field("https://api.telegram.org/bot", validation_alias=_env("TELEGRAM_API_URL"))

    twilio_account_sid: str | None = Field(None, validation_alias=_env("TWILIO_ACCOUNT_SID"))
    twilio_auth_token: str | None = Field(None, validation_alias=_env("TWILIO_AUTH_TOKEN"))
    twilio_from: str | None = Field(None, validation_alias=_env("TWILIO_FROM"))
    twilio_api_url: str = Field("https://api.twilio.com", validation_alias=_env("TWILIO_API_URL"))

    # Where a message is kept when the database cannot take it (``dialogue.spool``): a persistent
    # directory on the machine that runs ``famsbot serve``.
    spool_dir: str = Field("./famsbot-spool", validation_alias=_env("FAMSBOT_SPOOL_DIR"))

    # Conversation behaviour.
    resume_after_hours: float = Field(24.0, validation_alias=_env("FAMSBOT_RESUME_AFTER_HOURS"))

    # Safer custody: where alerts go, and when unacknowledged concerns escalate.
    alert_targets: Annotated[dict[str, AlertTarget], NoDecode] = Field(
        default_factory=dict, validation_alias=_env("FAMSBOT_ALERT_TARGETS")
    )
    duty_targets: Annotated[dict[str, AlertTarget], NoDecode] = Field(
        default_factory=dict, validation_alias=_env("FAMSBOT_DUTY_TARGETS")
    )
    # Who has the national triage target ("*" in FAMSBOT_ALERT_TARGETS), as families are told it.
    triage_team: str = Field("the famsbot duty team", validation_alias=_env("FAMSBOT_TRIAGE_TEAM"))
    urgent_ack_minutes: float = Field(15.0, validation_alias=_env("FAMSBOT_URGENT_ACK_MINUTES"))
    concern_ack_hours: float = Field(24.0, validation_alias=_env("FAMSBOT_CONCERN_ACK_HOURS"))

    # Broadcasts and delivery.
    quiet_hours_start: time = Field(time(21, 0), validation_alias=_env("FAMSBOT_QUIET_HOURS_START"))
    quiet_hours_end: time = Field(time(8, 0), validation_alias=_env("FAMSBOT_QUIET_HOURS_END"))
    sms_per_second: float = Field(1.0, validation_alias=_env("FAMSBOT_SMS_PER_SECOND"))
    telegram_per_second: float = Field(30.0, validation_alias=_env("FAMSBOT_TELEGRAM_PER_SECOND"))
    telegram_per_chat_per_second: float = Field(1.0, validation_alias=_env("FAMSBOT_TELEGRAM_PER_CHAT_PER_SECOND"))

    # Running the service.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias=_env("FAMSBOT_TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS")
    )
    web_concurrency: int = Field(1, ge=1, validation_alias=_env("WEB_CONCURRENCY"))
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("FAMSBOT_LOG_FORMAT"))
    sentry_dsn: str | None = Field(None, validation_alias=_env("SENTRY_DSN"))

    @field_validator("alert_targets", "duty_targets", mode="before")
    @classmethod
    def _parse_targets(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_proxies(cls, value: Any) -> Any:
        # "10.0.0.1, 10.1.0.0/16" or "*"; uvicorn would quietly treat a typo as a host name that never matches.
        items = [item.strip() for item in value.split(",")] if isinstance(value, str) else list(value)
        items = [item for item in items if item]
        for item in items:
            if item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"FAMSBOT_TRUSTED_PROXIES: {item!r} is not an IP address or network") from None
        return tuple(items)

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        # Hosting platforms hand out postgres:// URLs; we need the async psycopg driver.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        # Messages name the setting, never its value: they end up in a platform's release log.
        if self.environment == "production" and self.secret_key in PLACEHOLDER_SECRETS:
            raise ValueError(f"FAMSBOT_SECRET_KEY must be set to a real secret in production: {SECRET_ADVICE}")
        if self.environment == "production" and not strong_secret(self.secret_key):
            raise ValueError(
                f"FAMSBOT_SECRET_KEY is too weak for production (at least {SECRET_MIN_LENGTH} random characters,"
                f" no words or placeholders): {SECRET_ADVICE}"
            )
        if self.environment == "production" and not (self.public_url or "").startswith("https://"):
            raise ValueError("FAMSBOT_PUBLIC_URL must be the service's https:// address in production")
        if self.twilio_enabled and not self.public_url:
            raise ValueError("Twilio is on but FAMSBOT_PUBLIC_URL is not set: signatures cannot be checked")
        if self.telegram_bot_token and self.environment == "production" and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be set when Telegram is on in production")
        return self

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_transport(self) -> bool:
        """Production: cookies are ``Secure`` and responses carry HSTS, whatever URL a proxy shows us."""
        return self.environment == "production"


def strong_secret(value: str) -> bool:
    """Long, made of many different characters, and containing no word a person would type as a stand-in."""
    lowered = value.lower()
    return (
        len(value) >= SECRET_MIN_LENGTH
        and len(set(value)) >= SECRET_MIN_DISTINCT
        and not any(word in lowered for word in SECRET_DENIED_WORDS)
    )


def _describe(error: ErrorDetails) -> str:
    """One problem, by environment variable, without the value: pydantic's own text quotes the input
    (every setting, secrets included, for a check across settings)."""
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:
        return message
    field = Settings.model_fields.get(str(error["loc"][0]))
    alias = field.validation_alias if field else None
    name = alias.choices[0] if isinstance(alias, AliasChoices) else str(error["loc"][0])
    return f"{name}: {message}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors(include_input=False, include_url=False)]
        raise ConfigError("; ".join(problems)) from None
