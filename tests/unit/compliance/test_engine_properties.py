"""No sequence of contacts the engine allows ever breaks a cap or a window.

A greedy dialler proposes a call or an SMS every few minutes for weeks, around daylight-saving
changes, in random zones; every contact not denied becomes history with a random outcome. The
history is then checked against the rules directly, with the zone database, not the engine.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.compliance.rules.decide import decide
from arrears.compliance.rules.facts import CaseFacts, Debt, Event, Person, Proposal
from arrears.compliance.rules.packs import build_policy
from arrears.compliance.rules.vocabulary import (
    CONNECTED,
    NOT_CONNECTED,
    Action,
    Decision,
    EventType,
    Outcome,
    Relation,
)

ZONES = [
    "America/Phoenix", "America/Denver", "America/New_York", "America/Los_Angeles",
    "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe",
]  # fmt: skip
# A few days before a daylight-saving change (US, EU, Lord Howe), so the run crosses it.
STARTS = [
    datetime(2024, 3, 5, 0, 0, tzinfo=UTC),
    datetime(2024, 10, 29, 0, 0, tzinfo=UTC),
    datetime(2024, 3, 26, 0, 0, tzinfo=UTC),
    datetime(2024, 10, 22, 0, 0, tzinfo=UTC),
    datetime(2024, 4, 2, 0, 0, tzinfo=UTC),
    datetime(2024, 10, 1, 0, 0, tzinfo=UTC),
]
NUMBERS = ["+1-404-555-0101", "+1-303-555-0148"]
DEBTS = {"D1": Debt("D1"), "D2": Debt("D2", group="G"), "D3": Debt("D3", group="G")}
DEBT_CHOICES = [frozenset({"D1"}), frozenset({"D2"}), frozenset({"D3"}), frozenset({"D1", "D2"}), frozenset()]
OUTCOMES = list(Outcome)
# Conversations often enough to test the post-conversation prong, connected calls for the CN cap.
OUTCOME_WEIGHTS = [1, 1, 4, 2, 1, 1, 2, 2, 1]
PACKS = {"us-regf": (time(8), time(21)), "cn": (time(8), time(22))}


def simulate(
    pack: str, zones: tuple[str, ...], start: datetime, days: int, every: timedelta, rng: random.Random
) -> CaseFacts:
    """Run a greedy dialler: propose a contact every `every`, place each one the engine does not deny.

    A REVIEW is placed too (as if a supervisor approved every one): the hard caps must hold even
    then, and the soft Reg F flags (a burst of attempts, seven calls across debts) would otherwise
    stop the dialler before the hard ones bind.
    """
    policy = build_policy([pack])
    case = CaseFacts("AGY", Person("C1", Relation.CONSUMER, zones), DEBTS)
    events: list[Event] = []
    moment = start
    while moment < start + timedelta(days=days):
        action = Action.CALL if rng.random() < 0.85 else Action.SMS
        proposal = Proposal(moment, action, "C1", rng.choice(DEBT_CHOICES), "AGY", rng.choice(NUMBERS))
        if decide(replace(case, events=tuple(events)), proposal, policy).decision is not Decision.DENY:
            outcome = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0] if action is Action.CALL else None
            event_type = EventType.CALL_OUTBOUND if action is Action.CALL else EventType.SMS
            events.append(
                Event(moment, event_type, "C1", proposal.debts, "AGY", outcome, contact=proposal.contact)
            )
        moment += every
    return replace(case, events=tuple(events))


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def particular_debts(event: Event) -> set[str]:
    return {DEBTS[debt_id].particular_debt for debt_id in event.debts or DEBTS}


def is_counted(event: Event) -> bool:
    return event.outcome not in NOT_CONNECTED and event.outcome is not Outcome.THIRD_PARTY_ANSWERED


def calls(case: CaseFacts) -> list[Event]:
    return [event for event in case.events if event.type is EventType.CALL_OUTBOUND]


runs = st.tuples(
    st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True).map(tuple),
    st.sampled_from(STARTS).flatmap(
        lambda start: st.integers(0, 5).map(lambda days: start - timedelta(days=days))
    ),
    st.integers(10, 18),
    st.sampled_from([17, 31, 47, 59]).map(lambda minutes: timedelta(minutes=minutes)),
    # A seed, not st.randoms(): the dialler draws thousands of outcomes.
    st.integers(0, 2**32).map(random.Random),
)


class TestGreedyDiallerUnderRegF:
    @settings(max_examples=12, deadline=None)
    @given(runs)
    def test_never_places_more_than_seven_counted_calls_about_a_debt_in_seven_days(self, run) -> None:
        zones, start, days, every, rng = run

        case = simulate("us-regf", zones, start, days, every, rng)

        primary = zones[0]
        per_debt_day: Counter[tuple[str, date]] = Counter()
        for event in calls(case):
            if is_counted(event):
                for particular in particular_debts(event):
                    per_debt_day[particular, local(event.at, primary).date()] += 1
        for particular, day in per_debt_day:
            window = sum(per_debt_day[particular, day - timedelta(days=back)] for back in range(7))
            assert window <= 7, (particular, day, window)

    @settings(max_examples=12, deadline=None)
    @given(runs)
    def test_never_calls_about_a_debt_in_the_seven_days_after_a_conversation_about_it(self, run) -> None:
        zones, start, days, every, rng = run

        case = simulate("us-regf", zones, start, days, every, rng)

        primary = zones[0]
        conversations = [event for event in calls(case) if event.outcome is Outcome.CONVERSATION]
        for call in calls(case):
            day = local(call.at, primary).date()
            for conversation in conversations:
                if conversation.at >= call.at or not particular_debts(conversation) & particular_debts(call):
                    continue
                talked_on = local(conversation.at, primary).date()
                assert not talked_on <= day <= talked_on + timedelta(days=6), (conversation, call)


class TestGreedyDiallerUnderEveryWindow:
    @settings(max_examples=16, deadline=None)
    @given(st.sampled_from(sorted(PACKS)), runs)
    def test_never_contacts_outside_the_window_in_any_candidate_zone(self, pack, run) -> None:
        zones, start, days, every, rng = run

        case = simulate(pack, zones, start, min(days, 12), every, rng)

        opens, closes = PACKS[pack]
        assert case.events, "the dialler placed nothing at all"
        for event in case.events:
            for zone in zones:
                assert opens <= local(event.at, zone).time() < closes, (event.at, zone)


class TestGreedyDiallerUnderCn:
    @settings(max_examples=12, deadline=None)
    @given(runs)
    def test_never_exceeds_three_connected_calls_or_six_unanswered_attempts_a_number_a_day(self, run) -> None:
        zones, start, days, every, rng = run

        case = simulate("cn", zones, start, days, every, rng)

        primary = zones[0]
        connected: Counter[date] = Counter()
        unanswered: Counter[tuple[date, str | None]] = Counter()
        for event in calls(case):
            day = local(event.at, primary).date()
            if event.outcome in CONNECTED:
                connected[day] += 1
            if event.outcome is not Outcome.CONVERSATION:
                unanswered[day, event.contact] += 1
        assert max(connected.values(), default=0) <= 3
        assert max(unanswered.values(), default=0) <= 6
