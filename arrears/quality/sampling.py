"""The daily QA sample (抽检): random per collector at a rate, plus every contact that carries a risk.

For one portfolio and local day, the contacts (desk activities) not reviewed yet are read in one
set-based query with what makes them risky: a complaint hold on the debtor, a dispute on the case
(recorded that day, or the contact's own result), contacts on the same case in the seven days to
that day (repeated) and the note's length (a long contact). The note is linted: a REVIEW or BLOCK
hit is a risk too. Every risky contact is drawn; then, per collector, ``ceil(rate × contacts)`` are
drawn at random, the risky ones counting towards the quota — so each collector gets at least their
share, and a run is determined by (portfolio, day, rate, seed). Collectors in coaching follow-up
have their contacts drawn until the follow-up has enough.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from arrears.casework.models import Activity, ContactResult, Dispute
from arrears.compliance.linter import Severity, lint
from arrears.compliance.models import Hold
from arrears.compliance.rules.vocabulary import HoldType
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, PermissionDenied
from arrears.people.roles import Capability
from arrears.portfolio import ledger
from arrears.portfolio.models import Portfolio
from arrears.quality import coaching, prescore, reviews, scorecards
from arrears.quality.models import QualityReview, SampleReason, SampleRun

DEFAULT_RATE = Decimal("0.05")
# The worker draws a day's sample once it is over where the portfolio works, with a margin for
# contacts recorded late in the evening; days missed (a worker down) are drawn afterwards, up to a week.
SAMPLE_AFTER = time(1, 0)
CATCH_UP_DAYS = 7
LONG_NOTE_CHARS = 300
REPEATED_CONTACTS = 3
REPEAT_WINDOW_DAYS = 7


class InvalidSample(DomainError):
    """A rate outside 0–1."""


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact of the day as the sample sees it."""

    activity_id: int
    collector_id: int | None
    created_at: datetime
    reasons: tuple[str, ...]


@dataclass(slots=True)
class Draw:
    """What the sample drew: activity id → reasons, in the order drawn."""

    reasons: dict[int, list[str]] = field(default_factory=dict)

    def add(self, activity_id: int, reason: str) -> None:
        self.reasons.setdefault(activity_id, [])
        if reason not in self.reasons[activity_id]:
            self.reasons[activity_id].append(reason)


def day_bounds(portfolio: Portfolio, day: date) -> tuple[datetime, datetime]:
    """Return the start and end (exclusive) of ``day`` in the portfolio's time zone, as aware datetimes."""
    zone = ZoneInfo(portfolio.time_zone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def list_contacts(*, portfolio: Portfolio, day: date) -> list[Contact]:
    """Return the day's contacts not yet in review, with their risk reasons (one query, then the linter)."""
    start, end = day_bounds(portfolio, day)
    same_case = (
        Activity.objects.filter(
            case_id=OuterRef("case_id"), created_at__gte=end - timedelta(days=REPEAT_WINDOW_DAYS)
        )
        .filter(created_at__lt=end)
        .order_by()
        .values("case_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = (
        Activity.objects.filter(case__portfolio=portfolio, created_at__gte=start, created_at__lt=end)
        .filter(quality_review__isnull=True)
        .annotate(
            complaint=Exists(
                Hold.objects.filter(debtor_id=OuterRef("case__debtor_id"), type=HoldType.COMPLAINT, starts_at__lt=end)
                .filter(Q(ends_at__isnull=True) | Q(ends_at__gte=start))
            ),
            disputed=Exists(Dispute.objects.filter(case_id=OuterRef("case_id"), opened_at__gte=start, opened_at__lt=end)),
            contacts_on_case=Subquery(same_case, output_field=IntegerField()),
            note_length=Length("note"),
        )
        .order_by("pk")
        .values_list(
            "pk", "created_by_id", "created_at", "result", "note", "complaint", "disputed", "contacts_on_case",
            "note_length",
        )
    )  # fmt: skip
    packs = prescore.linter_packs(portfolio)
    return [_contact(row, packs) for row in rows]


def _contact(row: tuple[Any, ...], packs: tuple[str, ...]) -> Contact:
    pk, collector_id, created_at, result, note, complaint, disputed, on_case, note_length = row
    reasons = []
    if (
        note.strip()
        and (lint(note, language=None, packs=packs).verdict or Severity.WARN).rank >= Severity.REVIEW.rank
    ):
        reasons.append(SampleReason.LINTER_REVIEW.value)
    if complaint:
        reasons.append(SampleReason.COMPLAINT.value)
    if disputed or result == ContactResult.DISPUTE:
        reasons.append(SampleReason.DISPUTE.value)
    if (note_length or 0) >= LONG_NOTE_CHARS:
        reasons.append(SampleReason.LONG_CONTACT.value)
    if (on_case or 0) >= REPEATED_CONTACTS:
        reasons.append(SampleReason.REPEATED_CONTACT.value)
    return Contact(pk, collector_id, created_at, tuple(reasons))


def choose(
    contacts: list[Contact],
    *,
    rate: Decimal,
    seed: int,
    day: date,
    follow_up: dict[int, tuple[datetime, int]],
) -> Draw:
    """Choose the sample from the day's contacts (pure): risks, follow-ups, then random per collector."""
    draw = Draw()
    by_collector: dict[int | None, list[Contact]] = defaultdict(list)
    for contact in contacts:
        by_collector[contact.collector_id].append(contact)
        for reason in contact.reasons:
            draw.add(contact.activity_id, reason)
    for coached_id, (coached_at, remaining) in follow_up.items():
        later = [c for c in by_collector.get(coached_id, []) if c.created_at > coached_at]
        for contact in sorted(later, key=lambda c: (c.created_at, c.activity_id))[:remaining]:
            draw.add(contact.activity_id, SampleReason.FOLLOW_UP.value)
    for collector_id, own in sorted(by_collector.items(), key=lambda pair: (pair[0] is None, pair[0] or 0)):
        quota = math.ceil(rate * len(own))
        already = sum(1 for contact in own if contact.activity_id in draw.reasons)
        left = sorted(contact.activity_id for contact in own if contact.activity_id not in draw.reasons)
        picker = random.Random(f"{seed}:{collector_id}:{day.isoformat()}")
        for activity_id in picker.sample(left, max(0, min(len(left), quota - already))):
            draw.add(activity_id, SampleReason.RANDOM.value)
    return draw


def default_seed(portfolio: Portfolio, day: date) -> int:
    """Return the seed a run uses when none is given: the same for the same portfolio and day."""
    return portfolio.pk * 100_000_000 + day.toordinal()


@transaction.atomic
def draw_sample(
    *, portfolio: Portfolio, day: date, rate: Decimal = DEFAULT_RATE, seed: int | None = None, actor: Any,
    now: datetime,
) -> SampleRun:  # fmt: skip
    """Draw the day's review sample of a portfolio and queue a review for each contact drawn.

    Drawing a day again returns the first run unchanged.

    :raises PermissionDenied: when the actor may neither review nor manage quality.
    :raises InvalidSample: when the rate is not between 0 and 1.
    :raises NotFound: when the portfolio has no scorecard.
    """
    if actor is not None and not (
        actor.can(Capability.REVIEW_QUALITY) or actor.can(Capability.MANAGE_QUALITY)
    ):
        raise PermissionDenied(_("Only a quality reviewer may draw a sample."))
    if not Decimal(0) <= rate <= Decimal(1):
        raise InvalidSample(
            _("The sample rate must be between 0 and 1 (0.05 is 5 %%); got %(rate)s.") % {"rate": rate}
        )
    Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    earlier = SampleRun.objects.filter(portfolio=portfolio, business_date=day).first()
    if earlier is not None:
        return earlier
    scorecard = scorecards.get_active_scorecard(portfolio_id=portfolio.pk)
    seed = default_seed(portfolio, day) if seed is None else seed
    contacts = list_contacts(portfolio=portfolio, day=day)
    draw = choose(
        contacts,
        rate=rate,
        seed=seed,
        day=day,
        follow_up=coaching.follow_up_needed(portfolio_id=portfolio.pk),
    )
    counts: dict[str, int] = defaultdict(int)
    for reasons in draw.reasons.values():
        for reason in reasons:
            counts[reason] += 1
    run = SampleRun.objects.create(
        portfolio=portfolio, business_date=day, rate=rate, seed=seed, contacts=len(contacts), drawn=len(draw.reasons),
        counts=dict(sorted(counts.items())), created_by=actor if getattr(actor, "pk", None) else None, created_at=now,
    )  # fmt: skip
    activities = Activity.objects.select_related("case__portfolio", "case__debt").in_bulk(list(draw.reasons))
    positions = ledger.list_positions(debts={a.case.debt for a in activities.values()}, as_of=day)
    packs = prescore.linter_packs(portfolio)
    QualityReview.objects.bulk_create(
        reviews.new_review(
            activity=activities[pk],
            reasons=reasons,
            now=now,
            sample_run_id=run.pk,
            scorecard=scorecard,
            owed=positions[activities[pk].case.debt_id].balances.total,
            packs=packs,
        )
        for pk, reasons in draw.reasons.items()
    )
    record_event(
        actor=actor, action="quality.draw_sample", target=run, now=now, portfolio_id=portfolio.pk,
        after={"day": day.isoformat(), "rate": str(rate), "seed": seed, "contacts": len(contacts),
               "drawn": len(draw.reasons), "counts": run.counts},
    )  # fmt: skip
    return run


def run_due_samples(*, now: datetime) -> list[str]:
    """Draw each scorecard portfolio's samples that are due: its last complete local day, and missed days.

    The worker calls this on every pass. A portfolio's last complete day is yesterday where it works
    once it is past ``SAMPLE_AFTER`` there (the day before yesterday until then); days since its last
    run are drawn oldest first, at most ``CATCH_UP_DAYS`` of them, with the rate of its last run
    (``DEFAULT_RATE`` for the first). Drawing is idempotent per portfolio and day, so workers may race.
    """
    last_run = SampleRun.objects.filter(portfolio=OuterRef("pk")).order_by("-business_date")
    portfolios = scorecards.list_portfolios_with_scorecard().annotate(
        last_day=Subquery(last_run.values("business_date")[:1]),
        last_rate=Subquery(last_run.values("rate")[:1]),
    )
    done = []
    for portfolio in portfolios:
        local = now.astimezone(ZoneInfo(portfolio.time_zone))
        complete = local.date() - timedelta(days=1 if local.time() >= SAMPLE_AFTER else 2)
        last_day: date | None = portfolio.last_day
        if last_day is not None and last_day >= complete:
            continue
        # The first sample of a portfolio is its last complete day; after that, every day since, up to a week.
        earliest = complete - timedelta(days=CATCH_UP_DAYS - 1)
        first = complete if last_day is None else max(earliest, last_day + timedelta(days=1))
        rate = DEFAULT_RATE if portfolio.last_rate is None else portfolio.last_rate
        day = first
        while day <= complete:
            run = draw_sample(portfolio=portfolio, day=day, rate=rate, actor=None, now=now)
            done.append(f"quality sample {portfolio.code} {day}: {run.drawn} of {run.contacts} contacts")
            day += timedelta(days=1)
    return done
