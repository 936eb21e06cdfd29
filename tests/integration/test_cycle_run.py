"""The daily cycle run end to end: `run_cycle` and `arrears cycle run --json` on a small hand-built portfolio.

Business date D is Monday 16 March 2026; the run starts at 06:00 on the debtors' clock (Shanghai),
so every contact is proposed for 10:00 local on D. The default strategy's thresholds
(arrears/engine/strategies/default.yaml): courtesy 1–3 days before the due date, early from 1 day
past due, mid from 31, late from 91, legal from 121 for a verified debt of at least 10,000.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from arrears.casework.models import ActionOutcome, Case, CaseAction, PromiseStatus, StageEvent, WorkItem
from arrears.comms.models import Message, MessageEvent, TemplateVersion
from arrears.compliance.holds import place_hold
from arrears.compliance.models import ContactDecision
from arrears.compliance.rules.vocabulary import HoldType
from arrears.core.audit.models import AuditEvent
from arrears.engine.evaluate import arm_of
from arrears.engine.strategy import default_strategy
from arrears.portfolio.models import Debt, LedgerEntry, Portfolio
from arrears.strategy import versions
from arrears.strategy.models import CyclePartition, CycleRun, RunStatus
from arrears.usecases.cycle import actions
from arrears.usecases.cycle.run import CycleOutOfOrder, run_cycle
from arrears.usecases.cycle.snapshot import partition_of
from tests.factories.cases import CaseFactory, PromiseFactory
from tests.factories.cycle import account, bulk_accounts, cycle_portfolio, pay
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db

D = date(2026, 3, 16)
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 16, 6, 0, tzinfo=SHANGHAI)
LABEL = default_strategy().label  # default@<version>
RULE = f"{LABEL}/paths/standard"


def day(offset: int) -> date:
    return D + timedelta(days=offset)


def at(business_date: date) -> datetime:
    """The moment a run for ``business_date`` starts: 06:00 in Shanghai."""
    return datetime.combine(business_date, datetime.min.time().replace(hour=6), tzinfo=SHANGHAI)


def run(portfolio: Portfolio, business_date: date = D, **options: Any) -> dict[str, Any]:
    return run_cycle(portfolio=portfolio, business_date=business_date, now=at(business_date), **options)


def cli_run(portfolio: Portfolio, business_date: date = D) -> dict[str, Any]:
    """Run ``arrears cycle run --date D --portfolio CODE --json`` and return the JSON it prints."""
    out = StringIO()
    arguments = ["run", "--date", business_date.isoformat(), "--portfolio", portfolio.code, "--json"]
    call_command("cycle", *arguments, stdout=out)
    return dict(json.loads(out.getvalue()))


def stage_of(debt: Debt) -> str:
    return Case.objects.get(debt=debt).stage


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


@pytest.fixture
def portfolio() -> Portfolio:
    return cycle_portfolio("cn")


class TestStagesAtTheBoundaries:
    def test_each_new_case_enters_the_furthest_stage_its_days_past_due_allow(self, portfolio):
        debts = {
            "due in 4 days": account(portfolio, on=D, due_in=4),
            "due in 3 days": account(portfolio, on=D, due_in=3),
            "due in 1 day": account(portfolio, on=D, due_in=1),
            "due today": account(portfolio, on=D, days_past_due=0),
            "1 day past due": account(portfolio, on=D, days_past_due=1),
            "30 days past due": account(portfolio, on=D, days_past_due=30),
            "31 days past due": account(portfolio, on=D, days_past_due=31),
            "90 days past due": account(portfolio, on=D, days_past_due=90),
            "91 days past due": account(portfolio, on=D, days_past_due=91),
            "120 days past due, verified": account(portfolio, on=D, days_past_due=120, verified=True),
            "121 days past due, verified": account(portfolio, on=D, days_past_due=121, verified=True),
            "121 days past due, unverified": account(portfolio, on=D, days_past_due=121),
            "121 days past due, verified, 9,999.99": account(
                portfolio, on=D, days_past_due=121, verified=True, principal="9999.99"
            ),
            "121 days past due, disputed": account(portfolio, on=D, days_past_due=121, disputed=True),
        }

        report = cli_run(portfolio)

        assert {name: stage_of(debt) for name, debt in debts.items()} == {
            "due in 4 days": "", "due in 3 days": "courtesy", "due in 1 day": "courtesy", "due today": "",
            "1 day past due": "early", "30 days past due": "early", "31 days past due": "mid",
            "90 days past due": "mid", "91 days past due": "late", "120 days past due, verified": "late",
            "121 days past due, verified": "legal", "121 days past due, unverified": "late",
            "121 days past due, verified, 9,999.99": "late", "121 days past due, disputed": "verification",
        }  # fmt: skip
        assert report["cases_opened"] == 14
        assert report["stage_transitions"] == 12
        assert report["by_segment"] == {"standard": 13, "dispute": 1}

    def test_every_entry_is_a_stage_event_with_the_rule_and_condition_that_moved_the_case(self, portfolio):
        courtesy = account(portfolio, on=D, due_in=3)
        mid = account(portfolio, on=D, days_past_due=31)
        legal = account(portfolio, on=D, days_past_due=121, verified=True)
        disputed = account(portfolio, on=D, days_past_due=5, disputed=True)
        account(portfolio, on=D, due_in=4)

        run(portfolio)

        events = StageEvent.objects.order_by("case__debt_id").values_list(
            "case__debt_id",
            "business_date",
            "stage_from",
            "stage_to",
            "segment",
            "rule",
            "condition",
            "strategy",
        )
        assert list(events) == [
            (courtesy.pk, D, "", "courtesy", "standard", f"{RULE}/courtesy/enter_when",
             "days_past_due = 0 AND days_until_due BETWEEN 1 AND 3", LABEL),
            (mid.pk, D, "", "mid", "standard", f"{RULE}/mid/enter_when", "days_past_due >= 31", LABEL),
            (legal.pk, D, "", "legal", "standard", f"{RULE}/legal/enter_when",
             "days_past_due >= 121 AND is_verified AND balance >= 10000 AND NOT has_open_dispute", LABEL),
            (disputed.pk, D, "", "verification", "dispute", f"{LABEL}/paths/hold/verification/enter_when",
             "TRUE", LABEL),
        ]  # fmt: skip
        case = Case.objects.get(debt=mid)
        assert (case.stage_entered_on, case.goal, case.goal_deadline, case.stage_rule, case.stage_condition) == (
            D, "arrangement", day(60), f"{RULE}/mid/enter_when", "days_past_due >= 31",
        )  # fmt: skip

    def test_a_case_moves_forward_on_the_day_it_crosses_a_threshold_and_not_before(self, portfolio):
        crossing_to_mid = account(portfolio, on=D, days_past_due=30)
        crossing_to_late = account(portfolio, on=D, days_past_due=90)
        staying_early = account(portfolio, on=D, days_past_due=29)
        run(portfolio)

        run(portfolio, day(1))

        assert [stage_of(debt) for debt in (crossing_to_mid, crossing_to_late, staying_early)] == [
            "mid", "late", "early",
        ]  # fmt: skip
        moves = StageEvent.objects.filter(business_date=day(1)).order_by("case__debt_id")
        assert list(moves.values_list("case__debt_id", "stage_from", "stage_to", "rule", "condition")) == [
            (crossing_to_mid.pk, "early", "mid", f"{RULE}/mid/enter_when", "days_past_due >= 31"),
            (crossing_to_late.pk, "mid", "late", f"{RULE}/late/enter_when", "days_past_due >= 91"),
        ]
        assert Case.objects.get(debt=crossing_to_mid).stage_entered_on == day(1)
        assert Case.objects.get(debt=staying_early).stage_entered_on == D
        assert set(CaseAction.objects.filter(business_date=day(1)).values_list("case__debt_id", "rule")) == {
            (crossing_to_mid.pk, f"{RULE}/mid/collector-call"),
            (crossing_to_late.pk, f"{RULE}/late/demand-letter"),
        }

    def test_a_case_brought_up_to_date_leaves_its_stage_by_the_stage_exit_rule(self, portfolio):
        # Three monthly instalments of 1,000.00 from 11 March; paying the first brings the debt up to date.
        debt = account(portfolio, on=D, days_past_due=5, principal="3000.00", instalment_count=3)
        run(portfolio)
        pay(debt, "1000.00", on=day(1))

        run(portfolio, day(1))

        assert stage_of(debt) == ""
        event = StageEvent.objects.get(case__debt=debt, business_date=day(1))
        assert (event.stage_from, event.stage_to, event.rule, event.condition) == (
            "early", "", f"{RULE}/early/exit_when", "days_past_due = 0",
        )  # fmt: skip

    def test_a_case_paid_in_full_leaves_its_stage_by_the_stage_exit_rule(self, portfolio):
        # A settled debt once dropped out of the snapshot, leaving its case in its stage for ever.
        debt = account(portfolio, on=D, days_past_due=5, principal="800.00")
        run(portfolio)
        pay(debt, "800.00", on=day(1))  # the debt is settled

        run(portfolio, day(1))

        assert stage_of(debt) == ""
        event = StageEvent.objects.get(case__debt=debt, business_date=day(1))
        assert (event.stage_from, event.stage_to, event.rule) == ("early", "", f"{RULE}/early/exit_when")

    def test_a_courtesy_case_stays_courtesy_on_the_due_date_and_turns_early_the_day_after(self, portfolio):
        debt = account(portfolio, on=D, due_in=1)
        run(portfolio)

        run(portfolio, day(1))  # due today: not past due yet, and the courtesy stage does not exit at 0 days
        on_the_due_date = stage_of(debt)
        run(portfolio, day(2))

        assert (on_the_due_date, stage_of(debt)) == ("courtesy", "early")
        assert list(
            StageEvent.objects.filter(case__debt=debt)
            .order_by("business_date")
            .values_list("business_date", "stage_from", "stage_to", "rule")
        ) == [
            (D, "", "courtesy", f"{RULE}/courtesy/enter_when"),
            (day(2), "courtesy", "early", f"{RULE}/early/enter_when"),
        ]

    def test_a_reason_recorded_on_the_case_moves_it_to_its_segments_path(self, portfolio):
        debt = account(portfolio, on=D, days_past_due=10)
        CaseFactory(
            debt=debt,
            stage="early",
            stage_entered_on=day(-9),
            segment="standard",
            delinquency_reason="cash_flow",
        )

        run(portfolio)

        case = Case.objects.get(debt=debt)
        assert (case.segment, case.stage, case.goal, case.goal_deadline) == (
            "hardship",
            "outreach",
            "arrangement",
            day(45),
        )
        event = StageEvent.objects.get(case=case)
        assert (event.stage_from, event.stage_to, event.segment, event.rule) == (
            "early", "outreach", "hardship", f"{LABEL}/paths/hardship/outreach/enter_when",
        )  # fmt: skip
        assert list(WorkItem.objects.values_list("case_id", "queue", "script")) == [
            (case.pk, "hardship", "hardship_call")
        ]


class TestClosedDebts:
    # Guards a fixed bug: a closed or written-off debt kept in the snapshot for its stage was still contacted
    # and charged penalty.
    @pytest.mark.parametrize("status", ["closed", "written_off"])
    def test_a_debt_closed_by_the_creditor_gets_no_more_contact_and_no_more_penalty(self, portfolio, status):
        debt = account(portfolio, on=D, days_past_due=1, penalty_rate="18")
        run(portfolio)
        Debt.objects.filter(pk=debt.pk).update(status=status)  # as a debts import with that status does

        run(portfolio, day(3))  # the day of the early stage's e-mail

        assert {
            "actions": list(
                CaseAction.objects.filter(case__debt=debt, business_date=day(3)).values_list("outcome")
            ),
            "messages": Message.objects.filter(debt=debt, idempotency_key__contains="2026-03-19").count(),
            "penalties": list(
                LedgerEntry.objects.filter(debt=debt, kind="penalty", effective_date=day(3)).values_list(
                    "amount"
                )
            ),
        } == {"actions": [], "messages": 0, "penalties": []}
        case = Case.objects.get(debt=debt)
        assert (case.stage, case.stage_rule) == ("", "cycle/debt-closed")
        assert (
            case.stage_events.order_by("business_date").last().condition
            == "the debt is written off or closed"
        )


class TestMessages:
    def test_a_reminder_is_queued_to_the_debtors_phone_for_ten_oclock_on_their_clock_with_no_text_yet(
        self, portfolio
    ):
        early = account(portfolio, on=D, days_past_due=1)
        late = account(portfolio, on=D, days_past_due=91)

        report = run(portfolio)

        messages = {
            message.debt_id: message
            for message in Message.objects.select_related("contact_point", "template_version__template")
        }
        ten_in_shanghai = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
        assert {
            debt_id: (
                message.channel, message.purpose, message.language, message.contact_point.kind, message.not_before,
                message.body, message.status, message.source,
                (message.template_version.template.purpose, message.template_version.template.channel,
                 message.template_version.template.language),
            )
            for debt_id, message in messages.items()
        } == {
            early.pk: ("sms", "friendly_reminder", "zh-hans", "phone", ten_in_shanghai, "", "queued", "cycle",
                       ("friendly_reminder", "sms", "zh-hans")),
            late.pk: ("letter", "demand_letter", "zh-hans", "address", ten_in_shanghai, "", "queued", "cycle",
                      ("demand_letter", "letter", "zh-hans")),
        }  # fmt: skip
        assert (
            messages[early.pk].idempotency_key == f"cycle:{early.pk}:2026-03-16:{RULE}/early/first-reminder"
        )
        action = CaseAction.objects.get(case__debt=early)
        assert (action.outcome, action.reasons, action.message_id, action.send_at, action.channel, action.template) == (
            ActionOutcome.QUEUED, [], messages[early.pk].pk, ten_in_shanghai, "sms", "friendly_reminder",
        )  # fmt: skip
        assert sorted(MessageEvent.objects.values_list("message_id", "kind")) == sorted(
            (message.pk, "queued") for message in messages.values()
        )
        assert (report["messages_created"], report["by_action"]) == (2, {"sms": 1, "letter": 1})

    def test_a_debtor_abroad_gets_ten_oclock_on_their_own_clock_in_their_language(self, portfolio):
        london = account(portfolio, on=D, days_past_due=1, language="en", zone="Europe/London")

        run(portfolio)

        message = Message.objects.get(debt=london)
        assert (message.not_before, message.language, message.template_version.template.language) == (
            datetime(2026, 3, 16, 10, 0, tzinfo=UTC), "en", "en",
        )  # fmt: skip

    def test_debtors_on_two_clocks_in_one_run_each_get_ten_oclock_on_their_own(self, portfolio):
        # Moments on two clocks in one partition once had no common type, and the run crashed.
        shanghai = account(portfolio, on=D, days_past_due=1)
        london = account(portfolio, on=D, days_past_due=1, language="en", zone="Europe/London")

        run(portfolio)

        assert dict(Message.objects.values_list("debt_id", "not_before")) == {
            shanghai.pk: datetime(2026, 3, 16, 2, 0, tzinfo=UTC), london.pk: datetime(2026, 3, 16, 10, 0, tzinfo=UTC),
        }  # fmt: skip

    def test_a_run_that_starts_after_ten_proposes_its_own_start_within_the_day(self):
        late_start = datetime(2026, 3, 16, 14, 30, tzinfo=SHANGHAI)

        assert actions.send_moment(D, late_start, "Asia/Shanghai") == late_start
        assert actions.send_moment(
            D, datetime(2026, 3, 16, 20, 0, tzinfo=SHANGHAI), "Asia/Shanghai"
        ) == datetime(2026, 3, 17, 10, 0, tzinfo=SHANGHAI)


class TestRefusalsAndSkips:
    def test_an_open_hold_and_an_opt_out_refuse_the_contact_with_their_codes_and_queue_nothing(
        self, portfolio
    ):
        attorney = account(portfolio, on=D, days_past_due=1)
        place_hold(
            debtor=attorney.debtor, type=HoldType.ATTORNEY, reason="Represented by counsel",
            starts_at=datetime(2026, 3, 1, tzinfo=UTC), actor=None, now=datetime(2026, 3, 1, tzinfo=UTC),
        )  # fmt: skip
        opted_out = account(portfolio, on=D, days_past_due=1)
        opted_out.debtor.contact_points.filter(kind="phone").update(
            opt_outs={"sms": "2026-03-10T00:00:00+00:00"}
        )
        no_phone = account(portfolio, on=D, days_past_due=1, contacts=("email",))

        report = run(portfolio)

        outcomes = {
            debt_id: (outcome, reasons)
            for debt_id, outcome, reasons in CaseAction.objects.values_list(
                "case__debt_id", "outcome", "reasons"
            )
        }
        assert outcomes[attorney.pk] == (ActionOutcome.REFUSED, ["HOLD.ATTORNEY"])
        assert outcomes[opted_out.pk] == (ActionOutcome.REFUSED, ["HOLD.OPT_OUT_SMS"])
        assert outcomes[no_phone.pk] == (ActionOutcome.SKIPPED, ["no_contact_point"])
        assert not Message.objects.exists()
        decisions = ContactDecision.objects.order_by("debtor_id").values_list(
            "debtor_id", "action", "decision"
        )
        assert list(decisions) == [(attorney.debtor_id, "sms", "DENY"), (opted_out.debtor_id, "sms", "DENY")]
        assert report["refusals"] == {"HOLD.ATTORNEY": 1, "HOLD.OPT_OUT_SMS": 1}
        assert report["skipped"] == {"no_contact_point": 1}

    def test_a_call_refused_by_a_hold_creates_no_work_item(self, portfolio):
        company = account(portfolio, on=D, days_past_due=1, company=True)
        place_hold(
            debtor=company.debtor, type=HoldType.BANKRUPTCY, reason="Insolvency proceedings opened",
            starts_at=datetime(2026, 3, 1, tzinfo=UTC), actor=None, now=datetime(2026, 3, 1, tzinfo=UTC),
        )  # fmt: skip
        UserFactory(portfolios=[portfolio], skills=["zh", "companies"])

        report = run(portfolio)

        action = CaseAction.objects.get(case__debt=company)
        assert (action.rule, action.channel, action.outcome, action.reasons) == (
            f"{RULE}/early/first-reminder/instead", "call", ActionOutcome.REFUSED, ["HOLD.BANKRUPTCY"],
        )  # fmt: skip
        assert not WorkItem.objects.exists()
        assert report["work_items_created"] == 0

    def test_an_action_without_an_approved_template_is_skipped(self, portfolio):
        debt = account(portfolio, on=D, days_past_due=1)
        TemplateVersion.objects.filter(template__purpose="friendly_reminder", template__channel="sms").update(
            status="retired"
        )

        report = run(portfolio)

        action = CaseAction.objects.get(case__debt=debt)
        assert (action.outcome, action.reasons, action.message_id) == (
            ActionOutcome.SKIPPED, ["no_approved_template"], None,
        )  # fmt: skip
        assert report["skipped"] == {"no_approved_template": 1}
        assert not Message.objects.exists()


class TestWorkItems:
    def test_calls_and_tasks_land_in_their_queues_by_expected_recovery_and_go_to_the_right_skills(
        self, portfolio
    ):
        company = account(portfolio, on=D, days_past_due=1, company=True, principal="12345.67")
        mid = account(portfolio, on=D, days_past_due=31, principal="2000.00")
        legal = account(portfolio, on=D, days_past_due=121, verified=True, principal="20000.00")
        generalist = UserFactory(portfolios=[portfolio], skills=["zh"])
        specialist = UserFactory(portfolios=[portfolio], skills=["zh", "companies"])
        UserFactory(portfolios=[portfolio], skills=["en"])  # speaks no Chinese: takes nothing

        report = run(portfolio)

        items = WorkItem.objects.values_list(
            "case__debt_id", "queue", "kind", "script", "priority", "assigned_to"
        )
        # No score: balance × the bucket's chance (1-30: 0.55, 31-60: 0.40, 121-180: 0.15).
        assert set(items) == {
            (company.pk, "early-calls", "call", "early_call", Decimal("6790.12"), specialist.pk),  # 6790.1185
            (mid.pk, "mid-calls", "call", "mid_call", Decimal("800.00"), generalist.pk),
            (legal.pk, "legal-review", "task", "legal_review", Decimal("3000.00"), generalist.pk),
        }
        assert WorkItem.objects.get(case__debt=company).idempotency_key == (
            f"cycle:{company.pk}:2026-03-16:{RULE}/early/first-reminder/instead"
        )
        assert set(CaseAction.objects.values_list("case__debt_id", "outcome")) == {
            (company.pk, ActionOutcome.WORK_ITEM), (mid.pk, ActionOutcome.WORK_ITEM),
            (legal.pk, ActionOutcome.WORK_ITEM),
        }  # fmt: skip
        assert report["work_items_created"] == 3

    def test_a_scored_case_is_prioritised_by_its_score_instead_of_its_bucket(self, portfolio):
        debt = account(portfolio, on=D, days_past_due=31, principal="4321.09")
        CaseFactory(debt=debt, score=733)

        run(portfolio)

        assert WorkItem.objects.get(case__debt=debt).priority == Decimal(
            "3167.36"
        )  # 4,321.09 × 0.733 = 3,167.359

    def test_a_collector_takes_no_more_than_their_daily_capacity_highest_expected_recovery_first(
        self, portfolio, settings
    ):
        settings.ARREARS_COLLECTOR_DAILY_CAPACITY = 2
        collector = UserFactory(portfolios=[portfolio], skills=[])
        small, medium, large = (
            account(portfolio, on=D, days_past_due=31, principal=principal)
            for principal in ("1000.00", "2000.00", "3000.00")
        )

        run(portfolio)

        assert dict(WorkItem.objects.values_list("case__debt_id", "assigned_to")) == {
            small.pk: None, medium.pk: collector.pk, large.pk: collector.pk,
        }  # fmt: skip

    def test_open_items_a_collector_already_holds_count_against_the_capacity(self, portfolio, settings):
        settings.ARREARS_COLLECTOR_DAILY_CAPACITY = 2
        collector = UserFactory(portfolios=[portfolio], skills=[])
        held = CaseFactory(debt=account(portfolio, on=D, due_in=10))
        WorkItem.objects.create(
            case=held, portfolio=portfolio, queue="mid-calls", kind="call", business_date=day(-1),
            assigned_to=collector, idempotency_key="earlier", created_at=NOW,
        )  # fmt: skip
        first, second = (
            account(portfolio, on=D, days_past_due=31, principal=p) for p in ("1000.00", "2000.00")
        )

        run(portfolio)

        assert WorkItem.objects.get(case__debt=second).assigned_to_id == collector.pk
        assert WorkItem.objects.get(case__debt=first).assigned_to_id is None


class TestPenalties:
    def test_a_cn_penalty_of_18_percent_accrues_at_four_times_the_lpr_of_the_contract_date_to_the_cent(
        self, portfolio
    ):
        # 18 % a year is above the CN-RATE-01 cap: 4 × the one-year LPR in force on the contract date.
        capped_2025 = account(
            portfolio,
            on=D,
            days_past_due=10,
            principal="12345.67",
            penalty_rate="18",
            contract_date=date(2025, 9, 1),
        )  # LPR 3.00 % since 20 May 2025: cap 12.00 %
        capped_2024 = account(
            portfolio,
            on=D,
            days_past_due=10,
            principal="12345.67",
            penalty_rate="18",
            contract_date=date(2024, 8, 1),
        )  # LPR 3.35 % since 22 Jul 2024: cap 13.40 %
        below_cap = account(
            portfolio,
            on=D,
            days_past_due=10,
            principal="12345.67",
            penalty_rate="10",
            contract_date=date(2025, 9, 1),
        )  # 10 % is under the cap: applies as agreed
        not_due = account(portfolio, on=D, due_in=5, penalty_rate="18")
        principal = Decimal("12345.67")

        def expected(rate: str, days: int) -> Decimal:
            return cents(principal * Decimal(rate) / 100 * days / 365)

        run(portfolio)  # the first run accrues the business date's own day
        run(portfolio, day(1))
        run(portfolio, day(5))  # three days missed: four days at once

        entries = LedgerEntry.objects.filter(kind="penalty").order_by("debt_id", "effective_date")
        assert list(entries.values_list("debt_id", "effective_date", "amount", "component", "idempotency_key")) == [
            (capped_2025.pk, D, Decimal("4.06"), "penalty", "penalty:2026-03-16"),  # 4.0588…
            (capped_2025.pk, day(1), Decimal("4.06"), "penalty", "penalty:2026-03-17"),
            (capped_2025.pk, day(5), Decimal("16.24"), "penalty", "penalty:2026-03-21"),  # 16.2353…
            (capped_2024.pk, D, Decimal("4.53"), "penalty", "penalty:2026-03-16"),  # 4.5325…
            (capped_2024.pk, day(1), Decimal("4.53"), "penalty", "penalty:2026-03-17"),
            (capped_2024.pk, day(5), Decimal("18.13"), "penalty", "penalty:2026-03-21"),  # 18.1302…
            (below_cap.pk, D, Decimal("3.38"), "penalty", "penalty:2026-03-16"),  # 3.3823…
            (below_cap.pk, day(1), Decimal("3.38"), "penalty", "penalty:2026-03-17"),
            (below_cap.pk, day(5), Decimal("13.53"), "penalty", "penalty:2026-03-21"),  # 13.5295…
        ]  # fmt: skip
        assert [expected("12", 1), expected("12", 4), expected("13.40", 1), expected("13.40", 4)] == [
            Decimal("4.06"), Decimal("16.24"), Decimal("4.53"), Decimal("18.13"),
        ]  # fmt: skip
        assert [expected("10", 1), expected("10", 4)] == [Decimal("3.38"), Decimal("13.53")]
        notes = dict(entries.filter(effective_date=D).values_list("debt_id", "note"))
        assert notes == {
            capped_2025.pk: "1 d × 12.0000% a year (legal cap)",
            capped_2024.pk: "1 d × 13.4000% a year (legal cap)",
            below_cap.pk: "1 d × 10.0000% a year",
        }
        assert not LedgerEntry.objects.filter(debt=not_due, kind="penalty").exists()

    def test_the_run_report_counts_the_penalties_and_their_total(self, portfolio):
        account(portfolio, on=D, days_past_due=10, principal="12345.67", penalty_rate="18")
        account(portfolio, on=D, days_past_due=10, principal="12345.67", penalty_rate="10")

        report = cli_run(portfolio)

        assert (report["penalties_posted"], report["penalty_total"]) == (2, "7.44")


class TestPromises:
    @pytest.fixture
    def promise_on(self, portfolio):
        def make(*, due_date: date, grace_days: int, amount: str = "500.00", tolerance: str = "0") -> Any:
            debt = account(portfolio, on=D, days_past_due=20)
            case = CaseFactory(debt=debt)
            return PromiseFactory(
                case=case, amount=Decimal(amount), made_on=day(-10), due_date=due_date, grace_days=grace_days,
                tolerance=Decimal(tolerance),
            )  # fmt: skip

        return make

    def test_kept_and_broken_are_decided_at_the_edges_of_the_grace_period(self, portfolio, promise_on):
        # Each promise: due D-3 with 2 days of grace, so the last day to pay is D-1.
        paid_on_the_last_grace_day = promise_on(due_date=day(-3), grace_days=2)
        pay(paid_on_the_last_grace_day.case.debt, "500.00", on=day(-1))
        paid_a_day_too_late = promise_on(due_date=day(-3), grace_days=2)
        pay(paid_a_day_too_late.case.debt, "500.00", on=D)
        short_within_tolerance = promise_on(due_date=day(-3), grace_days=2, tolerance="10.00")
        pay(short_within_tolerance.case.debt, "490.00", on=day(-2))
        short_beyond_tolerance = promise_on(due_date=day(-3), grace_days=2, tolerance="10.00")
        pay(short_beyond_tolerance.case.debt, "489.99", on=day(-2))
        grace_ends_today = promise_on(due_date=day(-2), grace_days=2)

        report = run(portfolio)

        def outcome(promise: Any) -> tuple[str, date | None]:
            promise.refresh_from_db()
            return promise.status, promise.resolved_on

        assert [outcome(item) for item in (paid_on_the_last_grace_day, paid_a_day_too_late,
                                            short_within_tolerance, short_beyond_tolerance, grace_ends_today)] == [
            (PromiseStatus.KEPT, day(-1)), (PromiseStatus.BROKEN, D), (PromiseStatus.KEPT, day(-2)),
            (PromiseStatus.BROKEN, D), (PromiseStatus.OPEN, None),
        ]  # fmt: skip
        assert (report["promises_kept"], report["promises_broken"]) == (2, 2)

        run(portfolio, day(1))

        assert outcome(grace_ends_today) == (PromiseStatus.BROKEN, day(1))
        assert outcome(paid_on_the_last_grace_day) == (PromiseStatus.KEPT, day(-1))

    def test_a_promise_kept_by_paying_the_whole_debt_is_recorded_kept(self, portfolio):
        # The settling payment once took the debt out of the snapshot, and the promise stayed open.
        debt = account(portfolio, on=D, days_past_due=20, principal="500.00")
        promise = PromiseFactory(case=CaseFactory(debt=debt), made_on=day(-10), due_date=day(2), grace_days=0)
        pay(debt, "500.00", on=day(-1))

        run(portfolio)

        promise.refresh_from_db()
        assert (promise.status, promise.resolved_on) == (PromiseStatus.KEPT, day(-1))


def _table_counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(), "stage events": StageEvent.objects.count(),
        "case actions": CaseAction.objects.count(), "messages": Message.objects.count(),
        "message events": MessageEvent.objects.count(), "work items": WorkItem.objects.count(),
        "ledger entries": LedgerEntry.objects.count(), "contact decisions": ContactDecision.objects.count(),
        "audit events": AuditEvent.objects.count(), "cycle runs": CycleRun.objects.count(),
        "cycle partitions": CyclePartition.objects.count(),
    }  # fmt: skip


def _mixed_portfolio(portfolio: Portfolio) -> list[Debt]:
    """A dozen accounts that exercise every write: stages, penalties, messages, work items, refusals, promises."""
    debts = [
        account(portfolio, on=D, due_in=2),
        account(portfolio, on=D, days_past_due=1, penalty_rate="18"),
        account(portfolio, on=D, days_past_due=1, language="en"),
        account(portfolio, on=D, days_past_due=1, company=True, penalty_rate="18"),
        account(portfolio, on=D, days_past_due=31, penalty_rate="24", contract_date=date(2024, 8, 1)),
        account(portfolio, on=D, days_past_due=91, principal="3000.00"),
        account(portfolio, on=D, days_past_due=121, verified=True, principal="25000.00", penalty_rate="18"),
        account(portfolio, on=D, days_past_due=15, disputed=True),
        account(portfolio, on=D, days_past_due=1, contacts=("email",)),
        account(portfolio, on=D, days_past_due=40),
        account(portfolio, on=D, days_past_due=3),
        account(portfolio, on=D, days_past_due=60, company=True, principal="80000.00"),
    ]
    place_hold(
        debtor=debts[10].debtor, type=HoldType.WRITTEN_CEASE, reason="Cease letter received",
        starts_at=datetime(2026, 3, 1, tzinfo=UTC), actor=None, now=datetime(2026, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    promised = CaseFactory(debt=debts[9], stage="mid", stage_entered_on=day(-9), segment="standard")
    PromiseFactory(case=promised, made_on=day(-10), due_date=day(-2), grace_days=1)
    UserFactory(portfolios=[portfolio], skills=["zh"])
    UserFactory(portfolios=[portfolio], skills=["zh", "companies", "large_balances"])
    return debts


class TestRerun:
    def test_running_a_completed_date_again_changes_nothing_and_says_so(self, portfolio):
        _mixed_portfolio(portfolio)
        first = cli_run(portfolio)
        counts = _table_counts()

        again = cli_run(portfolio)
        directly = run(portfolio)

        assert _table_counts() == counts
        assert again == {**first, "already_completed": True}
        assert directly["already_completed"] is True
        assert "already_completed" not in first
        assert all(counts[table] > 0 for table in counts)
        assert (first["messages_created"], first["work_items_created"], first["penalties_posted"]) == (
            4,
            5,
            4,
        )

    def test_a_date_earlier_than_the_last_run_is_refused_with_a_clear_message(self, portfolio):
        account(portfolio, on=D, days_past_due=1)
        run(portfolio, day(4))
        counts = _table_counts()

        with pytest.raises(
            CycleOutOfOrder,
            match=r"^The cycle of cn already ran for 2026-03-20; it cannot run for the earlier 2026-03-16\.$",
        ):
            run(portfolio, D)

        assert _table_counts() == counts


class TestCommand:
    def test_without_a_portfolio_it_runs_every_one_and_adds_up_their_reports(self, portfolio):
        other = cycle_portfolio("other")
        account(portfolio, on=D, days_past_due=1)
        account(other, on=D, days_past_due=31)
        account(other, on=D, days_past_due=91)
        out = StringIO()

        call_command("cycle", "run", "--date", "2026-03-16", "--json", stdout=out)

        report = json.loads(out.getvalue())
        assert [(part["portfolio"], part["accounts_evaluated"]) for part in report["portfolios"]] == [
            ("cn", 1), ("other", 2),
        ]  # fmt: skip
        assert (report["date"], report["accounts_evaluated"], report["already_completed"]) == (
            "2026-03-16",
            3,
            False,
        )
        assert report["by_stage"] == {"early": 1, "late": 1, "mid": 1}
        assert set(CycleRun.objects.values_list("portfolio__code", "status")) == {
            ("cn", RunStatus.COMPLETED), ("other", RunStatus.COMPLETED),
        }  # fmt: skip

    def test_an_unknown_portfolio_is_refused_with_exit_code_2_and_nothing_runs(self, portfolio):
        with pytest.raises(CommandError, match="There is no portfolio with code “nope”") as refused:
            call_command("cycle", "run", "--date", "2026-03-16", "--portfolio", "nope", stdout=StringIO())

        assert refused.value.returncode == 2
        assert not CycleRun.objects.exists()


def _state(portfolio: Portfolio, debts: list[Debt]) -> dict[str, set[tuple[Any, ...]]]:
    """The run's outcome, with each debt named by its position in ``debts`` (ids differ between portfolios)."""
    index = {debt.pk: number for number, debt in enumerate(debts)}
    cases = Case.objects.filter(portfolio=portfolio)

    def key(text: str) -> str:
        _, debt_id, rest = text.split(":", 2)
        return f"{index[int(debt_id)]}:{rest}"

    return {
        "stages": {(index[debt], stage, rule) for debt, stage, rule in cases.values_list("debt_id", "stage", "stage_rule")},
        "stage events": {
            (index[debt], *rest)
            for debt, *rest in StageEvent.objects.filter(case__in=cases).values_list(
                "case__debt_id", "business_date", "stage_from", "stage_to", "rule"
            )
        },
        "case actions": {
            (index[debt], rule, outcome, tuple(reasons))
            for debt, rule, outcome, reasons in CaseAction.objects.filter(case__in=cases).values_list(
                "case__debt_id", "rule", "outcome", "reasons"
            )
        },
        "messages": {
            (key(k), channel, purpose, not_before, body)
            for k, channel, purpose, not_before, body in Message.objects.filter(debt__portfolio=portfolio).values_list(
                "idempotency_key", "channel", "purpose", "not_before", "body"
            )
        },
        "work items": {
            (key(k), queue, priority, tuple(skills or []))
            for k, queue, priority, skills in WorkItem.objects.filter(portfolio=portfolio).values_list(
                "idempotency_key", "queue", "priority", "assigned_to__skills"
            )
        },
        "penalties": {
            (index[debt], effective, amount)
            for debt, effective, amount in LedgerEntry.objects.filter(debt__portfolio=portfolio, kind="penalty").values_list(
                "debt_id", "effective_date", "amount"
            )
        },
        "promises": {
            (index[debt], status, resolved)
            for debt, status, resolved in cases.values_list("debt_id", "promises__status", "promises__resolved_on")
            if status is not None
        },
    }  # fmt: skip


class Interrupted(RuntimeError):
    pass


class TestInterruption:
    @pytest.mark.parametrize(
        ("step", "failing"),
        [
            ("arrears.usecases.cycle.actions.write", 0),
            ("arrears.usecases.cycle.partition.post_penalties", 1),
            ("arrears.usecases.cycle.actions.queue_planned", 3),
            ("arrears.usecases.cycle.partition.record_event", 2),
        ],
    )
    def test_a_run_that_fails_in_a_partition_keeps_the_committed_ones_and_a_rerun_equals_an_uninterrupted_run(
        self, monkeypatch, step, failing
    ):
        interrupted = cycle_portfolio("interrupted")
        debts = _mixed_portfolio(interrupted)
        reference = cycle_portfolio("reference")
        reference_debts = _mixed_portfolio(reference)
        partitions = {debt.pk: partition_of(debt.debtor_id, 4) for debt in debts}
        # Debtor ids 12 apart fall in the same partition, so both portfolios are split alike.
        assert [partition_of(debt.debtor_id, 4) for debt in reference_debts] == list(partitions.values())
        failed = {pk for pk, number in partitions.items() if number == failing}
        current: list[int] = []
        module, name = step.rsplit(".", 1)
        original = getattr(__import__(module, fromlist=[name]), name)
        read = __import__("arrears.usecases.cycle.partition", fromlist=["read_snapshot"]).read_snapshot

        def reading(**kwargs: Any) -> Any:
            current.append(kwargs["partition"])
            return read(**kwargs)

        def failing_step(*args: Any, **kwargs: Any) -> Any:
            if current[-1] == failing:
                raise Interrupted(f"partition {failing}")
            return original(*args, **kwargs)

        monkeypatch.setattr("arrears.usecases.cycle.partition.read_snapshot", reading)
        monkeypatch.setattr(step, failing_step)

        with pytest.raises(Interrupted):
            run(interrupted, partitions=4)

        cycle = CycleRun.objects.get(portfolio=interrupted)
        assert cycle.status == RunStatus.RUNNING
        assert set(cycle.parts.values_list("number", flat=True)) == set(range(failing))
        committed = {pk for pk, number in partitions.items() if number < failing}
        # debts[9] had a case before the run.
        opened = Case.objects.filter(portfolio=interrupted).exclude(debt=debts[9])
        assert failed
        assert set(opened.values_list("debt_id", flat=True)) == committed - {debts[9].pk}
        assert not StageEvent.objects.filter(case__debt__in=failed).exists()
        assert not CaseAction.objects.filter(case__debt__in=failed).exists()
        assert not Message.objects.filter(debt__in=failed).exists()
        assert not WorkItem.objects.filter(case__debt__in=failed).exists()
        assert not LedgerEntry.objects.filter(debt__in=failed, kind="penalty").exists()
        assert not ContactDecision.objects.filter(debtor__debts__in=failed).exists()

        monkeypatch.undo()
        resumed = run(interrupted, partitions=2)  # a resumed run keeps its own partition count
        uninterrupted = run(reference, partitions=4)

        assert resumed["partitions"] == 4
        assert CycleRun.objects.get(portfolio=interrupted).status == RunStatus.COMPLETED
        assert _state(interrupted, debts) == _state(reference, reference_debts)
        counted = ("accounts_evaluated", "cases_opened", "stage_transitions", "penalties_posted", "penalty_total",
                   "promises_kept", "promises_broken", "messages_created", "work_items_created", "refusals",
                   "skipped", "by_stage", "by_segment", "by_action")  # fmt: skip
        assert {key: resumed[key] for key in counted} == {key: uninterrupted[key] for key in counted}


class TestChampionAndChallenger:
    def test_each_debtor_is_treated_by_the_strategy_of_its_arm_in_shares_close_to_the_weights_every_day(
        self, portfolio, monkeypatch
    ):
        # Each load checks reachability on 20,000 probe accounts; the same text need not be checked eight times.
        monkeypatch.setattr(versions, "load_strategy", cache(versions.load_strategy))
        source = (
            resources.files("arrears.engine")
            .joinpath("strategies", "default.yaml")
            .read_text(encoding="utf-8")
        )
        version = re.compile(r"^version: .*$", re.MULTILINE)
        champion = version.sub(
            'version: "cc-champion"\nchallengers:\n  - {strategy: faster, weight: 0.3}', source, count=1
        )
        challenger = version.sub('version: "cc-challenger"', source, count=1).replace(
            "\nstrategy: default\n", "\nstrategy: faster\n"
        )
        for text in (challenger, champion):
            versions.activate_version(
                version=versions.save_version(source=text, actor=None, now=NOW), actor=None, now=NOW
            )
        debtors = bulk_accounts(portfolio, 2_000, on=D, days_past_due=30)
        run(portfolio)
        arms_on_the_first_day = dict(Case.objects.values_list("debtor_id", "arm"))

        run(portfolio, day(1))  # 31 days past due: every case moves to mid, under its arm's strategy

        cases = list(Case.objects.values_list("debtor_id", "arm", "strategy", "stage"))
        weights = [("default", 0.7), ("faster", 0.3)]
        assert {debtor: arm for debtor, arm, _strategy, _stage in cases} == {
            debtor: arm_of(debtor, "default", weights) for debtor in debtors
        }
        assert dict(Case.objects.values_list("debtor_id", "arm")) == arms_on_the_first_day
        labels = {"default": "default@cc-champion", "faster": "faster@cc-challenger"}
        assert all(strategy == labels[arm] and stage == "mid" for _debtor, arm, strategy, stage in cases)
        events = StageEvent.objects.filter(business_date=day(1)).values_list("case__arm", "strategy", "rule")
        assert all(
            strategy == labels[arm] and rule == f"{labels[arm]}/paths/standard/mid/enter_when"
            for arm, strategy, rule in events
        )
        share = sum(arm == "faster" for _debtor, arm, _strategy, _stage in cases) / len(cases)
        tolerance = 3 * (0.3 * 0.7 / len(cases)) ** 0.5  # three standard deviations of the binomial share
        assert len(cases) == 2_000
        assert abs(share - 0.3) <= tolerance, f"challenger share {share:.4f} is not 0.3 ± {tolerance:.4f}"


def _interrupt(monkeypatch: pytest.MonkeyPatch, *, partition: int) -> None:
    """Make the run fail while writing ``partition`` (its actions step)."""
    from arrears.usecases.cycle import partition as module

    read, write = module.read_snapshot, actions.write
    current: list[int] = []

    def reading(**kwargs: Any) -> Any:
        current.append(kwargs["partition"])
        return read(**kwargs)

    def writing(*args: Any, **kwargs: Any) -> Any:
        if current[-1] == partition:
            raise Interrupted(f"partition {partition}")
        return write(*args, **kwargs)

    monkeypatch.setattr(module, "read_snapshot", reading)
    monkeypatch.setattr(actions, "write", writing)


class TestAbandonedRun:
    def test_a_later_run_after_an_interrupted_one_charges_no_day_twice(self, portfolio, monkeypatch):
        # Accrual counted from the last completed run: an abandoned run's committed partitions had charged its day.
        debts = [account(portfolio, on=D, days_past_due=10, penalty_rate="18") for _ in range(4)]
        run(portfolio)
        _interrupt(monkeypatch, partition=1)
        with pytest.raises(Interrupted):
            run(portfolio, day(1), partitions=2)
        monkeypatch.undo()

        run(portfolio, day(2))

        days = {debt.pk: 0 for debt in debts}
        for debt_id, note in LedgerEntry.objects.filter(kind="penalty").values_list("debt_id", "note"):
            days[debt_id] += int(note.split(" d ", 1)[0])
        assert days == {debt.pk: 3 for debt in debts}  # 16, 17 and 18 March, once each


class TestAssignmentAcrossPartitions:
    def test_the_highest_expected_recovery_is_assigned_first_whatever_the_partition(
        self, portfolio, settings
    ):
        # Capacity once went to the items of whichever partition was written first.
        settings.ARREARS_COLLECTOR_DAILY_CAPACITY = 1
        collector = UserFactory(portfolios=[portfolio], skills=[])
        first, second = (account(portfolio, on=D, days_past_due=31) for _ in range(2))
        by_partition = sorted((partition_of(debt.debtor_id, 2), debt) for debt in (first, second))
        (_, earlier), (_, later) = by_partition
        assert [number for number, _debt in by_partition] == [0, 1]
        LedgerEntry.objects.filter(debt=later, kind="principal").update(amount=Decimal("40000.00"))
        Debt.objects.filter(pk=later.pk).update(principal=Decimal("40000.00"))

        run(portfolio, partitions=2)

        assert WorkItem.objects.get(case__debt=later).assigned_to_id == collector.pk
        assert WorkItem.objects.get(case__debt=earlier).assigned_to_id is None


KILL_SEED = """
import os, signal
from datetime import date, datetime
from zoneinfo import ZoneInfo
from arrears.usecases.cycle import actions
from arrears.usecases.cycle.run import run_cycle
from tests.factories.cycle import account, cycle_portfolio

D = date(2026, 3, 16)
NOW = datetime(2026, 3, 16, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
for code in ("whole", "killed"):
    portfolio = cycle_portfolio(code)
    for days_past_due in (1, 5, 31, 45, 91, 100, 121, 3, 2, 60, 30, 7):
        account(portfolio, on=D, days_past_due=days_past_due, penalty_rate="18", verified=True)
run_cycle(portfolio=cycle_portfolio("whole"), business_date=D, now=NOW, partitions=4)
write, calls = actions.write, []

def dying(*args, **kwargs):
    calls.append(1)
    if len(calls) == {kill_at} + 1:  # inside partition {kill_at}'s transaction, its cases already written
        os.kill(os.getpid(), signal.SIGKILL)
    return write(*args, **kwargs)

actions.write = dying
run_cycle(portfolio=cycle_portfolio("killed"), business_date=D, now=NOW, partitions=4)
"""
KILL_STATE = """
import io, json
from django.core.management import call_command
from arrears.casework.models import Case
from arrears.comms.models import Message
from arrears.portfolio.models import Debt, LedgerEntry
from arrears.strategy.models import CyclePartition
from arrears.usecases.cycle.snapshot import partition_of

def state(code):
    debts = list(Debt.objects.filter(portfolio__code=code).order_by("pk"))
    index = {debt.pk: number for number, debt in enumerate(debts)}
    return {
        "partitions": sorted(CyclePartition.objects.filter(run__portfolio__code=code).values_list("number", flat=True)),
        "debt_partitions": [partition_of(debt.debtor_id, 4) for debt in debts],
        "stages": sorted([index[d], s] for d, s in Case.objects.filter(portfolio__code=code).values_list("debt_id", "stage")),
        "messages": sorted([index[d], c, p] for d, c, p in Message.objects.filter(debt__portfolio__code=code).values_list("debt_id", "channel", "purpose")),
        "penalties": sorted([index[d], str(a)] for d, a in LedgerEntry.objects.filter(debt__portfolio__code=code, kind="penalty").values_list("debt_id", "amount")),
    }

after_kill = state("killed")
out = io.StringIO()
call_command("cycle", "run", "--date", "2026-03-16", "--portfolio", "killed", "--json", stdout=out)
print(json.dumps({"after_kill": after_kill, "resumed": json.loads(out.getvalue()), "whole": state("whole"),
                  "killed": state("killed")}))
"""


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a file-based SQLite database of its own",
)
def test_a_run_killed_mid_partition_leaves_whole_partitions_and_a_rerun_completes_it(tmp_path):
    kill_at = random.Random(20260316).randint(1, 3)
    env = {
        **os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cycle.sqlite3'}", "ARREARS_DEV": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings", "ARREARS_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }  # fmt: skip
    arrears = str(Path(sys.executable).with_name("arrears"))

    def shell(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [arrears, "shell", "--no-imports", "-c", code], env=env, capture_output=True, text=True
        )

    subprocess.run([arrears, "migrate", "--no-input"], env=env, check=True, capture_output=True)
    killed = shell(KILL_SEED.replace("{kill_at}", str(kill_at)))
    # What the kill left, then `arrears cycle run` of the same date, then the end state: one process.
    outcome = json.loads(shell(KILL_STATE).stdout.strip().splitlines()[-1])
    after_kill, resumed, final = outcome["after_kill"], outcome["resumed"], outcome["killed"]

    assert killed.returncode == -signal.SIGKILL
    assert after_kill["partitions"] == list(range(kill_at))
    committed = {number for number, part in enumerate(after_kill["debt_partitions"]) if part < kill_at}
    assert 0 < len(committed) < 12
    assert {debt for debt, _stage in after_kill["stages"]} == committed
    assert {debt for debt, *_rest in after_kill["messages"]} <= committed
    assert {debt for debt, _amount in after_kill["penalties"]} == committed
    assert (resumed["partitions"], resumed["accounts_evaluated"]) == (4, 12)
    assert final["partitions"] == [0, 1, 2, 3]
    assert {part: final[part] for part in ("stages", "messages", "penalties")} == {
        part: outcome["whole"][part] for part in ("stages", "messages", "penalties")
    }
