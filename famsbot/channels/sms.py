"""SMS through Twilio: the inbound webhook answers with TwiML; status callbacks record receipts.

Both routes check ``X-Twilio-Signature`` against the *configured* public URL (``FAMSBOT_PUBLIC_URL``
+ path + query), never the URL this process sees: behind a proxy those differ, and trusting the
request's own Host would let anyone choose what the signature is checked against
(engineering-notes §4.1). A bad or missing signature is refused with 403.

The replies go back in the webhook's response, one ``<Message>`` per SMS, rendered for SMS
(numbered options, GSM-7) and packed so that a turn costs as few segments as possible
(``channels.packing``). A repeated ``MessageSid`` is handled once: the engine de-duplicates it and
the repeat gets the replies stored with the first delivery (a crash between commit and answer
must not leave a family without their reference).

Twilio does not retry an inbound webhook that answered (and a non-2xx answer would lose the TwiML,
the emergency route with it). So when the database cannot take a message, the answer is still
200: the emergency route for an urgent message, and a line saying the message is kept and will
be passed on (never "saved"); the message waits in the spool (``dialogue.spool``) and is replayed
when the database is back, its replies then sent through the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from famsbot.channels.packing import sms_messages
from famsbot.clock import SystemClock
from famsbot.config import Settings
from famsbot.delivery.receipts import record_receipt
from famsbot.delivery.twilio import STATUS_PATH
from famsbot.dialogue.messages import Inbound
from famsbot.sms_text import segments
from famsbot.web.deps import DbDep, EngineDep, SettingsDep

__all__ = ["INBOUND_PATH", "STATUS_PATH", "router", "twiml"]

log = logging.getLogger(__name__)
INBOUND_PATH = "/webhooks/twilio/sms"
SIGNATURE_HEADER = "X-Twilio-Signature"

router = APIRouter()


def twiml(bodies: Sequence[str]) -> str:
    """``<Response>`` with one ``<Message>`` per body (none: Twilio sends nothing)."""
    response = MessagingResponse()
    for body in bodies:
        response.message(body)
    return str(response)


async def _signed_form(request: Request, settings: Settings, path: str) -> FormData | None:
    """The posted form if Twilio signed it for our public URL, else ``None``."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not (signature and settings.public_url and settings.twilio_auth_token):
        return None
    url = settings.public_url.rstrip("/") + path
    if request.url.query:
        url += "?" + request.url.query
    form = await request.form()
    if not RequestValidator(settings.twilio_auth_token).validate(url, form, signature):
        return None
    return form


@router.post(INBOUND_PATH)
async def inbound_sms(request: Request, settings: SettingsDep, engine: EngineDep) -> Response:
    """A text from a family member: handle it, answer with the replies as TwiML."""
    form = await _signed_form(request, settings, INBOUND_PATH)
    if form is None:
        return Response("invalid signature", status_code=403)
    sender, sid = str(form.get("From") or ""), form.get("MessageSid")
    if not sender:
        return Response(twiml([]), media_type="application/xml")
    outcome = await engine.take(
        Inbound("sms", sender, str(form.get("Body") or ""), provider_id=str(sid) if sid else None)
    )
    if not outcome.stored:
        log.warning("sms %s: the database could not take it; kept in the %s", sid, outcome.kept)
    bodies = sms_messages(outcome.replies)
    log.debug("sms reply: %d message(s), %d segment(s)", len(bodies), sum(segments(b) for b in bodies))
    return Response(twiml(bodies), media_type="application/xml")


@router.post(STATUS_PATH)
async def sms_status(request: Request, settings: SettingsDep, db: DbDep) -> Response:
    """A delivery receipt for a message we sent: move its outbox row forward (never back)."""
    form = await _signed_form(request, settings, STATUS_PATH)
    if form is None:
        return Response("invalid signature", status_code=403)
    outbox = request.query_params.get("outbox", "")
    await record_receipt(
        db,
        sid=str(form.get("MessageSid") or ""),
        status=str(form.get("MessageStatus") or ""),
        error_code=str(form["ErrorCode"]) if form.get("ErrorCode") else None,
        outbox_id=int(outbox) if outbox.isdigit() else None,
        now=SystemClock().now(),
    )
    return Response(status_code=204)
