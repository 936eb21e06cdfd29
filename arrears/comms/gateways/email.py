"""E-mail over SMTP (one kept-open connection), or into a directory of .eml files for the demo.

Every e-mail carries a text and an HTML part, `List-Unsubscribe` (mail-to and one-click URL), and a
`Message-ID` made from the idempotency key, so a sink or provider that keys on it receives a
message re-sent after a crash only once.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path

from arrears.comms.gateways.base import Outgoing, PermanentFailure, Sent, TransientFailure


@dataclass(frozen=True)
class EmailSettings:
    host: str = "localhost"
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0
    sender: str = "collections@example.com"
    sender_name: str = ""
    unsubscribe_mailto: str = ""
    unsubscribe_url: str = ""


def message_id_for(idempotency_key: str, sender: str) -> str:
    """Return the Message-ID of a message: the same key gives the same id."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    domain = sender.rpartition("@")[2] or "arrears.invalid"
    return f"<{digest}@{domain}>"


def build_email(outgoing: Outgoing, settings: EmailSettings) -> EmailMessage:
    """Build the e-mail: text and HTML parts, unsubscribe headers, an id from the idempotency key.

    :raises PermanentFailure: for a recipient that is not an e-mail address.
    """
    if "@" not in outgoing.to or any(character.isspace() for character in outgoing.to.strip()):
        raise PermanentFailure(f"not an e-mail address: {outgoing.to!r}")
    email = EmailMessage()
    email["From"] = (
        formataddr((settings.sender_name, settings.sender)) if settings.sender_name else settings.sender
    )
    email["To"] = outgoing.to.strip()
    email["Subject"] = outgoing.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id_for(outgoing.idempotency_key, settings.sender)
    email["X-Idempotency-Key"] = outgoing.idempotency_key
    unsubscribe = (
        [f"<mailto:{settings.unsubscribe_mailto}?subject=STOP>"] if settings.unsubscribe_mailto else []
    )
    if settings.unsubscribe_url:
        unsubscribe.append(f"<{settings.unsubscribe_url}?m={outgoing.idempotency_key}>")
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if unsubscribe:
        email["List-Unsubscribe"] = ", ".join(unsubscribe)
    for name, value in outgoing.headers.items():
        if not name.startswith("X-Letter"):
            email[name] = value
    email.set_content(outgoing.body)
    email.add_alternative(outgoing.html or _html_of(outgoing.body), subtype="html")
    return email


def _html_of(text: str) -> str:
    from html import escape

    paragraphs = "".join(f"<p>{escape(block).replace(chr(10), '<br>')}</p>" for block in text.split("\n\n"))
    return f'<!doctype html><html><body style="font-family:sans-serif">{paragraphs}</body></html>'


class SmtpGateway:
    """Send e-mail through one SMTP connection, reopened when the server drops it."""

    channel = "email"

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._connection is None:
            connection = smtplib.SMTP(self.settings.host, self.settings.port, timeout=self.settings.timeout)
            if self.settings.starttls:
                connection.starttls()
            if self.settings.username:
                connection.login(self.settings.username, self.settings.password)
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.quit()
            self._connection = None

    def send(self, outgoing: Outgoing) -> Sent:
        """Send one e-mail; 5xx answers are permanent, everything else is worth a retry."""
        email = build_email(outgoing, self.settings)
        try:
            refused = self._connect().send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise TransientFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TransientFailure(f"SMTP connection: {exc}") from exc
        if refused:
            raise PermanentFailure(f"recipient refused: {refused}")
        return Sent(provider_message_id=str(email["Message-ID"]))


class FileSinkGateway:
    """Write each e-mail as an .eml file named by its id (the demo's mail box; re-sending overwrites)."""

    channel = "email"

    def __init__(self, directory: Path, settings: EmailSettings) -> None:
        self.directory = directory
        self.settings = settings

    def send(self, outgoing: Outgoing) -> Sent:
        email = build_email(outgoing, self.settings)
        self.directory.mkdir(parents=True, exist_ok=True)
        message_id = str(email["Message-ID"])
        path = self.directory / f"{message_id.strip('<>').partition('@')[0]}.eml"
        try:
            path.write_bytes(bytes(email))
        except OSError as exc:
            raise TransientFailure(f"cannot write {path}: {exc}") from exc
        return Sent(provider_message_id=message_id, detail=str(path))
