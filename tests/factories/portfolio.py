"""Factories for portfolios, debtors, contact points, debts, instalments and ledger entries.

``DebtFactory`` books the principal as a ledger charge, like an import does; pass
``charges={"interest": Decimal("12.50")}`` for more charges and ``instalment_count=3`` for a derived
schedule of equal monthly instalments. ``InstalmentFactory`` makes an explicit, irregular schedule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from arrears.portfolio.choices import (
    ChangeCategory,
    ContactKind,
    ContactRole,
    ContactSource,
    DebtorKind,
    DebtStatus,
    EntryKind,
    EntrySource,
    Product,
)
from arrears.portfolio.models import (
    ContactPerson,
    ContactPoint,
    Debt,
    Debtor,
    DebtorChange,
    Instalment,
    LedgerEntry,
    Portfolio,
)

CREATED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _hash_of(kind: str, raw: str) -> int:
    from arrears.portfolio import contact_values

    normalized = {
        "phone": lambda: contact_values.normalize_phone(raw, "CN"),
        "email": lambda: contact_values.normalize_email(raw),
        "national_id": lambda: contact_values.normalize_national_id(raw),
    }.get(kind, lambda: raw.strip())()
    return contact_values.lookup_hash_for(kind, normalized)


class PortfolioFactory(DjangoModelFactory):
    class Meta:
        model = Portfolio
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"bank-{n}")
    name = factory.Sequence(lambda n: f"Bank {n} cards")
    creditor_name = factory.Sequence(lambda n: f"Bank {n}")
    country = "CN"
    default_currency = "CNY"
    time_zone = "Asia/Shanghai"
    created_at = CREATED_AT


class DebtorFactory(DjangoModelFactory):
    """A person by default; the ``company`` trait makes a company (no national ID, no birth date)."""

    class Meta:
        model = Debtor

    portfolio = factory.SubFactory(PortfolioFactory)
    external_ref = factory.Sequence(lambda n: f"C{n:06d}")
    kind = DebtorKind.PERSON
    name = factory.Sequence(lambda n: f"Debtor {n}")
    national_id = ""
    national_id_hash = factory.LazyAttribute(
        lambda debtor: _hash_of("national_id", debtor.national_id) if debtor.national_id else None
    )
    birth_date = None
    language = "zh-hans"
    region = "CN-31"
    created_at = CREATED_AT
    updated_at = CREATED_AT

    class Params:
        person = factory.Trait(kind=DebtorKind.PERSON, birth_date=date(1985, 4, 12))
        company = factory.Trait(
            kind=DebtorKind.COMPANY, name=factory.Sequence(lambda n: f"Company {n} Ltd"), language="zh-hans"
        )


class DebtorChangeFactory(DjangoModelFactory):
    class Meta:
        model = DebtorChange

    debtor = factory.SubFactory(DebtorFactory)
    category = ChangeCategory.EMPLOYMENT
    description = "Lost their job at the factory"
    occurred_date = date(2026, 2, 1)
    recorded_at = CREATED_AT


class ContactPersonFactory(DjangoModelFactory):
    class Meta:
        model = ContactPerson

    debtor = factory.SubFactory(DebtorFactory, company=True)
    name = factory.Sequence(lambda n: f"Contact {n}")
    role = ContactRole.FINANCE
    title = "Finance manager"


class ContactPointFactory(DjangoModelFactory):
    """A Chinese mobile number by default; traits ``email`` and ``address`` for the other kinds."""

    class Meta:
        model = ContactPoint

    debtor = factory.SubFactory(DebtorFactory)
    kind = ContactKind.PHONE
    value = "+8613812345678"
    value_hash = factory.LazyAttribute(lambda point: _hash_of(str(point.kind), point.value))
    region = "CN"
    time_zones = factory.LazyFunction(lambda: ["Asia/Shanghai"])
    is_primary = True
    verified = False
    consent = factory.LazyFunction(dict)
    opt_outs = factory.LazyFunction(dict)
    source = ContactSource.IMPORT
    created_at = CREATED_AT

    class Params:
        phone = factory.Trait(kind=ContactKind.PHONE, value="+8613812345678")
        email = factory.Trait(kind=ContactKind.EMAIL, value="lina@example.com")
        address = factory.Trait(kind=ContactKind.ADDRESS, value="Shanghai 88 Century Avenue, Pudong")


class DebtFactory(DjangoModelFactory):
    """An open consumer loan of CNY 10,000.00 due 2026-03-01, with its principal booked."""

    class Meta:
        model = Debt
        skip_postgeneration_save = True

    debtor = factory.SubFactory(DebtorFactory)
    portfolio = factory.SelfAttribute("debtor.portfolio")
    external_ref = factory.Sequence(lambda n: f"L{n:06d}")
    product = Product.CONSUMER_LOAN
    currency = "CNY"
    principal = Decimal("10000.00")
    contract_date = date(2025, 9, 1)
    due_date = date(2026, 3, 1)
    interest_rate = Decimal("0")
    penalty_rate = Decimal("0")
    status = DebtStatus.OPEN
    instalment_count = 1
    created_at = CREATED_AT
    updated_at = CREATED_AT

    class Params:
        verified = factory.Trait(status=DebtStatus.VERIFIED, verified_at=CREATED_AT)
        disputed = factory.Trait(status=DebtStatus.DISPUTED)

    @factory.post_generation
    def charges(debt: Debt, create: bool, extracted: dict[str, Decimal] | None, **kwargs: Any) -> None:
        if not create:
            return
        booked = {"principal": debt.principal, **(extracted or {})}
        for component, amount in booked.items():
            if amount > 0:
                LedgerEntry.objects.create(
                    debt=debt,
                    kind=component,
                    component=component,
                    amount=amount,
                    effective_date=debt.due_date,
                    posted_at=CREATED_AT,
                    source=EntrySource.IMPORT,
                    idempotency_key=f"import:{component}",
                )


class InstalmentFactory(DjangoModelFactory):
    class Meta:
        model = Instalment

    debt = factory.SubFactory(DebtFactory)
    number = factory.Sequence(lambda n: n + 2)
    due_date = date(2026, 4, 1)
    principal_due = Decimal("1000.00")


class LedgerEntryFactory(DjangoModelFactory):
    """A payment of CNY 100.00 against principal by default."""

    class Meta:
        model = LedgerEntry

    debt = factory.SubFactory(DebtFactory)
    kind = EntryKind.PAYMENT
    component = "principal"
    amount = Decimal("-100.00")
    effective_date = date(2026, 3, 15)
    posted_at = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)
    source = EntrySource.PAYMENT
    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
