"""The demo's compliance picture: each portfolio's packs, holds on disputed and hardship cases, recent contacts.

Loaded in bulk like the rest of the demo (the run's one audit event covers it) and only once: a
second run finds the holds and contacts already there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from arrears.compliance.models import CompliancePolicy, ContactEvent, Hold
from arrears.compliance.rules.vocabulary import EventType, HoldType, Outcome
from arrears.portfolio.choices import ContactKind, DebtStatus
from arrears.portfolio.models import ContactPoint, Debt, DebtorChange, Portfolio

PACKS = {"CN": ["cn"], "US": ["us-regf"], "GB": ["uk-conc"]}
# Each portfolio's own stricter rules, to show overrides at work.
OVERRIDES = {
    "GB": [{"kind": "weekdays", "weekdays": ["sunday"], "code": "PORTFOLIO.SUNDAY"}],
    "US": [
        {"kind": "channel_cap", "action": "sms", "max": 3, "per": "week", "code": "PORTFOLIO.CAP.SMS_WEEK"}
    ],
    "CN": [{"kind": "holidays", "country": "CN", "code": "PORTFOLIO.HOLIDAY"}],
}
# How many debtors per portfolio get a recent contact history (enough to see every rule fire).
WITH_HISTORY = 40
# A week of attempts: (days ago, hour of the debtor's day, outcome).
ATTEMPTS = [
    (6, 10, Outcome.NO_ANSWER), (5, 11, Outcome.VOICEMAIL_LCM), (4, 15, Outcome.NOT_CONNECTED_BUSY),
    (3, 9, Outcome.NO_ANSWER), (2, 18, Outcome.CONVERSATION), (0, 9, Outcome.NO_ANSWER),
]  # fmt: skip


def add_compliance(portfolio: Portfolio, *, now: datetime) -> None:
    """Give a demo portfolio its packs, holds and recent contacts, once."""
    CompliancePolicy.objects.get_or_create(
        portfolio=portfolio,
        defaults={
            "packs": PACKS.get(portfolio.country, ["cn"]),
            "overrides": OVERRIDES.get(portfolio.country, []),
            "collector_entity": portfolio.creditor_name,
            "updated_at": now,
        },
    )
    if Hold.objects.filter(debtor__portfolio=portfolio).exists():
        return
    _add_holds(portfolio, now=now)
    _add_history(portfolio, now=now)


def _add_holds(portfolio: Portfolio, *, now: datetime) -> None:
    disputed = Debt.objects.filter(portfolio=portfolio, status=DebtStatus.DISPUTED).values_list(
        "pk", "debtor_id"
    )
    holds = [
        Hold(debtor_id=debtor_id, debt_id=debt_id, type=HoldType.DISPUTE.value, starts_at=now - timedelta(days=3),
             reason="Disputes the amount (demo)", created_at=now)
        for debt_id, debtor_id in disputed.order_by("pk")
    ]  # fmt: skip
    hardship = (
        DebtorChange.objects.filter(debtor__portfolio=portfolio)
        .values_list("debtor_id", flat=True)
        .distinct()
        .order_by("debtor_id")
    )
    review = HoldType.VULNERABILITY_REVIEW if portfolio.country == "GB" else HoldType.HARDSHIP_REVIEW
    holds += [
        Hold(debtor_id=debtor_id, type=review.value, starts_at=now - timedelta(days=1),
             ends_at=now + timedelta(days=14), reason="Hardship told on the phone (demo)", created_at=now)
        for debtor_id in list(hardship)[::3]
    ]  # fmt: skip
    Hold.objects.bulk_create(holds, batch_size=1000)


def _add_history(portfolio: Portfolio, *, now: datetime) -> None:
    phones = (
        ContactPoint.objects.filter(debtor__portfolio=portfolio, kind=ContactKind.PHONE, contact_person=None)
        .order_by("debtor_id", "pk")
        .values_list("pk", "debtor_id")
    )
    zone = ZoneInfo(portfolio.time_zone)
    seen: set[int] = set()
    events = []
    for point_id, debtor_id in phones.iterator():
        if debtor_id in seen:
            continue
        seen.add(debtor_id)
        for days_ago, hour, outcome in ATTEMPTS[: 2 + len(seen) % (len(ATTEMPTS) - 1)]:
            local = (now - timedelta(days=days_ago)).astimezone(zone)
            at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
            events.append(
                ContactEvent(debtor_id=debtor_id, contact_point_id=point_id, type=EventType.CALL_OUTBOUND.value,
                             outcome=outcome.value, occurred_at=min(at, now - timedelta(minutes=5)),
                             by_entity=portfolio.creditor_name, created_at=now)
            )  # fmt: skip
        if len(seen) >= WITH_HISTORY:
            break
    ContactEvent.objects.bulk_create(events, batch_size=1000)
