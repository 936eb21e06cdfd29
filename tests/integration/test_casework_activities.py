"""Recording what a contact came to: linted notes, compliance on calls and callbacks, stale pages, double submits."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from arrears.casework import activities, guards, timeline
from arrears.casework.models import (
    ActionOutcome,
    Activity,
    Arrangement,
    CaseAction,
    Dispute,
    Escalation,
    StageEvent,
    WorkItem,
    WorkItemStatus,
)
from arrears.comms.models import Message
from arrears.compliance import decisions
from arrears.compliance.models import ContactDecision, ContactEvent
from arrears.core.audit.models import AuditEvent
from arrears.portfolio.models import Payment
from tests.factories.cases import CaseFactory, PromiseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import (
    ContactPointFactory,
    DebtFactory,
    DebtorFactory,
    LedgerEntryFactory,
    PortfolioFactory,
)

pytestmark = pytest.mark.django_db

MORNING_IN_SHANGHAI = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 local
NIGHT_IN_SHANGHAI = datetime(2026, 3, 31, 14, 30, tzinfo=UTC)  # 22:30 local


@pytest.fixture
def case():
    debtor = DebtorFactory(
        portfolio=PortfolioFactory(code="cn-consumer", country="CN", time_zone="Asia/Shanghai")
    )
    return CaseFactory(debt=DebtFactory(debtor=debtor), stage="early")


@pytest.fixture
def phone(case):
    return ContactPointFactory(debtor=case.debtor)


@pytest.fixture
def collector(case):
    return UserFactory(username="lina", portfolios=[case.portfolio])


def _record(case, collector, *, now=MORNING_IN_SHANGHAI, **fields):
    values = {"result": "right_party", "expected_revision": case.revision, "request_key": "key-1", **fields}
    return activities.record_activity(case_id=case.pk, actor=collector, now=now, **values)


class TestRecordActivity:
    def test_records_the_contact_and_the_activity_and_closes_my_item_for_it(self, case, phone, collector):
        item = WorkItem.objects.create(
            case=case, portfolio=case.portfolio, queue="early-calls", kind="call", business_date=date(2026, 3, 31),
            assigned_to=collector, idempotency_key="cycle:1", created_at=MORNING_IN_SHANGHAI,
        )  # fmt: skip

        activity = _record(case, collector, contact_point_id=phone.pk, note="Will pay on Friday")

        event = ContactEvent.objects.get()
        assert (event.type, event.outcome, event.contact_point_id) == (
            "call_outbound",
            "conversation",
            phone.pk,
        )
        assert (activity.result, activity.note, activity.contact_event_id) == (
            "right_party",
            "Will pay on Friday",
            event.pk,
        )
        item.refresh_from_db()
        assert (item.status, item.closed_at) == (WorkItemStatus.DONE, MORNING_IN_SHANGHAI)
        case.refresh_from_db()
        assert case.revision == 1
        audit = AuditEvent.objects.get(action="casework.record_activity")
        assert audit.after["closed_work_items"] == [item.pk]

    def test_maps_a_busy_line_to_a_call_not_connected(self, case, phone, collector):
        _record(case, collector, result="busy", contact_point_id=phone.pk)

        assert ContactEvent.objects.get().outcome == "not_connected_busy"

    def test_a_double_submit_returns_the_first_activity_and_records_nothing_more(
        self, case, phone, collector
    ):
        first = _record(case, collector, contact_point_id=phone.pk)

        again = _record(case, collector, contact_point_id=phone.pk, expected_revision=0)

        assert again == first
        assert Activity.objects.count() == 1
        assert ContactEvent.objects.count() == 1

    def test_a_stale_page_changes_nothing(self, case, phone, collector):
        case.revision = 2
        case.save()

        with pytest.raises(guards.StaleCase, match="changed while you were looking at it"):
            _record(case, collector, contact_point_id=phone.pk, expected_revision=1)

        assert not Activity.objects.exists()
        assert not ContactEvent.objects.exists()

    def test_a_note_with_forbidden_wording_names_the_rule_and_saves_nothing(self, case, phone, collector):
        with pytest.raises(decisions.NoteBlocked, match="CN-C02"):
            _record(case, collector, contact_point_id=phone.pk, note="告诉他不还钱就让你坐牢")

        assert not Activity.objects.exists()
        assert not ContactEvent.objects.exists()
        case.refresh_from_db()
        assert case.revision == 0

    def test_a_call_at_night_is_refused_the_refusal_is_kept_and_nothing_else(self, case, phone, collector):
        with pytest.raises(decisions.ContactRefused, match=r"CN\.TIME\.NIGHT") as refused:
            _record(case, collector, contact_point_id=phone.pk, now=NIGHT_IN_SHANGHAI)

        assert refused.value.check.next_allowed_at.isoformat() == "2026-04-01T08:00:00+08:00"
        assert not Activity.objects.exists()
        assert not ContactEvent.objects.exists()
        assert list(ContactDecision.objects.values_list("decision", "action")) == [("DENY", "call")]

    def test_a_callback_at_night_is_refused_with_the_next_allowed_moment(self, case, phone, collector):
        night = datetime(2026, 3, 31, 15, 0, tzinfo=UTC)  # 23:00 local

        with pytest.raises(
            activities.CallbackNotAllowed, match="next allowed moment is 2026-04-01 08:00 \\+0800"
        ):
            _record(case, collector, result="callback", contact_point_id=phone.pk, callback_at=night)

        assert not Activity.objects.exists()
        assert not ContactEvent.objects.exists()

    def test_a_callback_in_the_past_is_refused(self, case, phone, collector):
        with pytest.raises(activities.InvalidActivity, match="not in the future"):
            _record(
                case,
                collector,
                result="callback",
                contact_point_id=phone.pk,
                callback_at=datetime(2026, 3, 30, 2, 0, tzinfo=UTC),
            )

    def test_a_callback_request_needs_a_time(self, case, phone, collector):
        with pytest.raises(activities.InvalidActivity, match="callback_at"):
            _record(case, collector, result="callback", contact_point_id=phone.pk)

    def test_an_allowed_callback_goes_into_my_queue_on_its_local_date(self, case, phone, collector):
        tomorrow_morning = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)

        activity = _record(
            case, collector, result="callback", contact_point_id=phone.pk, callback_at=tomorrow_morning
        )

        item = WorkItem.objects.get(idempotency_key=f"callback:{activity.pk}")
        assert (item.queue, item.kind, item.business_date, item.assigned_to) == (
            "callbacks",
            "call",
            date(2026, 4, 1),
            collector,
        )

    def test_an_outbound_call_needs_a_phone_of_this_debtor(self, case, collector):
        stranger = ContactPointFactory()

        with pytest.raises(activities.InvalidActivity, match="not one of this debtor's"):
            _record(case, collector, contact_point_id=stranger.pk)
        with pytest.raises(activities.InvalidActivity, match="Choose the contact point"):
            _record(case, collector)

    def test_an_inbound_call_needs_no_contact_point_and_no_permission(self, case, collector):
        _record(case, collector, channel="call_inbound", now=NIGHT_IN_SHANGHAI)

        assert ContactEvent.objects.get().type == "call_inbound"


class TestSetDelinquencyReason:
    def test_saves_the_reason_with_an_audit_event(self, case, collector):
        activities.set_delinquency_reason(
            case_id=case.pk, reason="cash_flow", actor=collector, now=MORNING_IN_SHANGHAI, expected_revision=0
        )

        case.refresh_from_db()
        assert (case.delinquency_reason, case.revision) == ("cash_flow", 1)
        event = AuditEvent.objects.get(action="casework.set_delinquency_reason")
        assert (event.before, event.after) == (
            {"delinquency_reason": "unknown"},
            {"delinquency_reason": "cash_flow"},
        )

    def test_refuses_an_unknown_reason(self, case, collector):
        with pytest.raises(activities.InvalidActivity, match="bored"):
            activities.set_delinquency_reason(
                case_id=case.pk, reason="bored", actor=collector, now=MORNING_IN_SHANGHAI, expected_revision=0
            )

    def test_refuses_a_stale_page(self, case, collector):
        case.revision = 5
        case.save()

        with pytest.raises(guards.StaleCase):
            activities.set_delinquency_reason(
                case_id=case.pk,
                reason="forgot",
                actor=collector,
                now=MORNING_IN_SHANGHAI,
                expected_revision=4,
            )

        case.refresh_from_db()
        assert case.delinquency_reason == "unknown"


class TestRevealPersonalData:
    def test_returns_the_value_and_logs_who_and_why(self, case, phone, collector):
        value = activities.reveal_personal_data(
            case=case, field=f"contact_point:{phone.pk}", reason="Debtor asks to confirm the number",
            actor=collector, now=MORNING_IN_SHANGHAI,
        )  # fmt: skip

        assert value == "+8613812345678"
        event = AuditEvent.objects.get(action="casework.reveal_personal_data")
        assert (event.reason, event.actor_label) == ("Debtor asks to confirm the number", "lina")

    def test_needs_a_reason(self, case, phone, collector):
        with pytest.raises(activities.InvalidReveal):
            activities.reveal_personal_data(
                case=case, field="national_id", reason="  ", actor=collector, now=MORNING_IN_SHANGHAI
            )

        assert not AuditEvent.objects.filter(action="casework.reveal_personal_data").exists()


class TestTimeline:
    def test_holds_every_kind_newest_first(self, case, phone, collector):
        _record(case, collector, contact_point_id=phone.pk, note="Spoke to her")
        StageEvent.objects.create(
            case=case, business_date=date(2026, 3, 2), stage_from="", stage_to="early", segment="standard",
            rule="default@1/paths/standard/early/enter_when", condition="days_past_due >= 1", strategy="default@1",
            created_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        )  # fmt: skip
        CaseAction.objects.create(
            case=case, business_date=date(2026, 3, 5), rule="default@1/paths/standard/early/call", channel="call",
            outcome=ActionOutcome.REFUSED, reasons=["CN.TIME.NIGHT"], created_at=datetime(2026, 3, 5, 1, 0, tzinfo=UTC),
        )  # fmt: skip
        Message.objects.create(
            debtor=case.debtor, debt=case.debt, channel="sms", purpose="reminder", language="zh-hans", body="…",
            not_before=datetime(2026, 3, 3, 2, 0, tzinfo=UTC), idempotency_key="m1", source="cycle",
            created_at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC),
        )  # fmt: skip
        LedgerEntryFactory(debt=case.debt)
        Payment.objects.create(
            portfolio=case.portfolio, debt=case.debt, external_ref="P1", amount=Decimal("100.00"), currency="CNY",
            received_date=date(2026, 3, 15), channel="bank_transfer", source="payment",
            posted_at=datetime(2026, 3, 15, 8, 0, tzinfo=UTC),
        )  # fmt: skip
        PromiseFactory(case=case, created_at=datetime(2026, 3, 1, 3, 0, tzinfo=UTC))

        entries = timeline.build_timeline(case=case)

        assert [entry["kind"] for entry in entries] == [
            "contact", "activity", "payment", "refusal", "message", "stage", "promise",
        ]  # fmt: skip
        refusal = entries[3]
        assert refusal["rule"] == "default@1/paths/standard/early/call · CN.TIME.NIGHT"
        assert entries[5]["rule"] == "default@1/paths/standard/early/enter_when"
        assert entries[1]["detail"] == "Spoke to her"

    def test_shows_arrangements_disputes_and_escalations(self, case, collector):
        Arrangement.objects.create(
            case=case, kind="instalments", status="active", currency="CNY", amount=Decimal("10000.00"), months=6,
            total_payment=Decimal("10000.00"), proposed_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
        )  # fmt: skip
        Dispute.objects.create(
            case=case, reason="amount_wrong", description="Charged twice", opened_at=datetime(2026, 3, 12, 2, 0, tzinfo=UTC)
        )  # fmt: skip
        Escalation.objects.create(
            case=case, to_user=collector, reason="Asks for a manager", created_at=datetime(2026, 3, 14, 2, 0, tzinfo=UTC)
        )  # fmt: skip

        entries = timeline.build_timeline(case=case)

        assert [(entry["kind"], entry["title"]) for entry in entries] == [
            ("escalation", "Escalated to lina"),
            ("dispute", "Dispute: The amount is wrong"),
            ("arrangement", "Instalment plan: 10000.00 CNY"),
        ]
