"""The demo's way into the debtor portal: two debtors with known answers, their links in ``var/portal-links.txt``.

One person in ``cn-consumer`` (Chinese) and one in ``us-cards`` (English), each with an open case that
owes money and has no promise, arrangement or dispute yet, get a known date of birth; a link for each,
issued now by `usecases.portal_access` (valid for the portal's link days, one session each), is
written with the answer. Run the demo again for fresh links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings

from arrears.casework.arrangements import OPEN_STATUSES
from arrears.casework.models import Arrangement, Case, Dispute, Promise, PromiseStatus
from arrears.portfolio.choices import DebtorKind, DebtStatus
from arrears.portfolio.models import Debtor, Portfolio
from arrears.usecases import portal_access

DEMO_DEBTORS = {"cn-consumer": date(1985, 4, 12), "us-cards": date(1979, 11, 23)}
DEV_SERVER = "http://127.0.0.1:8000"
FILE_NAME = "portal-links.txt"


@dataclass(frozen=True)
class DemoLink:
    portfolio: str
    debtor: Debtor
    birth_date: date
    url: str


def add_portal_links(portfolios: list[Portfolio], *, now: datetime) -> list[DemoLink]:
    """Give one debtor of each demo portfolio above a known birth date and a portal link; write them to a file."""
    links = []
    for portfolio in sorted(portfolios, key=lambda item: item.code):
        birth_date = DEMO_DEBTORS.get(portfolio.code)
        debtor = _candidate(portfolio) if birth_date else None
        if debtor is None or birth_date is None:
            continue
        Debtor.objects.filter(pk=debtor.pk).update(birth_date=birth_date)
        issued = portal_access.issue_link(debtor=debtor, now=now, source="demo", actor=None)
        url = issued.url if issued.url != issued.path else DEV_SERVER + issued.path
        links.append(DemoLink(portfolio.code, debtor, birth_date, url))
    _write(links, now)
    return links


def _candidate(portfolio: Portfolio) -> Debtor | None:
    """Return the first person whose first case is open, owes money and has nothing open on it."""
    # Cases with an open matter, as a set: a correlated EXISTS per case made SQLite scan every open
    # promise for each case (seconds at 100,000 debtors).
    in_portfolio = {"case__portfolio": portfolio}
    busy = {
        *Promise.objects.filter(status=PromiseStatus.OPEN, **in_portfolio).values_list("case_id", flat=True),
        *Arrangement.objects.filter(status__in=OPEN_STATUSES, **in_portfolio).values_list(
            "case_id", flat=True
        ),
        *Dispute.objects.filter(**in_portfolio).values_list("case_id", flat=True),
    }
    cases = (
        Case.objects.filter(portfolio=portfolio, debtor__kind=DebtorKind.PERSON, debt__status=DebtStatus.OPEN)
        .exclude(stage="")
        .select_related("debtor")
        .order_by("pk")
    )
    return next((case.debtor for case in cases.iterator(chunk_size=500) if case.pk not in busy), None)


def _write(links: list[DemoLink], now: datetime) -> None:
    path = Path(settings.VAR_DIR) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# Demo debtor portal links, issued {now:%Y-%m-%d %H:%M} UTC; each opens one session (docs/portal.md)."
    ]
    for link in links:
        lines.append(
            f"{link.portfolio}\t{link.debtor.name}\tdate of birth {link.birth_date.isoformat()}\t{link.url}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
