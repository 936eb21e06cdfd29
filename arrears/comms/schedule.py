"""The worker's scheduled jobs: each pass runs what has come due; running one twice changes nothing.

- **Print batches**: once a portfolio's business day is over on its own clock, that day's sent
  letters become one print file (`print_batches.build_print_batch`), so a missed day is caught up
  on the next pass.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from arrears.comms import print_batches
from arrears.comms.models import Message, MessageChannel, MessageStatus, PrintBatch
from arrears.core.errors import DomainError
from arrears.portfolio.models import Portfolio


def run_due_jobs(*, now: datetime) -> list[str]:
    """Run the jobs whose time has come; return a line about each one that did something."""
    return [*_print_batches(now)]


def pending_print_days(*, now: datetime) -> list[tuple[int, date]]:
    """Return the (portfolio, day) pairs with sent letters not yet in a batch, for days already over."""
    unbatched = Message.objects.filter(
        channel=MessageChannel.LETTER,
        status__in=[MessageStatus.SENT, MessageStatus.DELIVERED],
        print_batch=None,
    ).values_list("debtor__portfolio_id", "sent_at")
    zones: dict[int, ZoneInfo] = {}
    pending: set[tuple[int, date]] = set()
    for portfolio_id, sent_at in unbatched.order_by("pk"):
        if sent_at is None:
            continue
        if portfolio_id not in zones:
            zones[portfolio_id] = ZoneInfo(
                Portfolio.objects.values_list("time_zone", flat=True).get(pk=portfolio_id)
            )
        zone = zones[portfolio_id]
        day = sent_at.astimezone(zone).date()
        if day < now.astimezone(zone).date():
            pending.add((portfolio_id, day))
    if not pending:
        return []
    built = set(
        PrintBatch.objects.filter(
            portfolio_id__in={portfolio_id for portfolio_id, _day in pending},
            business_date__in={day for _portfolio_id, day in pending},
        ).values_list("portfolio_id", "business_date")
    )
    return sorted(pending - built)


def _print_batches(now: datetime) -> list[str]:
    done = []
    for portfolio_id, day in pending_print_days(now=now):
        try:
            batch = print_batches.build_print_batch(portfolio_id=portfolio_id, business_date=day, now=now)
        except DomainError as exc:
            done.append(f"print batch {day} of portfolio {portfolio_id}: {exc}")
            continue
        done.append(f"print batch {batch.file_name}: {batch.letter_count} letters")
    return done
