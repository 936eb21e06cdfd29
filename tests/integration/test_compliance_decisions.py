"""The contact decision on real debtors: facts from the database, refusals kept and audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from arrears.compliance import decisions, holds, policies
from arrears.compliance.models import ContactDecision, ContactEvent, Hold
from arrears.compliance.rules.vocabulary import Action, Decision, EventType, HoldType, Outcome
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import PermissionDenied
from arrears.portfolio.choices import ContactRole
from tests.factories.people import UserFactory
from tests.factories.portfolio import (
    ContactPersonFactory,
    ContactPointFactory,
    DebtFactory,
    DebtorFactory,
    PortfolioFactory,
)

pytestmark = pytest.mark.django_db

# 2026-03-31 10:00 in Shanghai.
MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)


@pytest.fixture
def debtor():
    return DebtorFactory(portfolio=PortfolioFactory(country="CN"))


class TestCheckContact:
    def test_allows_a_daytime_call_and_records_nothing(self, debtor):
        phone = ContactPointFactory(debtor=debtor)

        check = decisions.check_contact(
            debtor=debtor, action=Action.CALL, at=MORNING, now=MORNING, contact_point=phone
        )

        assert check.decision is Decision.ALLOW
        assert not ContactDecision.objects.exists()

    def test_refuses_a_night_call_with_the_rule_and_the_next_morning_and_keeps_the_refusal(self, debtor):
        phone = ContactPointFactory(debtor=debtor)
        night = datetime(2026, 3, 31, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
        collector = UserFactory(portfolios=[debtor.portfolio])

        check = decisions.check_contact(
            debtor=debtor, action=Action.CALL, at=night, now=night, contact_point=phone, actor=collector
        )

        assert check.decision is Decision.DENY
        assert [reason.code for reason in check.reasons] == ["CN.TIME.NIGHT"]
        assert check.reasons[0].rules == ("CN-TIME-01",)
        assert check.next_allowed_at.isoformat() == "2026-04-01T08:00:00+08:00"
        kept = ContactDecision.objects.get()
        assert (kept.decision, kept.reasons, kept.action, kept.decided_for) == (
            "DENY",
            ["CN.TIME.NIGHT"],
            "call",
            collector,
        )
        assert (
            AuditEvent.objects.filter(action="compliance.refuse_contact", object_id=str(kept.pk)).count() == 1
        )

    def test_an_opt_out_on_the_contact_point_refuses_sms_but_not_a_call(self, debtor):
        phone = ContactPointFactory(debtor=debtor, opt_outs={"sms": "2026-03-01T00:00:00+00:00"})

        sms = decisions.check_contact(
            debtor=debtor, action=Action.SMS, at=MORNING, now=MORNING, contact_point=phone
        )
        call = decisions.check_contact(
            debtor=debtor, action=Action.CALL, at=MORNING, now=MORNING, contact_point=phone
        )

        assert (sms.decision, [r.code for r in sms.reasons]) == (Decision.DENY, ["HOLD.OPT_OUT_SMS"])
        assert call.decision is Decision.ALLOW

    def test_a_us_debtor_without_a_known_zone_is_refused_fail_closed(self):
        debtor = DebtorFactory(portfolio=PortfolioFactory(country="US"))
        phone = ContactPointFactory(debtor=debtor, value="+12025550143", time_zones=[])

        check = decisions.check_contact(
            debtor=debtor, action=Action.CALL, at=MORNING, now=MORNING, contact_point=phone
        )

        assert [reason.code for reason in check.reasons] == ["US.TIME.NO_LOCATION"]
        assert check.verdict.missing_facts == ("zone",)

    def test_an_emergency_contact_may_not_be_called_while_the_debtor_is_reachable(self, debtor):
        sister = ContactPersonFactory(debtor=debtor, role=ContactRole.EMERGENCY_CONTACT)
        her_phone = ContactPointFactory(debtor=debtor, contact_person=sister, value="+8613900001111")

        check = decisions.check_contact(
            debtor=debtor, action=Action.CALL, at=MORNING, now=MORNING, contact_point=her_phone
        )

        assert "CN.3P.DEBTOR_REACHABLE" in [reason.code for reason in check.reasons]


class TestRecordContact:
    def test_three_connected_calls_then_the_fourth_is_refused_and_not_written(self, debtor):
        phone = ContactPointFactory(debtor=debtor)
        collector = UserFactory(portfolios=[debtor.portfolio])
        for hour in range(3):
            decisions.record_contact(
                debtor=debtor, type=EventType.CALL_OUTBOUND, outcome=Outcome.CONVERSATION, contact_point=phone,
                occurred_at=MORNING + timedelta(hours=hour), now=MORNING + timedelta(hours=hour), actor=collector,
            )  # fmt: skip

        with pytest.raises(decisions.ContactRefused) as refused:
            decisions.record_contact(
                debtor=debtor, type=EventType.CALL_OUTBOUND, outcome=Outcome.NO_ANSWER, contact_point=phone,
                occurred_at=MORNING + timedelta(hours=4), now=MORNING + timedelta(hours=4), actor=collector,
            )  # fmt: skip

        assert [reason.code for reason in refused.value.check.reasons] == ["CN.FREQ.CONNECTED3"]
        assert ContactEvent.objects.count() == 3
        assert ContactDecision.objects.get().reasons == ["CN.FREQ.CONNECTED3"]

    def test_a_contact_point_of_another_debtor_is_refused(self, debtor):
        stranger_phone = ContactPointFactory()

        with pytest.raises(decisions.ContactNotOfDebtor):
            decisions.record_contact(
                debtor=debtor, type=EventType.CALL_INBOUND, contact_point=stranger_phone, occurred_at=MORNING,
                now=MORNING, actor=None,
            )  # fmt: skip

        assert not ContactEvent.objects.exists()


class TestHolds:
    def test_a_dispute_hold_on_one_debt_refuses_contact_about_it_until_lifted(self, debtor):
        disputed, other = (
            DebtFactory(debtor=debtor, portfolio=debtor.portfolio),
            DebtFactory(debtor=debtor, portfolio=debtor.portfolio),
        )
        phone = ContactPointFactory(debtor=debtor)
        supervisor = UserFactory(supervisor=True, portfolios=[debtor.portfolio])
        hold = holds.place_hold(
            debtor=debtor, type=HoldType.DISPUTE, reason="Says the fee is wrong", starts_at=MORNING - timedelta(days=1),
            debt=disputed, actor=supervisor, now=MORNING,
        )  # fmt: skip

        about_disputed = decisions.check_contact(
            debtor=debtor, action=Action.CALL, at=MORNING, now=MORNING, contact_point=phone, debts=[disputed]
        )
        about_other = decisions.check_contact(
            debtor=debtor, action=Action.CALL, at=MORNING, now=MORNING, contact_point=phone, debts=[other]
        )
        holds.lift_hold(
            hold_id=hold.pk, reason="Verified and sent", actor=supervisor, now=MORNING + timedelta(hours=1)
        )
        after_lifting = decisions.check_contact(
            debtor=debtor, action=Action.CALL, at=MORNING + timedelta(hours=2), now=MORNING + timedelta(hours=2),
            contact_point=phone, debts=[disputed],
        )  # fmt: skip

        assert [reason.code for reason in about_disputed.reasons] == ["HOLD.DISPUTE"]
        assert about_other.decision is Decision.ALLOW
        assert after_lifting.decision is Decision.ALLOW
        assert (
            AuditEvent.objects.filter(action__in=["compliance.place_hold", "compliance.lift_hold"]).count()
            == 2
        )

    def test_a_collector_may_not_lift_a_hold(self, debtor):
        hold = holds.place_hold(
            debtor=debtor, type=HoldType.COMPLAINT, reason="Complained by phone", starts_at=MORNING, actor=None,
            now=MORNING,
        )  # fmt: skip

        with pytest.raises(PermissionDenied):
            holds.lift_hold(hold_id=hold.pk, reason="Done", actor=UserFactory(), now=MORNING)

        assert Hold.objects.get().ends_at is None

    def test_a_hold_without_a_reason_is_refused_and_nothing_is_written(self, debtor):
        with pytest.raises(holds.InvalidHold, match="Say why"):
            holds.place_hold(
                debtor=debtor, type=HoldType.DECEASED, reason="  ", starts_at=MORNING, actor=None, now=MORNING
            )

        assert not Hold.objects.exists()


class TestPolicies:
    def test_an_unknown_pack_is_refused_by_name(self, debtor):
        with pytest.raises(policies.InvalidPolicy, match="'mars'"):
            policies.set_policy(
                portfolio=debtor.portfolio,
                packs=["mars"],
                overrides=[],
                collector_entity="",
                actor=None,
                now=MORNING,
            )

    def test_own_rules_make_sundays_off_limits(self, debtor):
        policies.set_policy(
            portfolio=debtor.portfolio, packs=["cn"], collector_entity="BANK", actor=None, now=MORNING,
            overrides=[{"kind": "weekdays", "weekdays": ["sunday"], "code": "PORTFOLIO.SUNDAY"}],
        )  # fmt: skip
        phone = ContactPointFactory(debtor=debtor)
        sunday = datetime(2026, 3, 29, 2, 0, tzinfo=UTC)

        check = decisions.check_contact(
            debtor=debtor, action=Action.SMS, at=sunday, now=sunday, contact_point=phone
        )

        assert [reason.code for reason in check.reasons] == ["PORTFOLIO.SUNDAY"]
        assert check.next_allowed_at.isoformat() == "2026-03-30T08:00:00+08:00"


class TestNotes:
    def test_a_threatening_note_is_blocked_and_nothing_is_written(self, debtor):
        phone = ContactPointFactory(debtor=debtor)

        with pytest.raises(decisions.NoteBlocked, match="CN-C02"):
            decisions.record_contact(
                debtor=debtor, type=EventType.CALL_OUTBOUND, outcome=Outcome.CONVERSATION, contact_point=phone,
                occurred_at=MORNING, now=MORNING, actor=None, note="告诉他不还钱就让你坐牢",
            )  # fmt: skip

        assert not ContactEvent.objects.exists()
        assert not ContactDecision.objects.exists()

    def test_a_plain_note_is_kept(self, debtor):
        phone = ContactPointFactory(debtor=debtor)

        event = decisions.record_contact(
            debtor=debtor, type=EventType.CALL_OUTBOUND, outcome=Outcome.CONVERSATION, contact_point=phone,
            occurred_at=MORNING, now=MORNING, actor=None, note="客户表示本周五通过官方App还款。",
        )  # fmt: skip

        assert event.note == "客户表示本周五通过官方App还款。"
