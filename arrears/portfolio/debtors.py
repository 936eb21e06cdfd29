"""Actions on debtors: record what changed in their circumstances (客户重大变化)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio.choices import ChangeCategory
from arrears.portfolio.models import Debtor, DebtorChange


class InvalidDebtorChange(DomainError):
    """The change is empty, of an unknown category or dated in the future."""


@transaction.atomic
def record_debtor_change(
    *,
    debtor_id: int,
    category: str,
    description: str,
    occurred_date: date | None,
    actor: Any,
    now: datetime,
) -> DebtorChange:
    """Record a material change in a debtor's circumstances (job loss, illness, a move …) and return it.

    :raises InvalidDebtorChange: when the description is empty, the category unknown or the date
        after today.
    """
    text = description.strip()
    if not text:
        raise InvalidDebtorChange(_("Describe the change."))
    if category not in ChangeCategory.values:
        raise InvalidDebtorChange(_("“%(value)s” is not a kind of change.") % {"value": category})
    if occurred_date is not None and occurred_date > now.date():
        raise InvalidDebtorChange(_("A change cannot have happened after today."))
    debtor = Debtor.objects.select_for_update().get(pk=debtor_id)
    change = DebtorChange.objects.create(
        debtor=debtor,
        category=category,
        description=text,
        occurred_date=occurred_date,
        recorded_at=now,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    record_event(
        actor=actor,
        action="portfolio.record_debtor_change",
        target=change,
        now=now,
        portfolio_id=debtor.portfolio_id,
        after={"debtor": debtor.external_ref, "category": category, "occurred_date": occurred_date},
    )
    return change
