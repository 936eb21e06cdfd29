"""The demo's messages: the default templates, approved, and a friendly reminder to a few debtors.

The worker (`make demo` starts it) sends them when the debtor's window opens, into the files under
var/outbox/ — e-mail as .eml, SMS and app messages as JSON, letters as PDF in var/letters/.
"""

from __future__ import annotations

from datetime import datetime

from arrears.comms import outbox, sending, templates
from arrears.comms.defaults import install_default_templates
from arrears.portfolio.choices import ContactKind, DebtStatus
from arrears.portfolio.models import ContactPoint, Debt, Portfolio

# Debtors per portfolio who get a reminder, and the kinds of contact point it may go to.
REMINDED = 5
REMINDER_KINDS = (ContactKind.PHONE, ContactKind.EMAIL)


def add_messages(portfolios: list[Portfolio], *, now: datetime) -> int:
    """Install the default templates and queue the demo's reminders once; return how many were queued."""
    install_default_templates(now=now)
    queued = 0
    for portfolio in portfolios:
        debts = Debt.objects.filter(portfolio=portfolio, status=DebtStatus.OPEN).select_related(
            "debtor", "portfolio"
        )
        for debt in debts.order_by("pk")[:REMINDED]:
            point = (
                ContactPoint.objects.filter(debtor=debt.debtor, kind__in=REMINDER_KINDS, contact_person=None)
                .order_by("-is_primary", "pk")
                .first()
            )
            if point is None:
                continue
            try:
                result = sending.send_template(
                    debt=debt, contact_point=point, purpose="friendly_reminder", now=now, source="demo",
                    idempotency_key=f"demo:{debt.pk}:friendly_reminder",
                )  # fmt: skip
            except (outbox.MessageRefused, templates.NoApprovedTemplate, templates.MissingValue):
                continue  # a hold or an opt-out in the demo data: exactly what the rules are for
            queued += int(result.created)
    return queued
