"""Masked display of personal data for roles that may not see it in full. Pure (no Django)."""

from __future__ import annotations

MASK = "****"


def mask_phone(e164: str) -> str:
    """Mask a phone number, keeping the first three and last four national digits.

    ``+8613812345678`` → ``138****5678``; ``+14155550123`` → ``415****0123``.
    """
    digits = e164.lstrip("+")
    national = digits[2:] if digits.startswith("86") else digits[1:] if digits.startswith("1") else digits
    if len(national) <= 7:
        return national[:2] + MASK
    return national[:3] + MASK + national[-4:]


def mask_email(address: str) -> str:
    """Mask an e-mail address's local part: ``lina@example.com`` → ``l***@example.com``."""
    local, at, domain = address.partition("@")
    if not at:
        return MASK
    return f"{local[:1]}***@{domain}"


def mask_national_id(value: str) -> str:
    """Mask a national ID, keeping the first three and last four characters."""
    if len(value) <= 7:
        return MASK
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_street(value: str) -> str:
    """Mask a street address entirely but its first word (city or district)."""
    head = value.split(" ", 1)[0] if " " in value else value[:3]
    return f"{head} {MASK}"
