"""A real SMTP server for tests (aiosmtpd), keeping what it receives; it can honour idempotency keys."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from email.message import Message

from aiosmtpd.controller import Controller


@dataclass
class SmtpSink:
    """What the server received: every message, and the ids it accepted once."""

    received: list[Message] = field(default_factory=list)
    delivered_ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        parsed = email.message_from_bytes(envelope.content)  # type: ignore[attr-defined]
        with self.lock:
            self.received.append(parsed)
            key = parsed["Message-ID"]
            if key not in self.delivered_ids:
                self.delivered_ids.append(key)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_smtp_sink() -> tuple[Controller, SmtpSink]:
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, sink
