"""An active arrangement pauses the strategy; the cycle breaks it when an instalment is missed, completes it when paid."""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from arrears.casework.models import (
    Arrangement,
    ArrangementInstalment,
    ArrangementKind,
    ArrangementStatus,
    Case,
    CaseAction,
)
from arrears.comms.models import Message
from arrears.usecases.cycle.run import run_cycle
from tests.factories.cycle import account, case_in_stage, cycle_portfolio, pay

pytestmark = pytest.mark.django_db

D = date(2026, 3, 16)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date) -> datetime:
    return datetime.combine(day, time(6, 0), tzinfo=SHANGHAI)


def arrangement(case: Case, *, effective: date, payments: list[tuple[date, str]]) -> Arrangement:
    total = sum((Decimal(amount) for _day, amount in payments), Decimal(0))
    made = Arrangement.objects.create(
        case=case, kind=ArrangementKind.INSTALMENTS, method="custom", status=ArrangementStatus.ACTIVE, currency="CNY",
        amount=total, months=len(payments), first_due=payments[0][0], total_payment=total,
        proposed_at=datetime.combine(effective, time(12), tzinfo=UTC), decided_at=datetime.combine(effective, time(12), tzinfo=UTC),
    )  # fmt: skip
    for number, (due, amount) in enumerate(payments, start=1):
        ArrangementInstalment.objects.create(
            arrangement=made, number=number, due_date=due, payment=Decimal(amount), principal=Decimal(amount),
            interest=Decimal("0"), balance=total - Decimal(amount) * number,
        )  # fmt: skip
    return made


@pytest.fixture
def portfolio():
    return cycle_portfolio()


@pytest.fixture
def arranged(portfolio):
    debt = account(portfolio, on=D, days_past_due=40, principal="3000.00")
    case = case_in_stage(debt, stage="mid", entered_on=date(2026, 3, 1))
    plan = arrangement(
        case, effective=date(2026, 3, 2),
        payments=[(date(2026, 3, 10), "1000.00"), (date(2026, 4, 10), "1000.00"), (date(2026, 5, 10), "1000.00")],
    )  # fmt: skip
    return debt, case, plan


def test_an_active_arrangement_moves_the_case_to_its_segment_and_contacts_no_one(arranged):
    debt, case, _plan = arranged
    pay(debt, "1000.00", on=date(2026, 3, 9))

    report = run_cycle(portfolio=debt.portfolio, business_date=D, now=at(D))

    case.refresh_from_db()
    assert (case.segment, case.stage) == ("arrangement", "arrangement")
    assert case.stage_rule == "default@2026.11.1/paths/arranged/arrangement/enter_when"
    assert Message.objects.filter(debt=debt).count() == 0
    assert CaseAction.objects.filter(case=case).count() == 0
    assert report["arrangements_broken"] == report["arrangements_completed"] == 0


def test_an_instalment_unpaid_three_days_after_its_due_date_breaks_the_arrangement(arranged):
    debt, case, plan = arranged

    report = run_cycle(portfolio=debt.portfolio, business_date=D, now=at(D))  # 10 March + 3 days < 16 March

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == ArrangementStatus.BROKEN
    assert plan.instalments.get(number=1).missed_on == D
    assert report["arrangements_broken"] == 1
    assert case.segment == "standard"
    assert case.stage == "mid"


def test_the_last_grace_day_keeps_it_and_paying_the_total_completes_it(arranged):
    debt, _case, plan = arranged

    run_cycle(portfolio=debt.portfolio, business_date=date(2026, 3, 13), now=at(date(2026, 3, 13)))
    plan.refresh_from_db()
    assert plan.status == ArrangementStatus.ACTIVE

    pay(debt, "3000.00", on=date(2026, 3, 13))
    report = run_cycle(portfolio=debt.portfolio, business_date=date(2026, 3, 14), now=at(date(2026, 3, 14)))

    plan.refresh_from_db()
    assert plan.status == ArrangementStatus.COMPLETED
    assert report["arrangements_completed"] == 1
