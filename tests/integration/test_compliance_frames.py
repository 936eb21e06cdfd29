"""Case frames read set-based from the database: the same frames, and decisions, as the facts path."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from arrears.compliance import frames as case_frames
from arrears.compliance import history, policies
from arrears.compliance.models import ContactEvent, Hold
from arrears.compliance.rules.facts import Proposal
from arrears.compliance.rules.vectorized import CaseFrames, decide_many, frames_from_facts
from arrears.compliance.rules.vocabulary import Action, Decision, EventType, HoldType, Outcome
from arrears.portfolio.choices import ContactKind, ContactRole
from arrears.portfolio.models import ContactPerson, ContactPoint, Debtor, Portfolio
from arrears.usecases.demo import load
from tests.factories.portfolio import (
    ContactPersonFactory,
    ContactPointFactory,
    DebtFactory,
    DebtorFactory,
    PortfolioFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 31, 20, 59, 59, 250_000, tzinfo=UTC)
# The demo's holds start 1 and 3 days before NOW, hardship reviews end 14 days after it.
MOMENTS = [NOW - timedelta(days=2), NOW, NOW + timedelta(days=15)]
SORT_KEYS = {
    "cases": ["case_id"], "persons": ["case_id", "person"], "debts": ["case_id", "debt"],
    "events": ["case_id", "seq"], "holds": ["case_id", "seq"], "consents": ["case_id", "person"],
    "preferences": ["case_id", "person"],
}  # fmt: skip
ACTIONS_OF_KIND = {ContactKind.PHONE: [Action.CALL, Action.SMS], ContactKind.EMAIL: [Action.EMAIL]}


@pytest.fixture
def demo() -> list[int]:
    load.load_demo(seed=7, debtors=60, as_of=date(2026, 3, 31), with_users=False, now=NOW)
    return sorted(Debtor.objects.values_list("pk", flat=True))


def _collectors(debtor_ids: list[int]) -> dict[int, str]:
    entities = {
        portfolio.pk: policies.get_collector_entity(portfolio) for portfolio in Portfolio.objects.all()
    }
    rows = Debtor.objects.filter(pk__in=debtor_ids).values_list("pk", "portfolio_id")
    return {debtor_id: entities[portfolio_id] for debtor_id, portfolio_id in rows}


def _facts_frames(debtor_ids: list[int], collectors: dict[int, str], now: datetime) -> CaseFrames:
    """Return `frames_from_facts` over `load_cases`, numbered by debtor id instead of by appearance."""
    cases = history.load_cases(debtor_ids=debtor_ids, collectors=collectors, now=now)
    ids = sorted(cases)
    anyone = Proposal(at=now, action=Action.LETTER, person=history.DEBTOR, debts=frozenset(), by="")
    frames, _planned = frames_from_facts([(cases[debtor_id], anyone) for debtor_id in ids])
    return CaseFrames(
        **{
            name: getattr(frames, name).with_columns(
                pl.col("case_id").replace_strict(list(range(len(ids))), ids, return_dtype=pl.Int64)
            )
            for name in SORT_KEYS
        }
    )


def _assert_same_frames(actual: CaseFrames, expected: CaseFrames) -> None:
    for name, keys in SORT_KEYS.items():
        try:
            assert_frame_equal(
                getattr(actual, name).sort(keys), getattr(expected, name).sort(keys), check_exact=True
            )
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def _planned(debtor_ids: list[int], collectors: dict[int, str], moments: list[datetime]) -> pl.DataFrame:
    """Return an SMS, a call or an e-mail to every contact point of the debtors, and a letter, at each moment."""
    points = ContactPoint.objects.filter(debtor_id__in=debtor_ids).order_by("pk")
    rows = [
        {"case_id": debtor_id, "person": history.person_key(person_id), "contact": history.contact_key(point_id),
         "action": action.value, "by": collectors[debtor_id]}
        for point_id, debtor_id, person_id, kind in points.values_list("pk", "debtor_id", "contact_person_id", "kind")
        for action in ACTIONS_OF_KIND.get(ContactKind(kind), [])
    ] + [
        {"case_id": debtor_id, "person": history.DEBTOR, "contact": None, "action": Action.LETTER.value,
         "by": collectors[debtor_id]}
        for debtor_id in debtor_ids
    ]  # fmt: skip
    return case_frames.planned_frame([row | {"at": moment} for moment in moments for row in rows])


class TestReadCaseFramesOnTheDemo:
    def test_equals_the_frames_of_the_facts_path_at_each_moment_in_one_chunk_or_many(self, demo, monkeypatch):
        collectors = _collectors(demo)
        assert Hold.objects.exists() and ContactPerson.objects.exists()
        assert ContactEvent.objects.count() > len(demo)

        for now in MOMENTS:
            frames = case_frames.read_case_frames(debtor_ids=demo, collectors=collectors, now=now)

            _assert_same_frames(frames, _facts_frames(demo, collectors, now))

        monkeypatch.setattr(case_frames, "CHUNK_SIZE", 7)
        chunked = case_frames.read_case_frames(debtor_ids=pl.Series(demo), collectors=collectors, now=NOW)
        _assert_same_frames(chunked, _facts_frames(demo, collectors, NOW))

    def test_gives_decide_many_the_same_decisions_as_the_facts_path(self, demo):
        collectors = _collectors(demo)
        decisions: set[str] = set()

        for now in MOMENTS:
            frames = case_frames.read_case_frames(debtor_ids=demo, collectors=collectors, now=now)
            expected = _facts_frames(demo, collectors, now)
            for portfolio in Portfolio.objects.order_by("pk"):
                debtor_ids = sorted(Debtor.objects.filter(portfolio=portfolio).values_list("pk", flat=True))
                planned = _planned(
                    debtor_ids, collectors, [now + timedelta(hours=hours) for hours in (1, 9, 30)]
                )
                policy = policies.get_policy(portfolio)

                decided = decide_many(frames, planned, policy)

                assert_frame_equal(decided, decide_many(expected, planned, policy))
                decisions |= set(decided["decision"])

        assert {Decision.ALLOW.value, Decision.DENY.value} <= decisions


class TestReadCaseFramesEdgeCases:
    @pytest.fixture
    def debtor(self) -> Debtor:
        return DebtorFactory(portfolio=PortfolioFactory(country="US"))

    @pytest.fixture
    def facts(self, debtor) -> dict[str, object]:
        """Build a debtor with every kind of fact the frames carry, and one debtor with none."""
        debts = [DebtFactory(debtor=debtor) for _ in range(2)]
        phone = ContactPointFactory(debtor=debtor, time_zones=["America/New_York", "America/Chicago"])
        other_phone = ContactPointFactory(
            debtor=debtor, value="+8613900000000", is_primary=False, time_zones=["America/Chicago", "America/Denver"],
            opt_outs={"sms": "2026-03-20T10:00:00+00:00", "call": "2026-03-21T09:30:00.125000+08:00"},
        )  # fmt: skip
        email = ContactPointFactory(
            debtor=debtor, email=True, is_primary=False, time_zones=[], do_not_contact=True,
            opt_outs={"email": "2026-03-22T00:00:00+00:00", "app": "2026-03-23T00:00:00+00:00"},
        )  # fmt: skip
        guarantor = ContactPersonFactory(debtor=debtor, role=ContactRole.GUARANTOR)
        guarantor_phone = ContactPointFactory(
            debtor=debtor, contact_person=guarantor, value="+8613700000000", time_zones=["Europe/London"]
        )
        family = ContactPersonFactory(debtor=debtor, role=ContactRole.FAMILY)
        self._hold(debtor, HoldType.ATTORNEY, NOW - timedelta(days=9), ends_at=NOW - timedelta(hours=1))
        self._hold(debtor, HoldType.COMPLAINT, NOW - timedelta(days=8), ends_at=NOW)
        self._hold(debtor, HoldType.DISPUTE, NOW - timedelta(days=2), debt_id=debts[1].pk)
        self._hold(debtor, HoldType.WRITTEN_CEASE, NOW - timedelta(days=5), ends_at=NOW + timedelta(microseconds=1),
                   contact_person_id=guarantor.pk, contact_point_id=guarantor_phone.pk)  # fmt: skip
        self._event(debtor, NOW - history.LOOKBACK - timedelta(microseconds=1), contact_point_id=phone.pk)
        self._event(
            debtor,
            NOW - history.LOOKBACK,
            debt_ids=[debts[1].pk, debts[0].pk, debts[1].pk],
            contact_point_id=phone.pk,
        )
        self._event(debtor, NOW - timedelta(days=1), outcome="", by_entity="")
        self._event(debtor, NOW - timedelta(days=2), contact_person_id=guarantor.pk, with_consent=True,
                    type=EventType.CALL_INBOUND.value, outcome=Outcome.CONVERSATION.value)  # fmt: skip
        self._event(debtor, NOW - timedelta(days=2), contact_person_id=family.pk, type=EventType.SMS.value)
        bare = DebtorFactory(portfolio=debtor.portfolio)
        return {"debts": debts, "phone": phone, "other_phone": other_phone, "email": email, "guarantor": guarantor,
                "guarantor_phone": guarantor_phone, "family": family, "bare": bare}  # fmt: skip

    @staticmethod
    def _hold(debtor: Debtor, type: HoldType, starts_at: datetime, **fields: object) -> Hold:
        return Hold.objects.create(
            debtor=debtor, type=type.value, starts_at=starts_at, reason="test", created_at=starts_at, **fields
        )

    @staticmethod
    def _event(debtor: Debtor, occurred_at: datetime, **fields: object) -> ContactEvent:
        values = {
            "type": EventType.CALL_OUTBOUND.value,
            "outcome": Outcome.NO_ANSWER.value,
            "by_entity": "Bank",
        }
        return ContactEvent.objects.create(
            debtor=debtor, occurred_at=occurred_at, created_at=occurred_at, **(values | fields)
        )

    def _read(self, debtor_ids: list[int]) -> CaseFrames:
        return case_frames.read_case_frames(debtor_ids=debtor_ids, collectors="Bank", now=NOW)

    def test_equals_the_frames_of_the_facts_path(self, debtor, facts):
        ids = [debtor.pk, facts["bare"].pk]

        frames = self._read(ids)

        _assert_same_frames(frames, _facts_frames(ids, dict.fromkeys(ids, "Bank"), NOW))

    def test_keeps_open_holds_then_the_points_own_holds_in_point_order(self, debtor, facts):
        holds = self._read([debtor.pk]).holds.sort("seq")

        other_phone, email = f"point:{facts['other_phone'].pk}", f"point:{facts['email'].pk}"
        assert holds.select("seq", "type", "contact").rows()[:5] == [
            (0, "written_cease", f"point:{facts['guarantor_phone'].pk}"), (1, "dispute", None),
            (2, "opt_out_sms", other_phone), (3, "opt_out_call", other_phone), (4, "do_not_contact", email),
        ]  # fmt: skip
        # The e-mail's opt-outs follow the key order the database keeps (jsonb sorts keys, SQLite does not).
        assert sorted(holds.select("type", "contact").rows()[5:]) == [
            ("opt_out_app", email),
            ("opt_out_email", email),
        ]
        assert holds["seq"].to_list() == list(range(7))
        assert holds.filter(pl.col("type") == "written_cease").select(
            "person", "start_at", "end_at"
        ).rows() == [
            (f"person:{facts['guarantor'].pk}", NOW - timedelta(days=5), NOW + timedelta(microseconds=1))
        ]
        assert holds.filter(pl.col("type") == "dispute").select("debts", "end_at").rows() == [
            ([str(facts["debts"][1].pk)], None)
        ]
        assert holds.filter(pl.col("type").is_in(["opt_out_call", "do_not_contact"]))["start_at"].to_list() == [
            datetime(2026, 3, 21, 1, 30, 0, 125_000, tzinfo=UTC), facts["email"].created_at,
        ]  # fmt: skip

    def test_keeps_the_events_since_the_lookback_in_time_then_id_order(self, debtor, facts):
        events = self._read([debtor.pk]).events.sort("seq")

        assert events.select("seq", "at", "type", "outcome", "by", "consent").rows() == [
            (0, NOW - history.LOOKBACK, "call_outbound", "no_answer", "Bank", False),
            (1, NOW - timedelta(days=2), "call_inbound", "conversation", "Bank", True),
            (2, NOW - timedelta(days=2), "sms", "no_answer", "Bank", False),
            (3, NOW - timedelta(days=1), "call_outbound", None, "", False),
        ]
        assert events["debts"].to_list()[0] == sorted(str(debt.pk) for debt in facts["debts"])
        assert events["person"].to_list() == [
            "debtor", f"person:{facts['guarantor'].pk}", f"person:{facts['family'].pk}", "debtor",
        ]  # fmt: skip

    def test_gives_a_debtor_without_points_or_history_a_bare_case(self, facts):
        frames = self._read([facts["bare"].pk])

        assert frames.persons.select("person", "relation", "zones").rows() == [("debtor", "consumer", [])]
        assert (frames.events.height, frames.holds.height, frames.debts.height) == (0, 0, 0)
        assert frames.cases.rows() == [(facts["bare"].pk, "Bank", "debtor", False, [])]

    def test_gives_each_person_the_zones_of_their_own_points(self, debtor, facts):
        persons = self._read([debtor.pk]).persons.sort("person")

        assert persons.select("person", "relation", "zones").rows() == sorted([
            ("debtor", "consumer", ["America/New_York", "America/Chicago", "America/Denver"]),
            (f"person:{facts['guarantor'].pk}", "guarantor", ["Europe/London"]),
            (f"person:{facts['family'].pk}", "family", []),
        ])  # fmt: skip

    def test_reads_no_debtors_as_empty_frames(self):
        frames = case_frames.read_case_frames(debtor_ids=[], collectors={}, now=NOW)

        assert [getattr(frames, name).height for name in SORT_KEYS] == [0] * len(SORT_KEYS)

    def test_refuses_an_opt_out_moment_it_cannot_read_like_the_facts_path(self, debtor):
        point = ContactPointFactory(debtor=debtor, opt_outs={"sms": "last Tuesday"})

        with pytest.raises(ValueError, match=f"contact point {point.pk}: opt-out since 'last Tuesday'"):
            self._read([debtor.pk])
        with pytest.raises(ValueError, match="Invalid isoformat"):
            history.load_cases(debtor_ids=[debtor.pk], collectors={debtor.pk: "Bank"}, now=NOW)

    def test_refuses_a_collectors_mapping_that_lacks_a_debtor(self, debtor, facts):
        with pytest.raises(KeyError, match=str(facts["bare"].pk)):
            case_frames.read_case_frames(
                debtor_ids=[debtor.pk, facts["bare"].pk], collectors={debtor.pk: "Bank"}, now=NOW
            )
