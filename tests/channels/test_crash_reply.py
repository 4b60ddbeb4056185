"""``kill -9`` of ``famsbot serve`` between commit and reply: the provider's retry still gets the answer.

The first server is the real command, killed by SIGKILL at the moment the turn has committed and
the reply has not been written (``tests.support.crashing_serve``). Twilio or Telegram then deliver
the same message again (same ``MessageSid``, same ``update_id``) to a fresh ``famsbot serve``: the
family is told their reference, and the concern exists once.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from famsbot.channels.sms import INBOUND_PATH
from famsbot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH
from famsbot.store.database import Database
from famsbot.store.models import Concern, Outbox
from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import FakeTwilio, sign_twilio_request
from tests.support.processes import KillableServe
from tests.support.rows import all_rows
from tests.support.webhooks import PUBLIC_URL, WEBHOOK_SECRET, twiml_messages

URGENT = "my son says he will kill himself tonight"


def _sms(server: KillableServe, twilio: FakeTwilio, fields: dict[str, str]) -> httpx.Response:
    signature = sign_twilio_request(PUBLIC_URL + INBOUND_PATH, fields, twilio.auth_token)
    return httpx.post(server.url + INBOUND_PATH, data=fields, headers={"X-Twilio-Signature": signature}, timeout=30)


def _update(server: KillableServe, update: dict[str, object]) -> httpx.Response:
    return httpx.post(server.url + WEBHOOK_PATH, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}, timeout=30)


async def test_a_retry_after_a_kill_between_commit_and_reply_gets_the_reference(
    db: Database, telegram: FakeTelegram, twilio: FakeTwilio, tmp_path: Path
) -> None:
    env = {
        "FAMSBOT_DATABASE_URL": db.url, "FAMSBOT_PUBLIC_URL": PUBLIC_URL, "FAMSBOT_SPOOL_DIR": str(tmp_path / "spool"),
        "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "TWILIO_FROM": twilio.number, "TWILIO_API_URL": twilio.url, "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, "TELEGRAM_API_URL": telegram.bot_url,
    }  # fmt: skip
    sms = twilio.user_sms("+447700900555", URGENT)
    update = telegram.user_message(6100, URGENT)

    for send in (lambda s: _sms(s, twilio, sms), lambda s: _update(s, update)):
        crashing = KillableServe(env, crashing=True)
        with pytest.raises(httpx.TransportError):  # killed mid-request: Twilio and Telegram see no answer
            send(crashing)
        assert crashing.process.wait(timeout=30) == -9
    assert len(await all_rows(db, Concern)) == 2  # both turns committed before the kill
    assert telegram.sent(6100) == []  # ... and nobody was answered

    server = KillableServe(env, crashing=False)
    try:
        sms_again, update_again = _sms(server, twilio, sms), _update(server, update)
    finally:
        server.stop()

    concerns = {concern.channel: concern for concern in await all_rows(db, Concern)}
    assert len(concerns) == 2  # the retries were not handled twice
    assert sms_again.status_code == update_again.status_code == 200
    texts = twiml_messages(sms_again.text)
    assert "call 999" in texts[0]
    assert any(concerns["sms"].reference in text for text in texts)
    assert any(concerns["telegram"].reference in text for text in telegram.sent(6100))
    assert len(await all_rows(db, Outbox, kind="alert")) == 2  # one alert each, not two
