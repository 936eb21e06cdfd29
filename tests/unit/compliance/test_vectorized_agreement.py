"""The vectorized form agrees with the scalar one on random cases, zones and daylight-saving nights."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.compliance.rules.decide import decide
from arrears.compliance.rules.facts import (
    CaseFacts,
    Consent,
    Debt,
    Event,
    Hold,
    Person,
    Preference,
    Proposal,
    Workplace,
)
from arrears.compliance.rules.packs import Policy, build_policy
from arrears.compliance.rules.vectorized import decide_many, frames_from_facts
from arrears.compliance.rules.vocabulary import (
    Action,
    ConsentScope,
    EventType,
    HoldType,
    Outcome,
    Purpose,
    Relation,
)

ZONES = [
    "America/Phoenix", "America/Denver", "America/New_York", "America/Los_Angeles",
    "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe",
]  # fmt: skip
# Moments near daylight-saving changes: US spring and autumn, EU spring and autumn, Lord Howe's
# half-hour autumn and spring, and an ordinary week.
PIVOTS = [
    datetime(2024, 3, 10, 7, 0, tzinfo=UTC),
    datetime(2024, 11, 3, 6, 0, tzinfo=UTC),
    datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
    datetime(2024, 10, 27, 1, 0, tzinfo=UTC),
    datetime(2024, 4, 6, 15, 0, tzinfo=UTC),
    datetime(2024, 10, 5, 15, 30, tzinfo=UTC),
    datetime(2024, 6, 12, 12, 0, tzinfo=UTC),
]
PACK_CHOICES = [
    ("us-regf",), ("cn",), ("uk-conc",), ("us-regf", "cn"), ("cn", "uk-conc"), ("uk-conc", "us-regf", "cn"),
]  # fmt: skip
OVERRIDES: list[dict[str, object]] = [
    {"kind": "channel_cap", "action": "sms", "max": 2, "per": "day", "code": "PORTFOLIO.CAP.SMS_DAY"},
    {"kind": "channel_cap", "action": "call", "max": 3, "per": "week", "code": "PORTFOLIO.CAP.CALL_WEEK"},
    {"kind": "channel_cap", "action": "letter", "max": 1, "per": "day", "code": "PORTFOLIO.CAP.LETTER"},
    {"kind": "holidays", "country": "CN", "code": "PORTFOLIO.HOLIDAY"},
    {"kind": "holidays", "country": "US", "subdivision": "NY", "code": "PORTFOLIO.HOLIDAY.US"},
    {"kind": "weekdays", "weekdays": ["sunday", "saturday"], "code": "PORTFOLIO.WEEKEND"},
    {"kind": "window", "start": "09:00", "end": "20:00", "code": "PORTFOLIO.TIME.WINDOW"},
    {"kind": "window", "start": "22:00", "end": "07:00", "code": "PORTFOLIO.TIME.NIGHT_ONLY", "actions": ["letter"]},
]  # fmt: skip
COLLECTORS = ["AGY", "AGY", "AGY", "CRED"]
CONTACTS = ["+1-404-555-0101", "+1-404-555-0102", "c1@example.com", None]
LOCAL_TIMES = [time(0), time(7, 59), time(8), time(9, 30), time(12), time(20), time(21), time(23, 59, 59)]


@st.composite
def moments(draw: st.DrawFn, pivot: datetime) -> datetime:
    """Draw a moment near the pivot: mostly within a day and a half, on a 15-minute grid (equal
    moments happen), sometimes anywhere in the ten days before it."""
    quarters = draw(st.one_of(st.integers(-36 * 4, 12 * 4), st.integers(-10 * 24 * 4, 3 * 24 * 4)))
    seconds = draw(st.sampled_from([0, 0, 0, -1, 1, 59]))
    return pivot + timedelta(minutes=15 * quarters, seconds=seconds)


@st.composite
def policies_with_cases(draw: st.DrawFn) -> tuple[Policy, list[tuple[CaseFacts, list[Proposal]]]]:
    """Draw a policy and one to three random cases, each with a few proposals against it."""
    overrides = draw(st.lists(st.sampled_from(OVERRIDES), max_size=3, unique_by=lambda rule: rule["code"]))
    policy = build_policy(draw(st.sampled_from(PACK_CHOICES)), overrides)
    return policy, draw(st.lists(cases_with_proposals(), min_size=1, max_size=3))


@st.composite
def cases_with_proposals(draw: st.DrawFn) -> tuple[CaseFacts, list[Proposal]]:
    """Draw a random case around a daylight-saving change and a few proposals against it."""
    pivot = draw(st.sampled_from(PIVOTS))
    zone_lists = st.lists(st.sampled_from(ZONES), max_size=3, unique=True)
    consumer = Person("C1", Relation.CONSUMER, tuple(draw(zone_lists)))
    third_parties = {
        f"T{index}": Person(f"T{index}", draw(st.sampled_from(list(Relation)[1:])), tuple(draw(zone_lists)))
        for index in range(draw(st.integers(0, 2)))
    }
    people = [consumer.id, *third_parties]
    debt_count = draw(st.integers(1, 3))
    debts = {
        f"D{index}": Debt(f"D{index}", draw(st.sampled_from([None, "G1"])), draw(st.booleans()))
        for index in range(debt_count)
    }
    debt_sets = st.frozensets(st.sampled_from(sorted(debts)), max_size=debt_count)
    # The consumer is the person most often reached, so that the counting rules fill up.
    person_ids = st.sampled_from([consumer.id] * 3 + people)
    # Sorted as the scenario reader and the database give them (equal moments keep their order).
    events = sorted(
        draw(st.lists(_events(pivot, person_ids, debt_sets), max_size=25))
        + [
            event
            for burst in draw(st.lists(_bursts(pivot, person_ids, debt_sets), max_size=2))
            for event in burst
        ],
        key=lambda event: event.at,
    )
    holds = draw(st.lists(_holds(pivot, people, debt_sets), max_size=2))
    consents = draw(st.lists(_consents(pivot, people), max_size=2))
    preferences = [
        Preference(
            draw(st.sampled_from(people)),
            draw(st.sampled_from(LOCAL_TIMES)),
            draw(st.sampled_from(LOCAL_TIMES)),
        )
        for _ in range(draw(st.integers(0, 1)))
    ]
    workplace = Workplace(frozenset({"+1-404-555-0102"}), draw(st.booleans()))
    case = CaseFacts(
        "AGY",
        consumer,
        debts,
        third_parties,
        tuple(holds),
        tuple(consents),
        tuple(preferences),
        tuple(events),
        workplace,
    )
    # Half the proposals come just after an event, where the counting rules bite.
    after_events = st.sampled_from([event.at for event in events] or [pivot]).flatmap(
        lambda at: st.integers(1, 240).map(lambda minutes: at + timedelta(minutes=minutes))
    )
    proposal_moments = st.one_of(moments(pivot), after_events)
    return case, draw(st.lists(_proposals(proposal_moments, person_ids, debt_sets), min_size=1, max_size=6))


def _events(
    pivot: datetime, person_ids: st.SearchStrategy[str], debt_sets: st.SearchStrategy[frozenset[str]]
) -> st.SearchStrategy[Event]:
    call_types = st.sampled_from([EventType.CALL_OUTBOUND] * 4 + [EventType.CALL_INBOUND] + list(EventType))
    return st.builds(
        Event,
        at=moments(pivot),
        type=call_types,
        person=person_ids,
        debts=debt_sets,
        by=st.sampled_from(COLLECTORS),
        outcome=st.one_of(st.none(), st.sampled_from(list(Outcome))),
        consent=st.sampled_from([False, False, False, True]),
        contact=st.sampled_from(CONTACTS),
    )


@st.composite
def _bursts(
    draw: st.DrawFn,
    pivot: datetime,
    person_ids: st.SearchStrategy[str],
    debt_sets: st.SearchStrategy[frozenset[str]],
) -> list[Event]:
    """Draw a run of contacts at a regular pace: a dialler's day or week, filling the caps."""
    start_at = draw(moments(pivot))
    step = timedelta(minutes=draw(st.sampled_from([4, 20, 90, 300, 700])))
    event_type = draw(st.sampled_from([EventType.CALL_OUTBOUND] * 3 + [EventType.SMS, EventType.LETTER]))
    person, debts, by = draw(person_ids), draw(debt_sets), draw(st.sampled_from(COLLECTORS))
    outcomes = draw(st.lists(st.one_of(st.none(), st.sampled_from(list(Outcome))), min_size=2, max_size=12))
    contact = draw(st.sampled_from(CONTACTS))
    return [
        Event(
            start_at + step * index,
            event_type,
            person,
            debts,
            by,
            outcome if event_type is EventType.CALL_OUTBOUND else None,
            contact=contact,
        )
        for index, outcome in enumerate(outcomes)
    ]


@st.composite
def _holds(
    draw: st.DrawFn, pivot: datetime, people: list[str], debt_sets: st.SearchStrategy[frozenset[str]]
) -> Hold:
    start_at = draw(moments(pivot))
    return Hold(
        type=draw(st.sampled_from(list(HoldType))),
        start_at=start_at,
        end_at=draw(
            st.one_of(st.none(), st.integers(1, 96).map(lambda hours: start_at + timedelta(hours=hours)))
        ),
        person=draw(st.one_of(st.none(), st.sampled_from(people))),
        debts=draw(debt_sets),
        contact=draw(st.sampled_from(CONTACTS)),
    )


@st.composite
def _consents(draw: st.DrawFn, pivot: datetime, people: list[str]) -> Consent:
    received_at = draw(moments(pivot))
    return Consent(
        person=draw(st.sampled_from(people)),
        given_directly=draw(st.booleans()),
        received_at=received_at,
        expires_at=draw(
            st.one_of(st.none(), st.integers(1, 200).map(lambda hours: received_at + timedelta(hours=hours)))
        ),
        scope=draw(st.frozensets(st.sampled_from(list(ConsentScope)), min_size=1)),
    )


def _proposals(
    proposal_moments: st.SearchStrategy[datetime],
    person_ids: st.SearchStrategy[str],
    debt_sets: st.SearchStrategy[frozenset[str]],
) -> st.SearchStrategy[Proposal]:
    actions = st.sampled_from([Action.CALL] * 4 + list(Action))
    return st.builds(
        Proposal,
        at=proposal_moments,
        action=actions,
        person=person_ids,
        debts=debt_sets,
        by=st.sampled_from(COLLECTORS),
        contact=st.sampled_from(CONTACTS),
        purpose=st.one_of(st.none(), st.sampled_from(list(Purpose))),
    )


def _both_forms(
    policy: Policy, cases: list[tuple[CaseFacts, list[Proposal]]]
) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """Return each proposal's (decision, reasons) from the scalar form and from the vectorized one."""
    pairs = [(case, proposal) for case, proposals in cases for proposal in proposals]
    frames, planned = frames_from_facts(pairs)
    decided = decide_many(frames, planned, policy)
    scalar = [
        (verdict.decision.value, list(verdict.reasons))
        for verdict in (decide(case, proposal, policy) for case, proposal in pairs)
    ]
    vectorized = [
        (row["decision"], row["reasons"])
        for row in decided.select("decision", "reasons").iter_rows(named=True)
    ]
    return scalar, vectorized


class TestVectorizedAgreesWithScalar:
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(policies_with_cases())
    def test_gives_every_proposal_the_same_decision_and_reasons_in_the_same_order(
        self, drawn: tuple[Policy, list[tuple[CaseFacts, list[Proposal]]]]
    ) -> None:
        policy, cases = drawn

        scalar, vectorized = _both_forms(policy, cases)

        assert vectorized == scalar

    def test_decides_many_cases_in_one_call_as_each_alone(self) -> None:
        pivot = PIVOTS[0]
        policy = build_policy(["us-regf"])
        consumer = Person("C1", Relation.CONSUMER, ("America/New_York",))
        debts = {"D1": Debt("D1")}
        proposed_at = pivot + timedelta(hours=9)  # 16:00 in New York, the day clocks went forward
        calls = tuple(
            Event(
                proposed_at - timedelta(minutes=20 * step),
                EventType.CALL_OUTBOUND,
                "C1",
                frozenset({"D1"}),
                "AGY",
                Outcome.NO_ANSWER,
            )
            for step in range(1, 8)
        )
        busy_case = CaseFacts("AGY", consumer, debts, events=calls)
        quiet_case = CaseFacts("AGY", consumer, debts)
        proposal = Proposal(proposed_at, Action.CALL, "C1", frozenset({"D1"}), "AGY")

        frames, planned = frames_from_facts([(busy_case, proposal), (quiet_case, proposal)])
        decided = decide_many(frames, planned, policy)

        assert decided.select("decision", "reasons", "policy").rows() == [
            ("DENY", ["US.FREQ.7IN7", "US.FREQ.PATTERN", "US.FREQ.AGGREGATE"], "us-regf@2026.11"),
            ("ALLOW", [], "us-regf@2026.11"),
        ]
        assert decided.schema["decision"] == pl.Enum(["ALLOW", "REVIEW", "DENY"])
