"""A day's letters of a portfolio as one PDF for the print shop, built once, with its SHA-256.

One batch per portfolio and business date, built after that day is over on the portfolio's clock;
a second build returns the existing batch unchanged, so the print shop never gets two versions of a
day. A letter is in the batch when it went out (sent or already delivered) on that date.
"""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter

from arrears.comms.gateways.letters import letter_directory, letter_path
from arrears.comms.letters import sha256_of
from arrears.comms.models import Message, MessageChannel, MessageStatus, PrintBatch
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio.models import Portfolio


class BusinessDayNotOver(DomainError):
    """The day is still going on the portfolio's clock: more letters may go out."""


class NothingToPrint(DomainError):
    """No letter of the portfolio went out that day."""


class LetterFileMissing(DomainError):
    """A letter marked sent has no file in the letter directory."""


class LetterFileChanged(DomainError):
    """A letter's file no longer has the SHA-256 recorded when it was sent."""


def build_print_batch(*, portfolio_id: int, business_date: date, now: datetime) -> PrintBatch:
    """Merge the portfolio's letters sent on ``business_date`` into one PDF and link them to the batch.

    Returns the existing batch unchanged when the day was already built.

    :raises BusinessDayNotOver: when ``now`` is before the end of that date in the portfolio's zone.
    :raises NothingToPrint: when no letter went out that day; nothing is created, a later call may build.
    :raises LetterFileMissing: when a letter's PDF is not in the letter directory.
    :raises LetterFileChanged: when a letter's PDF differs from the SHA-256 stored for it.
    """
    try:
        return PrintBatch.objects.get(portfolio_id=portfolio_id, business_date=business_date)
    except PrintBatch.DoesNotExist:
        pass
    portfolio = Portfolio.objects.get(pk=portfolio_id)
    day_starts_at, day_ends_at = _day_bounds(business_date, ZoneInfo(portfolio.time_zone))
    if now < day_ends_at:
        raise BusinessDayNotOver(
            _("The letters of %(date)s can be printed once that day is over.") % {"date": business_date}
        )
    try:
        return _build(portfolio_id=portfolio_id, business_date=business_date, now=now,
                      day_starts_at=day_starts_at, day_ends_at=day_ends_at)  # fmt: skip
    except IntegrityError:
        # Another build of the same day committed first: that one is the batch.
        return PrintBatch.objects.get(portfolio_id=portfolio_id, business_date=business_date)


@transaction.atomic
def _build(
    *, portfolio_id: int, business_date: date, now: datetime, day_starts_at: datetime, day_ends_at: datetime
) -> PrintBatch:
    batch = PrintBatch.objects.create(portfolio_id=portfolio_id, business_date=business_date, created_at=now)
    letters = list(
        Message.objects.select_for_update()
        .filter(
            debtor__portfolio_id=portfolio_id,
            channel=MessageChannel.LETTER,
            status__in=[MessageStatus.SENT, MessageStatus.DELIVERED],
            sent_at__gte=day_starts_at,
            sent_at__lt=day_ends_at,
            print_batch__isnull=True,
        )
        .order_by("sent_at", "pk")
    )
    if not letters:
        raise NothingToPrint(_("No letter went out on %(date)s.") % {"date": business_date})
    directory = letter_directory()
    batch.file_name = f"print-batch-{portfolio_id}-{business_date:%Y%m%d}.pdf"
    pdf = _merge([_letter_pdf(letter, directory=directory) for letter in letters])
    _write(directory / batch.file_name, pdf)
    batch.sha256 = sha256_of(pdf)
    batch.letter_count = len(letters)
    batch.save(update_fields=["file_name", "sha256", "letter_count"])
    Message.objects.filter(pk__in=[letter.pk for letter in letters]).update(print_batch=batch)
    record_event(
        actor=None, action="comms.build_print_batch", target=batch, now=now, portfolio_id=portfolio_id,
        after={"business_date": business_date.isoformat(), "file_name": batch.file_name, "sha256": batch.sha256,
               "letter_count": batch.letter_count, "message_ids": [letter.pk for letter in letters]},
    )  # fmt: skip
    return batch


def _day_bounds(business_date: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the first moment of the date and of the next, on the zone's clock (23 or 25 hours apart at DST)."""
    starts_at = datetime.combine(business_date, time.min, tzinfo=zone)
    return starts_at, datetime.combine(business_date + timedelta(days=1), time.min, tzinfo=zone)


def _letter_pdf(letter: Message, *, directory: Path) -> bytes:
    path = letter_path(letter.idempotency_key, directory=directory)
    try:
        pdf = path.read_bytes()
    except FileNotFoundError:
        raise LetterFileMissing(
            _("The PDF of letter %(id)s is missing from the letter directory.") % {"id": letter.pk}
        ) from None
    if letter.pdf_sha256 and sha256_of(pdf) != letter.pdf_sha256:
        raise LetterFileChanged(
            _("The PDF of letter %(id)s has changed since it was sent.") % {"id": letter.pk}
        )
    return pdf


def _merge(pdfs: list[bytes]) -> bytes:
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _write(path: Path, content: bytes) -> None:
    """Replace the file whole: the print shop never reads half a batch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".batch-", suffix=".tmp")
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    Path(temporary).replace(path)
