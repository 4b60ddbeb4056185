"""The risk gate: imminent risk to life or safety is caught, figures of speech are not.

Cases come from tests/policy/data/risk_cases.jsonl (realistic messages, with a ``dev`` split that the
phrase lists were never tuned on; ``source`` marks rows added later: ``blind1`` is a batch written by
someone who never saw the code, ``variants`` are phrasings written to exercise each pattern family) plus
the must-catch and must-not-alarm examples from the reference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from famsbot.policy.risk import SIGNALS, RiskAssessment, assess, read_signals

CASES = [
    json.loads(line) for line in (Path(__file__).parent / "data" / "risk_cases.jsonl").open(encoding="utf-8")
]


def _rates(split: str | None, source: str | None = None) -> tuple[float, float]:
    rows = [c for c in CASES if split is None or c["split"] == split]
    rows = [c for c in rows if source is None or c.get("source") == source]
    urgent = [c for c in rows if c["urgent"]]
    calm = [c for c in rows if not c["urgent"]]
    recall = sum(assess(c["text"]).urgent for c in urgent) / len(urgent)
    false_alarms = sum(assess(c["text"]).urgent for c in calm) / len(calm)
    return recall, false_alarms


def test_the_labelled_set_is_big_and_varied_enough_to_mean_something() -> None:
    assert len(CASES) >= 300
    assert {c["split"] for c in CASES} == {"train", "dev"}
    assert sum(c["urgent"] for c in CASES) >= 600
    assert sum(not c["urgent"] for c in CASES) >= 500
    assert {c.get("source") for c in CASES} >= {None, "blind1", "variants"}


def test_urgent_messages_are_caught_and_calm_ones_rarely_alarm() -> None:
    recall, false_alarms = _rates(None)
    assert recall >= 0.99
    assert false_alarms <= 0.02


def test_held_out_split_is_caught_too() -> None:
    recall, false_alarms = _rates("dev")
    assert recall >= 0.97
    assert false_alarms <= 0.05


def test_the_first_blind_batch_is_caught_without_alarming_on_past_events() -> None:
    recall, false_alarms = _rates("train", "blind1")
    assert recall >= 0.99
    assert false_alarms <= 0.01


@pytest.mark.parametrize(
    "text",
    [
        "he said he cant do this anymore",
        "kms",
        "unalive",
        "he wants to unalive himself",
        "he's saying goodbye to everyone",
        "hes been giving his stuff away",
        "he wants to end it",
        "there's no point going on",
        "kys",
        "he's cutting himself",
        "hurting himself again",
        "they're going to stab him",
        "he got beaten up",
        "he's being attacked",
        "he took an overdose",
        "he's not breathing",
        "he collapsed",
        "he hasn't eaten or drunk in days",
        "they won't give him his insulin",
        "I want to die",
        "I can't go on",
        "he said he's going to kill me when he gets out",
        "HELP he's saying he's going to hang himself",
    ],
)
def test_must_catch(text: str) -> None:
    assert assess(text).urgent, text


@pytest.mark.parametrize(
    "text",
    [
        "he is sucidal",
        "he sounded suicidel",
        "he said he'll kil himself",
        "he tried to hang him self",
        "he has been self harming",
        "HE IS SELFHARMING AGAIN",
        "hesgoingtokillhimself",
        "hes gna kill himslef 2nite",
        "He’s talkin bout endin it all!!!",
        "he s t i l l says he wants to die 😢",
    ],
)
def test_misspellings_shorthand_caps_and_run_together_words(text: str) -> None:
    assert assess(text).urgent, text


@pytest.mark.parametrize(
    ("text", "gloss"),
    [
        ("mój syn chce się zabić", "Polish: my son wants to kill himself"),
        ("myśli o samobójstwie", "Polish: he is thinking of suicide"),
        ("pobili go", "Polish: they beat him up"),
        ("nie chce juz zyc", "Polish: he doesn't want to live any more"),
        ("mae e eisiau lladd ei hun", "Welsh: he wants to kill himself"),
        ("mae o wedi sôn am hunanladdiad", "Welsh: he has talked about suicide"),
        ("mae e'n niweidio ei hun", "Welsh: he is harming himself"),
        ("mera beta khudkushi karna chahta hai", "Roman Urdu: my son wants to commit suicide"),
        ("woh apne aap ko maar dega", "Roman Urdu: he will kill himself"),
        ("woh marna chahta hai", "Roman Urdu: he wants to die"),
    ],
)
def test_welsh_polish_and_roman_urdu(text: str, gloss: str) -> None:
    assert assess(text).urgent, gloss


@pytest.mark.parametrize(
    "text",
    [
        "this booking line is killing me",
        "dying to see him",
        "dead excited for the family day",
        "my phone is dying",
        "shoot me now lol",
        "can't do this website anymore",
        "the wait is killing me",
        "i could kill him for not ringing lol",
        "my mum will kill me if I'm late",
        "hang on I'll find his prison number",
        "he was cut up about missing the visit",
        "he's inside for stabbing someone years ago",
        "he did a course on suicide prevention",
        "zabija mnie to czekanie",
        "i cant afford to visit him anymore",
        "",
    ],
)
def test_hyperbole_and_everyday_words_do_not_alarm(text: str) -> None:
    assert not assess(text).urgent, text


def test_a_plain_not_in_front_of_a_state_is_respected() -> None:
    assert not assess("he is not suicidal, just bored").urgent
    # ... but uncertainty is not reassurance
    assert assess("not sure if he's suicidal").urgent


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("he says he wants to kill himself", "suicide"),
        ("he is cutting his arms", "self_harm"),
        ("they're going to stab him", "violence"),
        ("he's not breathing", "medical"),
        ("i want to kill myself", "sender_at_risk"),
        ("I can't go on", "sender_at_risk"),
        ("he keeps threatening me from prison", "threat_to_sender"),
        ("he said he's going to kill me when he gets out", "threat_to_sender"),
    ],
)
def test_signals_name_the_kind_of_risk(text: str, signal: str) -> None:
    assert signal in assess(text).signals


# --- pattern families (reference B2/B4: farewell messages, giving things away, means, threats, the sender) ---


@pytest.mark.parametrize(
    "text",
    [
        "he phoned and said this is the last call youll get from me",
        "he said its the last time i will hear his voice",
        "he says he wont be alive by the time i visit",
        "said i wont have to worry about him any more",
        "he keeps saying everyone would be better off without him",
        "my son texted goodbye mum forever",
        "he says its better this way",
        "hes written us all letters, it reads like a will",
        "he asked me to look after his daughter for him and said sorry",
        "he said hes sorted his affairs and given his tv away",
        "he said hes checking out for good",
        "he said see you on the other side",
        "he rang, said i was the best sister ever, told me not to cry and hung up",
        "he said sorry for everything hes put us through",
        "he told me this is the end for him",
    ],
)
def test_goodbyes_and_finality_without_the_word_suicide(text: str) -> None:
    assert "suicide" in assess(text).signals, text


@pytest.mark.parametrize(
    ("text", "gloss"),
    [
        ("zadzwonił żeby się pożegnać", "Polish: he rang to say goodbye"),
        ("powiedział że to ostatni raz jak rozmawiamy", "Polish: he said it's the last time we talk"),
        ("napisał list pożegnalny", "Polish: he wrote a farewell letter"),
        ("przeprasza za wszystko", "Polish: he is sorry for everything"),
        ("ffoniodd i ddweud hwyl fawr am y tro olaf", "Welsh: he phoned to say goodbye for the last time"),
        ("dywedodd na fydd o yma erbyn dydd Sul", "Welsh: he said he won't be here by Sunday"),
        ("mae o wedi rhoi ei bethau i gyd i ffwrdd", "Welsh: he has given all his things away"),
        ("usne kaha ye meri aakhri call hai", "Roman Urdu: he said this is my last call"),
        ("bhai ne alvida keh diya", "Roman Urdu: brother said farewell"),
        ("keh raha tha mere bina sab khush rahenge", "Roman Urdu: he said everyone will be happy without me"),
    ],
)
def test_goodbyes_in_welsh_polish_and_roman_urdu(text: str, gloss: str) -> None:
    assert assess(text).urgent, gloss


@pytest.mark.parametrize(
    "text",
    [
        "hes got a rope hidden in his cell",
        "he told me hes made a noose",
        "hes tied his sheet to the window bars",
        "hes been tearing his bedsheets into strips",
        "he has been stockpiling his sleeping tablets",
        "hes got enough paracetamol saved to do it",
        "he says hes hiding razor blades",
    ],
)
def test_the_means_to_do_it(text: str) -> None:
    assert assess(text).urgent, text


@pytest.mark.parametrize(
    "text",
    [
        "some lads are coming to his cell tonight to sort him out",
        "theyve told him hes getting shanked tomorrow",
        "they said theyll do him over in the showers",
        "hes been told hes a dead man if he doesnt pay",
        "they keep telling him hes next",
        "theres a price on my brothers head",
        "they said theyll break his legs on friday",
        "his padmate says hes going to stripe him",
    ],
)
def test_an_attack_on_its_way_in_slang(text: str) -> None:
    assert "violence" in assess(text).signals, text


@pytest.mark.parametrize(
    "text",
    [
        "his brother turned up at my door saying i better drop the charges or else",
        "someone came round saying theyd been sent by him",
        "he said if i go to court ill regret it",
        "his mates keep driving past my house",
        "got a message saying i should watch my back",
        "he says he knows where the kids go to school",
        "he rang from prison and said when he gets out im dead",
    ],
)
def test_threats_to_the_writer(text: str) -> None:
    assert "threat_to_sender" in assess(text).signals, text


@pytest.mark.parametrize(
    "text",
    [
        "i dont think i want to live anymore",
        "im not sure i want to be here anymore",
        "i have nothing left to live for",
        "ive got all my tablets out in front of me",
        "i keep thinking everyone would be better off without me",
        "i dont care if i die",
        "main ab aur nahi jee sakti",
        "nie chce mi sie zyc",
        "dw i ddim eisiau byw rhagor",
    ],
)
def test_the_writer_at_risk(text: str) -> None:
    assert "sender_at_risk" in assess(text).signals, text


@pytest.mark.parametrize(
    "text",
    [
        "hes diabetic and confused and sweating",
        "he hit his head and keeps being sick",
        "his lips have gone blue",
        "hes foaming at the mouth",
        "he cant catch his breath",
        "his face is drooping and his speech is slurred",
        "hes had nothing to eat or drink for four days",
    ],
)
def test_medical_emergencies(text: str) -> None:
    assert "medical" in assess(text).signals, text


@pytest.mark.parametrize(
    ("past", "now"),
    [
        ("he tried to hang himself two years ago", "he tried to hang himself two years ago, now hes saying it again"),
        ("he used to self harm as a teenager", "he used to self harm as a teenager and hes cutting again"),
        ("he got jumped last month but hes fine now", "he got jumped last month and theyre still after him"),
        ("he overdosed back in 2019", "he overdosed back in 2019 and tonight he said hes saving his pills"),
        ("dwa lata temu probowal sie powiesic", "dwa lata temu probowal sie powiesic, a dzis mowi ze sie zabije"),
    ],
)
def test_a_finished_past_event_does_not_alarm_but_anything_now_still_does(past: str, now: str) -> None:
    assert not assess(past).urgent, past
    assert read_signals(past)[1], past  # still a welfare worry
    assert assess(now).urgent, now


@pytest.mark.parametrize(
    "text",
    [
        "thanks for your help, bye",
        "diolch, hwyl fawr",
        "dziękuję, do widzenia",
        "shukriya, khuda hafiz",
        "this is the last time im booking through this website",
        "he asked me to look after his dog while hes inside",
        "he wont be here for the visit on friday, hes being transferred",
        "i heard there was a stabbing on his wing, is he ok",
        "can someone sort him out a visit for saturday",
        "is he allowed a skipping rope in the gym",
        "he doesnt feel safe on the wing but nothing has happened",
        "he said he wont survive without my visits lol",
    ],
)
def test_everyday_goodbyes_and_near_misses_do_not_alarm(text: str) -> None:
    assert not assess(text).urgent, text


def test_every_assessment_keeps_the_contract() -> None:
    for case in CASES:
        result = assess(case["text"])
        assert isinstance(result, RiskAssessment)
        assert result.urgent == bool(result.signals)
        assert set(result.signals) <= set(SIGNALS)
        assert len(result.signals) == len(set(result.signals))
