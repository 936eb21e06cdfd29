"""Builders for daily-cycle tests: accounts placed at an exact number of days past due, fast bulk debtors.

``account(portfolio, on=D, days_past_due=31)`` makes a debtor (a phone, an e-mail, an address and
an app device, all on the debtor's clock) and one single-instalment debt due ``days_past_due`` days
before ``D`` (``due_in=3`` instead: three days after it). ``bulk_accounts`` writes thousands of
debtors and debts with ``bulk_create``, for the champion/challenger split; ``pay`` posts a payment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from arrears.comms.defaults import DefaultTemplate, load_default_templates
from arrears.comms.models import Template, TemplateVersion, VersionStatus
from arrears.portfolio.choices import ContactKind, DebtorKind, DebtStatus, EntryKind, EntrySource
from arrears.portfolio.models import Debt, Debtor, LedgerEntry, Portfolio
from arrears.portfolio.payments import record_payment
from tests.factories.cases import CaseFactory
from tests.factories.portfolio import (
    CREATED_AT,
    ContactPointFactory,
    DebtFactory,
    DebtorFactory,
    PortfolioFactory,
)

CONTACTS = {
    ContactKind.PHONE: "+8613812345678",
    ContactKind.EMAIL: "debtor@example.com",
    ContactKind.ADDRESS: "Shanghai 88 Century Avenue, Pudong",
    ContactKind.APP: "device:7f3a9c",
}


@cache
def _defaults() -> tuple[DefaultTemplate, ...]:
    return tuple(load_default_templates())


def install_templates() -> None:
    """Store the default templates, each approved as version 1 (what ``templates install-defaults`` stores).

    Written directly, without the content check the command runs on each text, which takes seconds.
    """
    for default in _defaults():
        template = Template.objects.create(
            purpose=default.purpose, channel=default.channel, language=default.language, stage=default.stage,
            created_at=CREATED_AT,
        )  # fmt: skip
        TemplateVersion.objects.create(
            template=template, number=1, subject=default.subject, body=default.body, status=VersionStatus.APPROVED,
            created_at=CREATED_AT, approved_at=CREATED_AT,
        )  # fmt: skip


def cycle_portfolio(code: str = "cn", *, country: str = "CN", time_zone: str = "Asia/Shanghai") -> Portfolio:
    """Return a portfolio; the default message templates are installed (approved) once."""
    if not Template.objects.exists():
        install_templates()
    return PortfolioFactory(code=code, country=country, time_zone=time_zone)


def account(
    portfolio: Portfolio, *, on: date, days_past_due: int = 0, due_in: int | None = None,
    principal: str = "10000.00", company: bool = False, verified: bool = False, disputed: bool = False,
    penalty_rate: str = "0", contract_date: date = date(2025, 9, 1), language: str = "zh-hans",
    contacts: tuple[str, ...] = tuple(CONTACTS),
    zone: str = "Asia/Shanghai", **debt: Any,
) -> Debt:  # fmt: skip
    """Return an open debt of a new debtor that is ``days_past_due`` days past due on ``on``."""
    due_date = on + timedelta(days=due_in) if due_in is not None else on - timedelta(days=days_past_due)
    debtor = DebtorFactory(portfolio=portfolio, company=company, language=language)
    for kind in contacts:
        ContactPointFactory(debtor=debtor, kind=kind, value=CONTACTS[ContactKind(kind)], time_zones=[zone])
    traits = {"verified": True} if verified else {"disputed": True} if disputed else {}
    return DebtFactory(
        debtor=debtor, principal=Decimal(principal), due_date=due_date, penalty_rate=Decimal(penalty_rate),
        contract_date=contract_date, **traits, **debt,
    )  # fmt: skip


def case_in_stage(debt: Debt, *, stage: str, entered_on: date, **facts: Any) -> Any:
    """Return a case on ``debt`` already in ``stage`` since ``entered_on`` (as the desk or an import left it)."""
    return CaseFactory(debt=debt, stage=stage, stage_entered_on=entered_on, segment="standard", **facts)


def bulk_accounts(portfolio: Portfolio, count: int, *, on: date, days_past_due: int = 5) -> list[int]:
    """Write ``count`` person debtors, each with one debt ``days_past_due`` days past due on ``on``; return the debtor ids.

    No contact points: their actions are skipped, which keeps a large run fast.
    """
    now = CREATED_AT
    Debtor.objects.bulk_create(
        [
            Debtor(portfolio=portfolio, external_ref=f"B{number:06d}", kind=DebtorKind.PERSON,
                   name=f"Bulk debtor {number}", language="zh-hans", region="CN-31", created_at=now, updated_at=now)
            for number in range(count)
        ],
        batch_size=1_000,
    )  # fmt: skip
    debtors = list(
        Debtor.objects.filter(portfolio=portfolio, external_ref__startswith="B").values_list("pk", flat=True)
    )
    due_date = on - timedelta(days=days_past_due)
    Debt.objects.bulk_create(
        [
            Debt(debtor_id=pk, portfolio=portfolio, external_ref=f"BL{pk}", product="consumer_loan", currency="CNY",
                 principal=Decimal("1000.00"), contract_date=date(2025, 9, 1), due_date=due_date,
                 interest_rate=Decimal("0"), penalty_rate=Decimal("0"), status=DebtStatus.OPEN, instalment_count=1,
                 created_at=now, updated_at=now)
            for pk in debtors
        ],
        batch_size=1_000,
    )  # fmt: skip
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(debt_id=pk, kind=EntryKind.PRINCIPAL, component="principal", amount=Decimal("1000.00"),
                        effective_date=due_date, posted_at=now, source=EntrySource.IMPORT,
                        idempotency_key="import:principal")
            for pk in Debt.objects.filter(portfolio=portfolio, external_ref__startswith="BL").values_list("pk", flat=True)
        ],
        batch_size=1_000,
    )  # fmt: skip
    return debtors


def pay(debt: Debt, amount: str, *, on: date, reference: str | None = None) -> None:
    """Post a payment received on ``on`` through the ledger, as a payments import does."""
    record_payment(
        debt_id=debt.pk, external_ref=reference or f"P-{debt.pk}-{on.isoformat()}-{amount}", amount=Decimal(amount),
        currency=debt.currency, received_date=on, source=EntrySource.PAYMENT, actor=None,
        now=datetime.combine(on, datetime.min.time(), tzinfo=UTC),
    )  # fmt: skip
