"""Normalise contact values (phones to E.164, e-mails, national IDs) and hash them for lookup."""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext as _

from arrears.core import crypto
from arrears.core.errors import DomainError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidPhoneNumber(DomainError):
    """The text is not a valid phone number for its region."""


class InvalidEmail(DomainError):
    """The text is not an e-mail address."""


def normalize_phone(raw: str, default_region: str) -> str:
    """Return ``raw`` as an E.164 number, reading national numbers in ``default_region``.

    :raises InvalidPhoneNumber: when it cannot be parsed or is not a valid number.
    """
    try:
        number = phonenumbers.parse(raw, default_region.upper() or None)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(_("“%(value)s” is not a phone number") % {"value": raw}) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(
            _("“%(value)s” is not a valid phone number for region %(region)s")
            % {"value": raw, "region": phonenumbers.region_code_for_number(number) or default_region}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """Return ``raw`` trimmed and lower-cased.

    :raises InvalidEmail: when it does not look like an e-mail address.
    """
    value = raw.strip().lower()
    if not _EMAIL.match(value):
        raise InvalidEmail(_("“%(value)s” is not an e-mail address") % {"value": raw})
    return value


def normalize_national_id(raw: str) -> str:
    """Return ``raw`` without spaces or dashes, upper-cased (the trailing X of Chinese IDs)."""
    return re.sub(r"[\s-]", "", raw).upper()


def normalize_address(raw: str) -> str:
    """Return ``raw`` with runs of whitespace collapsed."""
    return " ".join(raw.split())


def lookup_hash_for(kind: str, normalized: str) -> int:
    """Return the keyed hash that finds a contact value of ``kind`` (phone, email, address, app, national_id)."""
    return crypto.lookup_hash(f"{kind}:{normalized}")
