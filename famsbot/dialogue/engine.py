"""The dialogue engine: one message in, the replies out, everything in between in one transaction.

For each message, in this order::

    1. load the contact and conversation, locked; drop a message already handled (same provider id)
    2. risk gate: a message showing imminent risk to life gets the emergency route first, always
    3. STOP / START: opting out and back in win over everything else
    4. global words: menu, back, help, restart, forget me
    5. an engine-level question left open (carry on after a long silence? switch topic?)
    6. the current flow's question: read the answer, fire the flow's machine, ask the next question;
       a message that is not an answer is understood as a new request where possible
    7. save state, answers and every question/answer pair; commit with any concern or outbox rows

If handling fails, nothing is half-saved: the transaction rolls back, the message is kept (as a
failed inbound message, so staff can see it), and the person is told, kindly, to try again.

If the database cannot take even that (down, locked, cut off), the message goes to the spool on
this machine's disk (``dialogue.spool``) and is replayed through this same engine when the
database is back (``web.replay``); an urgent message still gets the emergency route at once, and
nobody is told "saved": :meth:`Engine.take` says where the message really is (``Outcome.kept``), so
each channel can answer its provider truthfully (Telegram: 503, so it retries). A replayed turn
queues its replies in the outbox, in the turn's own transaction, without the route given already.

The replies of every committed turn are stored with its message: a provider retrying after a crash
between commit and reply gets them again rather than nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from famsbot.clock import Clock, SystemClock, to_london
from famsbot.config import Settings
from famsbot.content.language import speaking
from famsbot.content.loader import Content, get_content
from famsbot.content.prison_contact import one_establishment
from famsbot.dialogue import followup, retract, status
from famsbot.dialogue import language as languages
from famsbot.dialogue.effects import EffectContext
from famsbot.dialogue.flow import Flow, FlowModel, TurnContext
from famsbot.dialogue.keywords import Command, read_command
from famsbot.dialogue.matching import match_option
from famsbot.dialogue.messages import Inbound, Option, Reply, storable_address
from famsbot.dialogue.outcome import Outcome
from famsbot.dialogue.reprompt import reprompt
from famsbot.dialogue.routing import route_text
from famsbot.dialogue.spool import Spool, Spooled
from famsbot.dialogue.steps import Accepted, Explain, Rejected, Step
from famsbot.dialogue.timing import timed_turn
from famsbot.dialogue.urgent import urgent_route
from famsbot.errors import FlowError
from famsbot.policy import answers, risk
from famsbot.policy.language import emergency_language
from famsbot.policy.prisons import PrisonMatch, find_prison
from famsbot.policy.risk_subject import split_signals
from famsbot.policy.text import tokens
from famsbot.store.conversations import (
    handled_before,
    load_locked,
    provider_key,
    reply_records,
    stored_replies,
)
from famsbot.store.database import Database
from famsbot.store.models import (
    Answer,
    Concern,
    ConsentRecord,
    Contact,
    Conversation,
    InboundMessage,
    Subscription,
)
from famsbot.store.outbox import enqueue

__all__ = ["Engine"]

log = logging.getLogger(__name__)
PRISON_CHOICES = "_prison_choices"  # flows.which_prison.CHOICES: the sites a shared name could mean
MISSES = "_misses"  # answers not understood in a row at this question
MAX_HOPS = 25  # steps skipped in a row because their answer is known; more means a loop in a flow


@dataclass
class _Turn:
    """The working copy of one conversation while one message is handled."""

    session: AsyncSession
    contact: Contact
    conversation: Conversation
    inbound: Inbound
    now: datetime
    flow: str
    state: str
    answers: dict[str, Any]
    history: list[str]
    pending: dict[str, Any] | None
    replies: list[Reply] = field(default_factory=list)
    forgotten: bool = False

    @property
    def is_new(self) -> bool:
        return self.conversation.version == 0


class Engine:
    """Handles messages for every channel; holds no conversation state of its own."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        content: Content | None = None,
        clock: Clock | None = None,
        flows: Mapping[str, Flow] | None = None,
    ) -> None:
        from famsbot.flows import FLOWS  # the flows import the dialogue building blocks

        self.db = db
        self.settings = settings
        self.content = content or get_content()
        self.clock = clock or SystemClock()
        self.flows = dict(flows or FLOWS)

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one message and return the replies to send back on its channel.

        Args:
            inbound: the message; ``provider_id`` de-duplicates a redelivery.

        Returns:
            The replies, in order; for a redelivery, the replies stored with the first delivery.
        """
        return (await self.take(inbound)).replies

    async def take(self, inbound: Inbound, *, replayed: bool = False) -> Outcome:
        """Handle one message and say where it is kept, so the channel can answer its provider truthfully.

        Args:
            inbound: the message; ``received_at`` (a replay from the spool) is used as "now".
            replayed: the message comes from the spool: its replies are queued in the outbox in
                the turn's transaction (no webhook is waiting for them), and an emergency route
                given at the time is not repeated.
        """
        now = inbound.received_at or self.clock.now()
        inbound = inbound.cleaned()
        inbound = replace(inbound, address=storable_address(inbound.address))
        with timed_turn(inbound.channel) as timing:
            try:
                async with self.db.transaction() as session:
                    outcome = await self._handle(session, inbound, now, replayed)
            except Exception as exc:
                log.exception("handling a %s message failed", inbound.channel)  # parameters are hidden: no words
                outcome = await self._after_failure(inbound, now, exc)
                timing.failed(outcome.replies)
                return outcome
            timing.answered(outcome.replies)
        self._settle_spooled(inbound)
        return outcome

    async def answered(self, inbound: Inbound) -> None:
        """The replies to ``inbound`` reached the person (a channel that can tell: Telegram's
        ``sendMessage`` answered): a later redelivery of it gets nothing more."""
        if inbound.provider_id is None:
            return
        async with self.db.transaction() as session:
            await session.exec(
                update(InboundMessage)
                .where(col(InboundMessage.channel) == inbound.channel,
                       col(InboundMessage.provider_id) == provider_key(inbound.channel, inbound.provider_id))
                .values(replies=[])
            )  # fmt: skip

    @property
    def spool(self) -> Spool:
        return Spool(self.settings.spool_dir)

    async def _after_failure(self, inbound: Inbound, now: datetime, exc: Exception) -> Outcome:
        """Keep the message and say so truthfully; an urgent message still gets the emergency route first.

        Even when the database is down: the route needs nothing stored, and a person at risk must
        not wait for a retry. The message is kept as a failed inbound row if the database takes
        it, else in the spool; only if both fail is it lost, and then the person is asked to send
        it again. The words are never written to the log.
        """
        assessment = risk.assess(inbound.text)
        language = emergency_language(inbound.text)
        route = [urgent_route(self.content, None, list(assessment.signals), language)] if assessment.urgent else []
        try:
            recorded = await self._keep_failed(inbound, now, exc)
        except Exception as keep_exc:  # noqa: BLE001 - the database is unusable: the spool takes it
            log.error("could not keep a %s message in the database (%s)", inbound.channel, type(keep_exc).__name__)
        else:
            self._settle_spooled(inbound)
            return Outcome([*route, *recorded, Reply(self.content.text("common.sorry_error"))])
        try:
            kept, _ = await asyncio.to_thread(self.spool.keep, inbound, now, route_given=bool(route))  # fsyncs
        except OSError as spool_exc:
            log.critical("a %s message (urgent: %s, %d characters) could not be kept anywhere: %s",
                         inbound.channel, assessment.urgent, len(inbound.text), spool_exc)  # fmt: skip
            return Outcome([*route, Reply(self.content.text("common.not_kept"))], kept="nowhere")
        if kept == "again":
            return Outcome([], kept="spool", duplicate=True)  # a retry while still down: all was said
        log.warning("a %s message (urgent: %s) is kept in the spool until the database is back",
                    inbound.channel, assessment.urgent)  # fmt: skip
        return Outcome([*route, Reply(self.content.text("common.kept_for_later"))], kept="spool")

    def _settle_spooled(self, inbound: Inbound) -> None:
        """The database has this message now: drop its spooled copy, if it had one."""
        entry = self.spool.find(inbound.channel, inbound.provider_id)
        if entry is not None:
            self.spool.remove(entry)

    async def _handle(self, session: AsyncSession, inbound: Inbound, now: datetime, replayed: bool) -> Outcome:
        if duplicate := await self._redelivered(session, inbound, replayed):
            return duplicate  # before anything is created: a replay after "forget me" re-creates nobody
        contact, conversation = await load_locked(session, inbound.channel, inbound.address, now)
        if duplicate := await self._redelivered(session, inbound, replayed):
            return duplicate  # the same message, delivered twice at once: the other one won the lock
        record = InboundMessage(
            channel=inbound.channel, contact_id=contact.id, text=inbound.text, received_at=now, replayed=replayed,
            provider_id=provider_key(inbound.channel, inbound.provider_id) if inbound.provider_id else None,
        )
        session.add(record)
        turn = _Turn(
            session=session, contact=contact, conversation=conversation, inbound=inbound, now=now,
            flow=conversation.flow, state=conversation.state, answers=dict(conversation.answers),
            history=list(conversation.history), pending=conversation.pending,
        )
        with speaking(contact.language):  # every text of this turn in the person's language
            await self._respond(turn)
            if not turn.forgotten:
                self._save(turn)
            replies = self._after_spool(turn, self.spool.find(inbound.channel, inbound.provider_id))
        record.replies = reply_records(replies)
        if replayed and not turn.forgotten:
            await self._queue(turn, replies)
            return Outcome([])
        return Outcome(replies)

    async def _redelivered(self, session: AsyncSession, inbound: Inbound, replayed: bool) -> Outcome | None:
        """A message handled before: the same replies again, unless they went out through the outbox."""
        before = await handled_before(session, inbound.channel, inbound.provider_id) if inbound.provider_id else None
        if before is None:
            return None
        return Outcome([] if before.replayed or replayed else stored_replies(before.replies), duplicate=True)

    def _after_spool(self, turn: _Turn, entry: Spooled | None) -> list[Reply]:
        """A message the spool kept: say it is answered late, and do not repeat the route given then."""
        if entry is None:
            return turn.replies
        replies = [reply for reply in turn.replies if not (entry.route_given and reply.urgent)]
        late = self.content.text("common.answered_late", time=f"{to_london(entry.received_at):%H:%M}")
        return [Reply(late), *replies]

    async def _queue(self, turn: _Turn, replies: list[Reply]) -> None:
        """Replies to a replayed message go out through the outbox, committed with the turn: any
        urgent one as its own row, the rest joined into one row so they cannot arrive out of order."""
        assert turn.inbound.provider_id is not None  # noqa: S101 - every spooled message has one
        key = provider_key(turn.inbound.channel, turn.inbound.provider_id)[:32]
        rest = [reply for reply in replies if not reply.urgent]
        rows = [reply for reply in replies if reply.urgent]
        if rest:
            listed = ["\n".join([r.text, *(f"{i} {o.label}" for i, o in enumerate(r.options, 1))]) for r in rest[:-1]]
            rows.append(Reply("\n\n".join([*listed, rest[-1].text]), rest[-1].options))
        for index, reply in enumerate(rows):
            kind = "urgent" if reply.urgent else "reply"
            await enqueue(
                turn.session, kind=kind, channel=turn.inbound.channel, address=turn.inbound.address,
                body=reply.text, dedupe_key=f"{kind}:spool:{key}:{index}", contact_id=turn.contact.id,
                options=reply.options, now=turn.now,
            )

    async def _respond(self, turn: _Turn) -> None:
        text = turn.inbound.text
        command = None if turn.inbound.option else read_command(text)
        if command is None and not turn.inbound.option and answers.asks_to_forget(text):
            command = Command("forget")  # data rights, however they are worded
        assessment = risk.assess(text)
        if assessment.signals == [risk.POSSIBLE_RISK] and (self._answers_own_question(turn)
                                                           or answers.asks_to_forget(text)):
            assessment = risk.RiskAssessment(urgent=False, signals=[])
        if assessment.signals in ([], [risk.POSSIBLE_RISK]) and await self._check_back(turn, command):
            return
        if command is None and await self._retraction(turn, assessment.signals):
            return
        if assessment.urgent and not await self._urgent(turn, assessment.signals):
            return
        if command and command.name in ("stop", "start"):
            await (self._opt_out(turn) if command.name == "stop" else self._opt_in(turn, command.argument))
            return
        if turn.contact.opted_out_at is not None:
            return  # they asked for no messages; only START (or the emergency route) is answered
        if command:
            await self._command(turn, command)
        elif await self._news(turn):
            return
        elif turn.pending:
            await self._pending(turn)
        elif self._silent_too_long(turn):
            self._offer_resume(turn)
        elif turn.state == "start" or turn.flow not in self.flows:
            await self._first_message(turn)
        else:
            await self._answer(turn)

    # --- the risk gate -------------------------------------------------------------------------

    async def _news(self, turn: _Turn) -> bool:
        """"Any news about my concern?": its status (``dialogue.status``), then the open question again."""
        flow = self.flows.get(turn.flow)
        if flow is not None and turn.state in flow.steps and flow.step(turn.state).free_text:
            return False  # their words are the answer (a worry may mention "news")
        asked, reference = status.asks_for_news(turn.inbound.text, self.content)
        if not asked or turn.contact.id is None:
            return False
        reply = await status.status_reply(turn.session, self.settings, self.content, turn.contact.id, reference,
                                          turn.now)
        if reply is None:
            return False
        turn.replies.append(reply)
        if flow is not None and turn.state in flow.steps and turn.flow != "menu":
            turn.replies.append(flow.step(turn.state).question(self._model(turn)))
        return True

    async def _retraction(self, turn: _Turn, signals: list[str]) -> bool:
        """"I meant cutting down on smoking, cancel that": recorded on the urgent concern (``dialogue.retract``)."""
        if turn.contact.id is None or not retract.says_mistake(turn.inbound.text):
            return False
        replies = await retract.retract(turn.session, self.content, turn.contact.id, turn.inbound.text,
                                        [s for s in signals if s != risk.POSSIBLE_RISK], turn.now)
        if replies is None:
            return False
        turn.replies.extend(replies)
        await self._ask_again(turn)
        return True

    async def _check_back(self, turn: _Turn, command: Command | None) -> bool:
        """The answer to "Did you manage to speak to the prison?" (``dialogue.followup``), if it is one."""
        if command is not None or turn.contact.id is None or turn.contact.opted_out_at is not None:
            return False
        reached = followup.read_check_back(turn.inbound.text)
        if reached is None:
            return False
        check = await followup.open_check_back(turn.session, turn.contact.id, turn.now)
        if check is None or turn.conversation.updated_at > check.asked_at:
            return False  # they have written since: a "no" now answers whatever was asked last
        turn.replies.extend(await followup.answer_check_back(
            turn.session, self.settings, self.content, check, turn.inbound.text, reached, turn.now))
        return True

    def _answers_own_question(self, turn: _Turn) -> bool:
        """Is the message only a yes/no/not-sure answer to the question we just asked?

        Then the learned model alone must not make it urgent ("no not right now i dont think" to
        "is anyone in danger right now?"); the phrase lists still apply to every message.
        """
        flow = self.flows.get(turn.flow)
        if flow is None or turn.state not in flow.steps or turn.pending or turn.inbound.option:
            return bool(turn.inbound.option)
        step = flow.step(turn.state)
        return not step.free_text and answers.plain_answer(turn.inbound.text)

    async def _urgent(self, turn: _Turn, signals: list[str]) -> bool:
        """Give the emergency route now; then record the concern, or carry on with the message inside one.

        Whose safety is at stake decides what follows (``policy.risk_subject``). A risk to someone
        in prison starts, or joins, an urgent concern: the concern flow records it and alerts
        safer custody before asking anything. A writer who is in crisis, or threatened, gets their
        own lines, and nothing is filed with the prison unless they then say someone there is in
        danger. Returns whether the rest of the pipeline should still handle the message (it should
        when the person is answering "what has worried you": the text is their answer).
        """
        # A prison named in this very message wins: its switchboard goes in this reply, not the next.
        # Any prison in England and Wales; a shared name (Parc adult / YOI) is asked once, in the flow.
        named = self._named_in(turn.inbound.text)
        known = turn.answers.get("prison") or turn.contact.prison_id
        shared = list(named.candidates) if 1 < len(named.candidates) <= 8 and named.how == "name" \
            and known not in named.candidates else []  # fmt: skip
        if shared and (same := one_establishment(self.content, shared)):
            named, shared = PrisonMatch((same,), named.how, named.words), []  # sites of one prison: one team
        place = None if shared else self.content.place(named.id or known)
        prison = (self.content.prisons.get(place.id) or place) if place is not None else None
        subject = split_signals(turn.inbound.text, signals)
        language = emergency_language(turn.inbound.text)  # the route in the words they wrote in
        flows_concern = self.flows.get("concern")
        in_concern = flows_concern is not None and turn.flow == "concern" and turn.state in flows_concern.steps
        if subject.sender_only:
            turn.replies.append(urgent_route(self.content, prison, subject.sender, language))
            if flows_concern is None:
                return False
            turn.pending = None
            if in_concern:
                await self._ask_again(turn)  # their own crisis is not added to a concern about him
            else:
                support = {"_support": subject.sender[0], **({"prison": prison.id} if prison else {})}
                await self._enter(turn, "concern", support)
            return False
        about = answers.subject_of(turn.inbound.text) or turn.answers.get("_subject")
        she = "female" if about == "female" else None
        turn.replies.append(urgent_route(self.content, prison, subject.prisoner, language, subject=she))
        if subject.sender:
            samaritans, shout = self.content.phone("samaritans").number, self.content.fact("shout").text
            also = self.content.text("urgent.also_you", lang=language, samaritans=samaritans, shout=shout)
            turn.replies.append(Reply(also, urgent=True))
        if flows_concern is None:
            return False
        urgent = {"urgent": True, "signals": sorted(set(subject.prisoner) | set(turn.answers.get("signals") or []))}
        if in_concern and flows_concern.step(turn.state).key == "worry" and not turn.pending:
            turn.answers.update(urgent)
            return True
        seed: dict[str, Any] = dict(turn.answers) if in_concern else {}  # one concern per episode: keep what is known
        seed.pop("_support", None)
        seed.update(urgent)
        seed.setdefault("worry", turn.inbound.text)
        if flows_concern.fill is not None:  # "my daughter ...": she, from the first reply on
            for key, value in flows_concern.fill(turn.inbound.text, self.content).items():
                seed.setdefault(key, value)
        if prison is not None:
            seed.setdefault("prison", prison.id)
        elif shared and not seed.get("prison"):
            seed[PRISON_CHOICES] = shared  # the flow asks one short question: which of these
        turn.pending = None
        await self._enter(turn, "concern", seed)
        return False

    def _named_in(self, text: str) -> PrisonMatch:
        """The prison an urgent message names, only when it is written out (or its NOMIS code).

        The directory's index forgives misspellings, which is right for an answer to "which
        prison?" but not for a frightened message: "getting done in" must not become Doncaster
        and put the concern (and its alert) at the wrong prison.
        """
        match = self.content.prison_index.match(text)
        if match.how == "code":
            return match
        said = set(tokens(text.replace("'", "")))
        if match.candidates and match.words and all(word in said for word in tokens(match.words)):
            return match
        return PrisonMatch()

    # --- STOP / START --------------------------------------------------------------------------

    async def _opt_out(self, turn: _Turn) -> None:
        reply = Reply(self.content.text("common.stopped"))
        contact = turn.contact
        contact.opted_out_at = turn.now
        turn.session.add(
            ConsentRecord(contact_id=contact.id, subject="all_messages", action="opt_out",
                          channel=contact.channel, wording=reply.text, at=turn.now)
        )
        await turn.session.exec(
            update(Subscription)
            .where(col(Subscription.contact_id) == contact.id, col(Subscription.active).is_(True))
            .values(active=False, opted_out_at=turn.now)
        )
        turn.pending = None
        turn.replies.append(reply)

    async def _opt_in(self, turn: _Turn, argument: str) -> None:
        contact = turn.contact
        if contact.opted_out_at is not None:
            contact.opted_out_at = None
            turn.session.add(
                ConsentRecord(contact_id=contact.id, subject="all_messages", action="opt_in",
                              channel=contact.channel, wording=self.content.text("common.welcome"), at=turn.now)
            )
        prison_id = find_prison(argument, self.content.prison_index) if argument else None
        place = self.content.place(prison_id)
        if prison_id and place is not None:
            contact.prison_id = prison_id
            name = place.name
            turn.replies.append(Reply(self.content.text("common.welcome_prison", prison=name)))
        else:
            turn.replies.append(Reply(self.content.text("common.welcome")))
        turn.pending = None
        await self._enter(turn, "menu", {})

    # --- global words --------------------------------------------------------------------------

    async def _command(self, turn: _Turn, command: Command) -> None:
        turn.pending = None
        if command.name == "menu":
            await self._enter(turn, "menu", {})
        elif command.name == "back":
            self._back(turn)
        elif command.name == "help":
            turn.replies.append(Reply(self.content.text("common.help")))
            await self._ask_again(turn)
        elif command.name == "restart":
            await self._restart(turn)
        elif command.name == "forget":
            await self._enter(turn, "settings", {"action": "forget"})
        elif command.name == "notices":
            await self._enter(turn, "notices", {"action": "opt_in"})
        elif command.name in ("welsh", "english", "language"):
            wanted = languages.wanted(command.name, command.argument, turn.contact.language)
            turn.replies.append(languages.choose(turn.contact, wanted, self.content))
            await self._ask_again(turn)  # the same question, now in the chosen language

    async def _restart(self, turn: _Turn) -> None:
        """Start the current topic again from its first question, keeping the chosen prison."""
        prison = turn.answers.get("prison")
        await self._enter(turn, turn.flow if turn.flow in self.flows else "menu", {"prison": prison} if prison else {})

    def _back(self, turn: _Turn) -> None:
        """Return to the previous question of this flow, forgetting its answer; at the first, the menu."""
        flow = self.flows.get(turn.flow)
        if flow is None or not turn.history:
            turn.replies.append(Reply(self.content.text("common.back_to_menu")))
            self._enter_sync_menu(turn)
            return
        previous = turn.history.pop()
        step = flow.step(previous)
        turn.answers.pop(step.key, None)
        turn.answers.pop(f"_explained.{step.key}", None)
        turn.state = previous
        turn.replies.append(step.question(self._model(turn)))

    def _enter_sync_menu(self, turn: _Turn) -> None:
        menu = self.flows["menu"]
        turn.flow, turn.state, turn.answers, turn.history = "menu", "start", {}, []
        model = self._model(turn)
        menu.fire(model, "begin")
        turn.state, turn.answers = model.state, model.answers
        turn.replies.append(menu.step(model.state).question(model))

    async def _ask_again(self, turn: _Turn) -> None:
        flow = self.flows.get(turn.flow)
        if flow is None or turn.state not in flow.steps:
            await self._enter(turn, "menu", {})
            return
        turn.replies.append(flow.step(turn.state).question(self._model(turn)))

    # --- engine-level questions: carry on? switch? ---------------------------------------------

    def _silent_too_long(self, turn: _Turn) -> bool:
        if turn.is_new or turn.flow == "menu" or turn.state == "start":
            return False
        quiet = turn.now - turn.conversation.updated_at
        return quiet > timedelta(hours=self.settings.resume_after_hours)

    def _offer_resume(self, turn: _Turn) -> None:
        flow = self.flows[turn.flow]
        turn.pending = {"kind": "resume"}
        turn.replies.append(
            Reply(
                self.content.text("common.welcome_back", topic=self.content.text(flow.title)),
                self._pending_options("resume"),
            )
        )

    def _pending_options(self, kind: str) -> tuple[Option, ...]:
        if kind == "resume":
            return (
                Option("continue", self.content.text("common.carry_on"), ("continue", "carry on", "yes", "go on")),
                Option("restart", self.content.text("common.start_again"), ("start again", "no", "new")),
            )
        if kind == "open_concern":
            return (
                Option("add", self.content.text("concern.opt_add_open"), ("add", "add to it", "yes", "same one")),
                Option("new", self.content.text("concern.opt_new_worry"), ("new", "new worry", "something new", "no")),
            )
        return (
            Option("yes", self.content.text("common.yes_switch"), ("yes",)),
            Option("no", self.content.text("common.no_carry_on"), ("no", "carry on", "continue")),
        )

    async def _pending(self, turn: _Turn) -> None:
        pending = turn.pending or {}
        kind = str(pending.get("kind"))
        options = self._pending_options(kind)
        keys = {o.key for o in options}
        chosen = turn.inbound.option if turn.inbound.option in keys else None
        if chosen is None:
            match = match_option(turn.inbound.text, options)
            chosen = match.option.key if match.option else None
        if chosen is None and (said := answers.yes_no(turn.inbound.text)) is not None:
            word = "yes" if said else "no"  # "nah", "not really", "yeah go on": the shared reader
            chosen = next((o.key for o in options if o.key == word or word in o.words), None)
        turn.pending = None
        if chosen is None:
            await self._answer(turn)  # they ignored the question: read the message as usual
        elif chosen in ("continue", "no"):
            await self._ask_again(turn)
        elif chosen == "restart":
            await self._restart(turn)
        elif kind == "open_concern":
            carried = dict(pending.get("answers") or {})
            if chosen == "add":
                carried.update(_add=True, _concern_id=pending["concern_id"], _reference=pending["reference"])
                if pending.get("prison"):
                    carried["prison"] = pending["prison"]
            await self._enter(turn, "concern", {**carried, "_asked_open": True})
        else:
            await self._enter(turn, str(pending["flow"]), dict(pending.get("answers") or {}))

    # --- flows ---------------------------------------------------------------------------------

    async def _first_message(self, turn: _Turn) -> None:
        """A new conversation: start straight on what they asked for, else welcome them with the menu."""
        if languages.offers_welsh(turn.inbound.text, turn.contact, self.content):
            turn.replies.append(Reply(self.content.text("common.language_offer")))  # Welsh offered first
        route = route_text(turn.inbound.text, self.content, self.flows) if turn.inbound.text else None
        if route is not None and route.flow is not None:
            if turn.is_new:
                turn.replies.append(Reply(self.content.text("common.welcome_short")))
            await self._enter(turn, route.flow, route.answers)
            return
        if turn.is_new or route is None or route.signpost is None:
            turn.replies.append(Reply(self.content.text("common.welcome")))
        if route is not None and route.signpost is not None:
            turn.replies.append(Reply(self.content.text(route.signpost, **self._values())))
        await self._enter(turn, "menu", {})

    async def _enter(self, turn: _Turn, flow_name: str, answers: Mapping[str, Any]) -> None:
        if flow_name == "concern" and await self._offer_open_concern(turn, answers):
            return
        flow = self.flows.get(flow_name)
        if flow is None:
            turn.replies.append(Reply(self.content.text("common.coming_soon")))
            flow_name, answers, flow = "menu", {}, self.flows["menu"]
        turn.flow, turn.state, turn.answers, turn.history = flow_name, "start", dict(answers), []
        model = self._model(turn)
        flow.fire(model, "begin")
        await self._settle(turn, flow, model)

    async def _offer_open_concern(self, turn: _Turn, answers: Mapping[str, Any]) -> bool:
        """"Worried about someone" while a concern of theirs is open: add to it, or a new worry?

        Not for an urgent message or a concern already in hand (the risk gate and the concern flow
        join those themselves); asked once per start of the flow.
        """
        if turn.contact.id is None or any(
            answers.get(key) for key in ("urgent", "_support", "_done", "_concern_id", "_asked_open")
        ):
            return False
        query = (
            select(Concern)
            .where(col(Concern.contact_id) == turn.contact.id, col(Concern.closed_at).is_(None))
            .order_by(col(Concern.created_at).desc())
        )
        concern = (await turn.session.exec(query)).first()
        if concern is None:
            return False
        prison = self.content.prisons.get(concern.prison_id) if concern.prison_id else None
        turn.pending = {"kind": "open_concern", "concern_id": concern.id, "reference": concern.reference,
                        "prison": concern.prison_id, "answers": dict(answers)}
        name = prison.name if prison else self.content.text("concern.alert_no_prison")
        text = self.content.text("concern.offer_open", reference=concern.reference, prison=name)
        turn.replies.append(Reply(text, self._pending_options("open_concern")))
        return True

    async def _settle(self, turn: _Turn, flow: Flow, model: FlowModel) -> None:
        """After a transition: carry out effects, follow a handoff, skip questions already answered,
        then ask the question of the state the flow came to rest in."""
        for _ in range(MAX_HOPS):
            turn.replies.extend(model.replies)
            model.replies = []
            if model.effects:
                ctx = EffectContext(turn.session, turn.contact, turn.conversation, self.content,
                                    self.settings, turn.now)
                for effect in model.effects:
                    turn.replies.extend(await effect.apply(ctx))
                    if ctx.forgotten:
                        turn.forgotten = True
                        return
                if not all(getattr(effect, "keeps_history", False) for effect in model.effects):
                    turn.history = []  # what is done cannot be undone with "back" (a mere record can)
                model.effects = []
            turn.state, turn.answers = model.state, model.answers
            if model.handoff is not None:
                handoff, model.handoff = model.handoff, None
                await self._enter(turn, handoff.flow, handoff.answers)
                return
            step = flow.step(model.state)
            if step.skip_when_known and step.known(model):
                flow.fire(model, "answer")
                continue
            turn.state, turn.answers = model.state, model.answers
            turn.replies.append(step.question(model))
            return
        raise FlowError(f"flow {flow.name} skipped more than {MAX_HOPS} questions in a row")

    async def _answer(self, turn: _Turn) -> None:
        flow = self.flows[turn.flow]
        step = flow.step(turn.state)
        model = self._model(turn)
        question = step.question(model)
        if step.free_text and not turn.inbound.option and self._aside(turn, question):
            return  # "thank you so much" is not his name
        result = step.read(model, turn.inbound)
        turn.answers = model.answers  # reading may note that something was explained
        if isinstance(result, Rejected) and flow.fill is not None:
            # Not one of the options, but it answers the question all the same ("maidstone" to
            # "which country is the prison in?"; "I'm 80 on pension credit" to the benefit list).
            filled = flow.fill(turn.inbound.text, self.content)
            if step.key in filled:
                result = Accepted(filled[step.key], turn.inbound.text)
        if isinstance(result, Accepted) and result.loose and await self._stop_request(turn):
            return
        if isinstance(result, Accepted) and result.loose and turn.flow == "menu" \
                and await self._menu_with_more(turn, result):
            return
        if isinstance(result, Accepted):
            model.answers.pop(MISSES, None)
            self._record(turn, step, question.text, result)
            if result.note:
                turn.replies.append(Reply(result.note))
            model.answers[step.key] = result.value
            if flow.fill is not None:  # fill every other slot this message already answers
                for key, value in flow.fill(turn.inbound.text, self.content).items():
                    model.answers.setdefault(key, value)
            turn.history.append(turn.state)
            flow.fire(model, "answer")
            await self._settle(turn, flow, model)
        elif isinstance(result, Explain):
            turn.replies.append(Reply(result.text))
            turn.replies.append(question)
        elif not step.free_text and self._aside(turn, question):
            return
        elif step.free_text or not await self._reroute(turn, question):
            misses = int(turn.answers.get(MISSES) or 0) + 1
            turn.answers[MISSES] = misses
            turn.replies.extend(reprompt(self.content, turn.inbound.channel, result, question, misses))

    def _aside(self, turn: _Turn, question: Reply) -> bool:
        """Thanks, hello, "what is an ACCT?", "can I talk to a person?": a kind reply, then the same question.

        The person keeps their place; this is not counted as a misunderstanding.
        """
        aside = answers.read_aside(turn.inbound.text)
        if aside is None:
            return False
        helpline = self.content.phone("families_helpline")
        if aside.startswith("glossary:"):
            text = self.content.fact(f"glossary_{aside.removeprefix('glossary:')}").text
            turn.replies.append(Reply(f"{text}\n{self.content.text('common.aside_glossary_more')}"))
        else:
            values = {"families_helpline": helpline.number, "hours": helpline.hours or ""}
            turn.replies.append(Reply(self.content.text(f"common.aside_{aside}", **values)))
        turn.replies.append(question)
        return True

    async def _stop_request(self, turn: _Turn) -> bool:
        """"Stop sending me the family day messages" names an option, but it is a request to stop."""
        route = route_text(turn.inbound.text, self.content, self.flows)
        if route.label != "opt_out" or route.flow is None:
            return False
        await self._enter(turn, route.flow, route.answers)
        return True

    async def _menu_with_more(self, turn: _Turn, result: Accepted) -> bool:
        """ "visits at wandsworth" at the menu: that entry, with what else the words say (the prison) kept."""
        route = route_text(turn.inbound.text, self.content, self.flows)
        if route.flow is None or route.flow != result.value or not route.answers:
            return False
        await self._enter(turn, route.flow, route.answers)
        return True

    async def _reroute(self, turn: _Turn, question: Reply) -> bool:
        """A message that is not an answer: start what it asks for (at the menu) or offer to switch."""
        route = route_text(turn.inbound.text, self.content, self.flows)
        if route.signpost is not None:
            turn.replies.append(Reply(self.content.text(route.signpost, **self._values())))
            turn.replies.append(question)
            return True
        if route.flow is None or route.flow == turn.flow:
            return False
        if turn.flow == "menu" or route.label == "opt_out":
            # At the menu there is nothing to lose; and "stop sending me these" is acted on at once.
            await self._enter(turn, route.flow, route.answers)
            return True
        target = self.flows[route.flow]
        turn.pending = {"kind": "switch", "flow": route.flow, "answers": dict(route.answers)}
        turn.replies.append(
            Reply(
                self.content.text("common.offer_switch", topic=self.content.text(target.title)),
                self._pending_options("switch"),
            )
        )
        return True

    def _values(self) -> dict[str, str]:
        return {name: phone.number for name, phone in self.content.national.phones.items()}

    def _model(self, turn: _Turn) -> FlowModel:
        ctx = TurnContext(self.content, turn.now, turn.inbound.channel, turn.contact.prison_id, turn.inbound.text)
        return FlowModel(turn.state, dict(turn.answers), ctx)

    # --- storing -------------------------------------------------------------------------------

    def _record(self, turn: _Turn, step: Step, question: str, result: Accepted) -> None:
        assert turn.contact.id is not None  # noqa: S101 - loaded from the database
        reply = turn.inbound.text or result.shown
        turn.session.add(
            Answer(contact_id=turn.contact.id, flow=turn.flow, state=turn.state, question=question,
                   reply=reply, value=result.value, at=turn.now)
        )

    def _save(self, turn: _Turn) -> None:
        conversation, contact = turn.conversation, turn.contact
        conversation.flow, conversation.state = turn.flow, turn.state
        conversation.answers = dict(turn.answers)  # reassigned: in-place edits of JSON are lost
        conversation.history = list(turn.history)
        conversation.pending = dict(turn.pending) if turn.pending else None
        conversation.version += 1
        conversation.updated_at = turn.now
        prison = turn.answers.get("prison")
        if isinstance(prison, str) and self.content.place(prison) is not None:  # any prison in the directory
            contact.prison_id = prison
        contact.last_seen_at = turn.now
        contact.unreachable_at = None  # they just reached us: an old "blocked" or "invalid" no longer holds
        turn.session.add_all([conversation, contact])

    async def _keep_failed(self, inbound: Inbound, now: datetime, exc: Exception) -> list[Reply]:
        """Keep the message of a failed turn so it is never lost (a concern least of all).

        An urgent message about someone in prison is also recorded as an urgent concern, with its
        alert, by the plainest path (a savepoint, so that if that fails too the message is still
        kept): a failed inbound row alone would reach nobody. Returns what that recording says.
        """
        async with self.db.transaction() as session:
            contact, conversation = await load_locked(session, inbound.channel, inbound.address, now)
            session.add(
                InboundMessage(
                    channel=inbound.channel, provider_id=None, contact_id=contact.id, text=inbound.text,
                    status="failed", error=f"{type(exc).__name__}: {exc}",
                    received_at=now,
                )
            )
            at_risk = split_signals(inbound.text, risk.assess(inbound.text).signals).prisoner
            if not at_risk:
                return []
            try:
                async with session.begin_nested():
                    return await self._record_urgent(session, contact, conversation, inbound, at_risk, now)
            except Exception:
                log.exception("the urgent concern of a failed %s turn could not be recorded", inbound.channel)
                return []

    async def _record_urgent(
        self, session: AsyncSession, contact: Contact, conversation: Conversation, inbound: Inbound,
        signals: list[str], now: datetime,
    ) -> list[Reply]:  # fmt: skip
        from famsbot.concerns.record import SaveConcern  # the concern side builds on the dialogue's effects

        answers: dict[str, Any] = {"urgent": True, "signals": sorted(signals), "worry": inbound.text}
        if contact.prison_id:
            answers["prison"] = contact.prison_id
        ctx = EffectContext(session, contact, conversation, self.content, self.settings, now)
        return await SaveConcern(answers, inbound.text, urgent_message=True).apply(ctx)
