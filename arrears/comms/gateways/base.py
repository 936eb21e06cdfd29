"""What every gateway is: send one message with its idempotency key, or fail transiently or for good."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One message as a gateway sees it: already rendered, addressed, with its idempotency key."""

    message_id: int
    idempotency_key: str
    channel: str
    to: str
    language: str
    subject: str
    body: str
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[tuple[str, bytes, str], ...] = ()  # (file name, content, MIME type)


@dataclass(frozen=True)
class Sent:
    """The provider accepted the message; its own id for delivery callbacks."""

    provider_message_id: str
    detail: str = ""


class TransientFailure(Exception):
    """Worth retrying later: a timeout, a 5xx, a refused connection, a rate limit."""


class PermanentFailure(Exception):
    """Never worth retrying: an invalid address, a rejected recipient, a provider's final no."""


class Gateway(Protocol):
    channel: str

    def send(self, outgoing: Outgoing) -> Sent:
        """Send one message; the same idempotency key twice must reach the person once.

        :raises TransientFailure: when a retry may succeed.
        :raises PermanentFailure: when it never will.
        """
        ...
