"""The daily summary e-mailed to supervisors: a day's numbers for their portfolios.

It goes through the outbox's e-mail gateway (SMTP when ``ARREARS_SMTP_HOST`` is set, else a file
under ``var/outbox/email/``), one e-mail per active supervisor with an address; a day is sent once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from arrears.comms.gateways.base import Gateway, Outgoing
from arrears.people.models import User
from arrears.people.roles import Role
from arrears.reporting.filters import build_filter
from arrears.reporting.kpis import KPIS
from arrears.reporting.models import SummaryRun
from arrears.reporting.tables import Table

SUMMARY_KPIS = ("contact_rates", "collected_day", "aging", "refusals")


@dataclass(frozen=True)
class SummaryReport:
    """What one day's summary did: the day and the supervisors it went to (none when already sent)."""

    day: date
    recipients: list[str]


def list_recipients() -> list[User]:
    """Return the active supervisors who have an e-mail address."""
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).exclude(email="").order_by("pk"))


def summary_tables(*, user: User, day: date) -> list[Table]:
    """Return the summary's tables for ``user``'s portfolios on ``day``."""
    report = build_filter(user=user, today=day, since=day, until=day)
    return [KPIS[name](report) for name in SUMMARY_KPIS]


def summary_text(*, tables: list[Table], day: date) -> str:
    """Return the e-mail's plain text: each table as lines of label and values."""
    lines = [_("Collections summary for %(day)s") % {"day": day}, ""]
    for table in tables:
        lines.append(str(table.title))
        if table.note:
            lines.append(f"  {table.note}")
        for row in table.rows:
            lines.append(
                "  "
                + " · ".join(f"{column.label}: {_shown(row.get(column.name))}" for column in table.columns)
            )
        lines.append("")
    return "\n".join(lines)


def _shown(value: object) -> str:
    return "—" if value is None else str(value)


@transaction.atomic
def send_daily_summary(*, day: date, gateway: Gateway, now: datetime) -> SummaryReport:
    """E-mail ``day``'s summary to every supervisor once; a day already sent sends nothing."""
    if SummaryRun.objects.select_for_update().filter(day=day).exists():
        return SummaryReport(day=day, recipients=[])
    sent = []
    for user in list_recipients():
        with translation.override(settings.LANGUAGE_CODE):
            tables = summary_tables(user=user, day=day)
            subject = _("Collections summary for %(day)s") % {"day": day}
            body = summary_text(tables=tables, day=day)
        gateway.send(
            Outgoing(
                message_id=0, idempotency_key=f"reporting-summary-{day.isoformat()}-{user.pk}", channel="email",
                to=user.email, language=settings.LANGUAGE_CODE, subject=subject, body=body,
            )
        )  # fmt: skip
        sent.append(user.email)
    SummaryRun.objects.create(day=day, sent_at=now, recipients=len(sent))
    return SummaryReport(day=day, recipients=sent)
