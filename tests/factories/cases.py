"""Factories for cases, promises to pay and contact events.

``CaseFactory(debt=debt)`` opens a case on an existing debt (its debtor and portfolio follow);
``PromiseFactory(case=case, broken=True)`` or ``kept=True`` for a resolved promise;
``ContactEventFactory(debtor=debtor, occurred_at=...)`` for an outbound call.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from arrears.casework.models import Case, DelinquencyReason, Promise, PromiseStatus
from arrears.compliance.models import ContactEvent
from tests.factories.portfolio import CREATED_AT, DebtFactory, DebtorFactory


class CaseFactory(DjangoModelFactory):
    """A case without a stage yet, reason unknown, unscored."""

    class Meta:
        model = Case

    debt = factory.SubFactory(DebtFactory)
    debtor = factory.SelfAttribute("debt.debtor")
    portfolio = factory.SelfAttribute("debt.portfolio")
    delinquency_reason = DelinquencyReason.UNKNOWN
    created_at = CREATED_AT
    updated_at = CREATED_AT


class PromiseFactory(DjangoModelFactory):
    """An open promise of CNY 500.00 made on 1 March, due on 10 March."""

    class Meta:
        model = Promise

    case = factory.SubFactory(CaseFactory)
    amount = Decimal("500.00")
    currency = "CNY"
    made_on = date(2026, 3, 1)
    due_date = date(2026, 3, 10)
    status = PromiseStatus.OPEN
    created_at = CREATED_AT

    class Params:
        broken = factory.Trait(status=PromiseStatus.BROKEN, resolved_on=date(2026, 3, 11))
        kept = factory.Trait(status=PromiseStatus.KEPT, resolved_on=date(2026, 3, 9))


class ContactEventFactory(DjangoModelFactory):
    """An outbound call to the debtor that reached them."""

    class Meta:
        model = ContactEvent

    debtor = factory.SubFactory(DebtorFactory)
    type = "call_outbound"
    outcome = "conversation"
    occurred_at = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    by_entity = "creditor"
    created_at = factory.SelfAttribute("occurred_at")
