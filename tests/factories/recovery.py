"""Factories and helpers for recovery: a late-stage case with an address, and the users who act on it.

``late_case(portfolio=…)`` makes a verified CNY 10,000.00 debt due 2026-03-01 with a case and a
postal address in Shanghai; ``AgencyFactory`` an agency at 20 % that receives the debtor's name and phone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from arrears.casework.models import Case
from arrears.recovery.models import Agency, RecoverySettings
from tests.factories.cases import CaseFactory
from tests.factories.portfolio import (
    CREATED_AT,
    ContactPointFactory,
    DebtFactory,
    DebtorFactory,
    PortfolioFactory,
)

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NIGHT = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Agency {n}")
    commission_rate = Decimal("20.00")
    entitled_fields = factory.LazyFunction(lambda: ["debtor_name", "phone"])
    created_at = CREATED_AT


def late_case(*, portfolio: Any = None, verified: bool = True, **debt: Any) -> Case:
    """Return a case on a verified debt whose debtor has a phone and a postal address in Shanghai."""
    portfolio = portfolio or PortfolioFactory(country="CN", time_zone="Asia/Shanghai")
    debtor = DebtorFactory(portfolio=portfolio, national_id="310101198504120019")
    ContactPointFactory(debtor=debtor, phone=True)
    ContactPointFactory(debtor=debtor, address=True, is_primary=False)
    made = DebtFactory(debtor=debtor, verified=verified, **debt)
    return CaseFactory(debt=made)


def visit_settings(portfolio: Any, **rules: Any) -> RecoverySettings:
    """Save the portfolio's recovery settings with ``rules`` over the defaults."""
    return RecoverySettings.objects.create(portfolio=portfolio, updated_at=CREATED_AT, **rules)
