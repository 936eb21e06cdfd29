"""Days past due and aging buckets. Pure (no Django)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

# (label, first day, last day or None): M0 is current, then the usual 30-day buckets.
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", 0, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-120", 91, 120),
    ("121-180", 121, 180),
    ("181-360", 181, 360),
    ("361+", 361, None),
)


def bucket_for(days_past_due: int) -> str:
    """Return the aging bucket label of ``days_past_due`` (``current`` for 0)."""
    for label, first, last in BUCKETS:
        if days_past_due >= first and (last is None or days_past_due <= last):
            return label
    raise ValueError("days past due cannot be negative")


def days_past_due(*, as_of: date, schedule: Iterable[tuple[date, Decimal]], paid: Decimal) -> int:
    """Return how many days the oldest unpaid instalment is overdue on ``as_of``.

    ``schedule`` lists (due date, amount due) and ``paid`` is what has been paid toward the
    schedule by ``as_of``. Instalments are covered oldest first; a debt is past due from the day
    after the due date of the first instalment the payments do not cover.
    """
    covered = paid
    for due_date, amount_due in sorted(schedule):
        if due_date >= as_of:
            return 0
        if covered >= amount_due:
            covered -= amount_due
            continue
        return (as_of - due_date).days
    return 0
