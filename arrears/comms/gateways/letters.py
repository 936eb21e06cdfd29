"""The letter channel: render the PDF, keep it in the letter directory, name its registered-mail number.

A letter's file and tracking number both derive from its idempotency key, so sending the same key
twice finds the file already written and returns the same number; the first file is never rewritten.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import tempfile
from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from arrears.comms import letters
from arrears.comms.gateways.base import Outgoing, PermanentFailure, Sent, TransientFailure

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
REGISTERED_SERVICE = "RR"
HEADER_LETTER_DATE = "X-Letter-Date"
HEADER_POSTING_COUNTRY = "X-Posting-Country"


def s10_check_digit(serial: str) -> int:
    """Return the UPU S10 check digit of an 8-digit serial number.

    Weights 8, 6, 4, 2, 3, 5, 9, 7; the check is 11 − (sum mod 11), where 10 becomes 0 and 11 becomes 5.

    :raises ValueError: when the serial is not 8 digits.
    """
    if len(serial) != len(S10_WEIGHTS) or not serial.isascii() or not serial.isdigit():
        raise ValueError(f"An S10 serial number is 8 digits, not {serial!r}.")
    check = 11 - sum(int(digit) * weight for digit, weight in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def is_valid_s10(number: str) -> bool:
    """Say whether a number has the S10 shape (2 letters, 8 digits, check digit, 2 letters) and check."""
    if len(number) != 13 or not number.isascii():
        return False
    service, serial, check, country = number[:2], number[2:10], number[10], number[11:]
    shape_ok = service.isalpha() and service.isupper() and country.isalpha() and country.isupper()
    return shape_ok and serial.isdigit() and check.isdigit() and s10_check_digit(serial) == int(check)


def tracking_number_for(idempotency_key: str, *, country: str = "CN") -> str:
    """Return the registered-mail number (``RR12345678xCN``) that a letter's idempotency key stands for."""
    serial = f"{int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], 'big') % 10**8:08d}"
    return f"{REGISTERED_SERVICE}{serial}{s10_check_digit(serial)}{country.upper()}"


def letter_directory() -> Path:
    """Return the directory letters and print batches are written to (``ARREARS_LETTER_DIR``)."""
    configured = getattr(settings, "ARREARS_LETTER_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "letters"


def letter_path(idempotency_key: str, *, directory: Path) -> Path:
    """Return where the letter with this idempotency key is kept."""
    return directory / f"letter-{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}.pdf"


class LetterGateway:
    """Write each letter once as a PDF in the letter directory; its tracking number is the provider's id."""

    channel = "letter"

    def __init__(self, *, directory: Path | None = None, country: str = "CN") -> None:
        self.directory = directory
        self.country = country

    @classmethod
    def from_settings(cls) -> LetterGateway:
        """Return the gateway writing to ``ARREARS_LETTER_DIR``."""
        return cls(directory=letter_directory())

    def send(self, outgoing: Outgoing) -> Sent:
        """Render and keep the letter unless its file exists; return its tracking number and SHA-256.

        :raises PermanentFailure: when the letter has no letterhead, no address or no valid date.
        :raises TransientFailure: when the file cannot be written.
        """
        country = outgoing.headers.get(HEADER_POSTING_COUNTRY) or self.country
        tracking_number = tracking_number_for(outgoing.idempotency_key, country=country)
        directory = self.directory or letter_directory()
        path = letter_path(outgoing.idempotency_key, directory=directory)
        try:
            if not path.exists():
                _write_once(path, _render(outgoing, tracking_number=tracking_number))
            pdf = path.read_bytes()
        except OSError as exc:
            raise TransientFailure(f"Cannot write the letter to {directory}: {exc}") from exc
        return Sent(provider_message_id=tracking_number, detail=f"sha256={letters.sha256_of(pdf)}")


def _render(outgoing: Outgoing, *, tracking_number: str) -> bytes:
    letterhead = letters.letterhead_from_headers(outgoing.headers)
    if not letterhead.creditor_name:
        raise PermanentFailure(f"The letter has no letterhead: {letters.HEADER_LETTERHEAD_NAME} is empty.")
    if not (outgoing.headers.get(letters.HEADER_RECIPIENT_ADDRESS) or outgoing.to).strip():
        raise PermanentFailure("The letter has no postal address.")
    try:
        sent_on = date.fromisoformat(outgoing.headers[HEADER_LETTER_DATE])
    except KeyError:
        sent_on = timezone.localdate()
    except ValueError as exc:
        raise PermanentFailure(f"{HEADER_LETTER_DATE} is not an ISO date: {exc}") from exc
    headers = {**outgoing.headers, letters.HEADER_TRACKING_NUMBER: tracking_number}
    return letters.render_letter_pdf(
        dataclasses.replace(outgoing, headers=headers), letterhead=letterhead, sent_on=sent_on
    )


def _write_once(path: Path, content: bytes) -> None:
    """Write the file whole or not at all; when another sender got there first, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".letter-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        Path(temporary).unlink()
