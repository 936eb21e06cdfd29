"""Signed, single-debtor tokens for the debtor portal's links (short enough for a text message).

A token is ``<debtor id>.<issued at>.<token id>.<signature>``: the debtor's id and the issue moment
(seconds since the epoch) in base 36, a random token id, and a truncated HMAC-SHA256 of the three
with the project's secret key and a salt of its own. Reading a token checks only the signature; how
long a token lives, whether it was revoked or already used is the portal's business
(`arrears.portal.access`). Issuing writes nothing, so a message can carry a link rendered when it
is sent.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.crypto import salted_hmac

SALT = "arrears.portal.link"
SIGNATURE_BYTES = 12
TOKEN_ID_BYTES = 9


class TamperedToken(ValueError):
    """The token is malformed or its signature does not match (altered or forged)."""


@dataclass(frozen=True)
class Claims:
    """What a genuine token says: whose it is, when it was issued, and its own id."""

    debtor_id: int
    issued_at: datetime
    token_id: str


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _signature(payload: str) -> str:
    digest = salted_hmac(SALT, payload, algorithm="sha256").digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(*, debtor_id: int, issued_at: datetime, token_id: str | None = None) -> str:
    """Return a signed token for ``debtor_id`` issued at ``issued_at`` (a fresh random id unless given)."""
    token_id = token_id or secrets.token_urlsafe(TOKEN_ID_BYTES)
    payload = f"{_base36(debtor_id)}.{_base36(int(issued_at.timestamp()))}.{token_id}"
    return f"{payload}.{_signature(payload)}"


def read(token: str) -> Claims:
    """Return the claims of a genuine token.

    :raises TamperedToken: when the token is malformed or its signature does not match.
    """
    parts = token.split(".")
    if len(parts) != 4 or not all(parts):
        raise TamperedToken("malformed token")
    payload, signature = ".".join(parts[:3]), parts[3]
    if not hmac.compare_digest(signature, _signature(payload)):
        raise TamperedToken("bad signature")
    try:
        debtor_id, seconds = int(parts[0], 36), int(parts[1], 36)
    except ValueError:
        raise TamperedToken("malformed token") from None
    return Claims(debtor_id, datetime.fromtimestamp(seconds, tz=UTC), parts[2])
