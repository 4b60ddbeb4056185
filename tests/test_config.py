"""Configuration a deployer gets wrong: production refuses it with a message that names the setting and
never shows a secret (release logs are read by more people than the secrets are meant for)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from famsbot.cli import main
from famsbot.config import Settings, get_settings

STRONG = "kR2x9-Qv7LmZ_pW4tYb8NcE1uJ6hGdF3aSo0"
PRODUCTION = {"environment": "production", "public_url": "https://famsbot.example.org", "secret_key": STRONG}
TOKEN = "123456:AAHk3ZqvWm9PLrtXYZW9876"  # noqa: S105 - a made-up token to look for in the output


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A clean process environment; the cached settings are read again from it."""
    get_settings.cache_clear()
    monkeypatch.setenv("FAMSBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/c.db")
    yield monkeypatch
    get_settings.cache_clear()


def test_production_accepts_a_generated_secret_and_an_https_url() -> None:
    # The last: a real secrets.token_hex(16) with only 10 different characters, once refused (1 key in 60).
    for secret in (STRONG, secrets.token_urlsafe(48), secrets.token_hex(16), "ac4dd9a7d71798d83e17cdee74cda4dd"):
        assert Settings(**{**PRODUCTION, "secret_key": secret}).secure_transport


@pytest.mark.parametrize(
    "secret",
    ["a", "password", "changethis", "development-only-secret", "x" * 64, "PasswordPasswordPassword1234567890!",
     "my-super-secret-key-for-production-2026", "your-secret-key-here-please-change-it", "abc" * 11, "aB3$" * 4],
    ids=["a", "password", "placeholder", "dev-default", "one-letter", "a-word", "secret-phrase", "your-key",
         "repeated", "short"],
)  # fmt: skip
def test_production_refuses_a_weak_secret_key_without_showing_it(secret: str) -> None:
    with pytest.raises(ValueError, match="FAMSBOT_SECRET_KEY") as refused:
        Settings(**{**PRODUCTION, "secret_key": secret})
    assert "token_urlsafe" in str(refused.value)  # says how to make a good one


@pytest.mark.parametrize("url", [None, "http://famsbot.example.org", "famsbot.example.org"])
def test_production_refuses_a_public_url_that_is_not_https(url: str | None) -> None:
    with pytest.raises(ValueError, match="FAMSBOT_PUBLIC_URL must be the service's https:// address"):
        Settings(**{**PRODUCTION, "public_url": url})


def test_development_needs_nothing_and_sets_no_secure_transport() -> None:
    assert not Settings(secret_key="a", public_url="https://famsbot.example.org").secure_transport


def test_a_config_error_names_the_setting_and_prints_no_part_of_any_secret(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("FAMSBOT_ENV", "production")
    environment.setenv("FAMSBOT_PUBLIC_URL", "https://famsbot.example.org")
    environment.setenv("FAMSBOT_SECRET_KEY", STRONG)
    environment.setenv("TELEGRAM_BOT_TOKEN", TOKEN)  # on, but without its webhook secret: refused
    environment.setenv("TWILIO_AUTH_TOKEN", "twilioauthtokenvalue0987")

    assert main(["db", "upgrade"]) == 1

    err = capsys.readouterr().err
    assert "TELEGRAM_WEBHOOK_SECRET must be set" in err
    for secret in (TOKEN, STRONG, "twilioauthtokenvalue0987"):
        pieces = {secret[i : i + 6] for i in range(len(secret) - 5)}
        assert not [piece for piece in pieces if piece in err], err


def test_a_malformed_setting_is_named_by_its_environment_variable(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("WEB_CONCURRENCY", "lots")
    environment.setenv("FAMSBOT_SECRET_KEY", STRONG)

    assert main(["db", "upgrade"]) == 1

    err = capsys.readouterr().err
    assert "error: WEB_CONCURRENCY: Input should be a valid integer" in err
    assert "lots" not in err
    assert STRONG[:6] not in err
