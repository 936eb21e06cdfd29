"""E-mail over SMTP (a kept-open connection per sending thread), or into a directory of .eml files for the demo.

Every e-mail carries a text and an HTML part, `List-Unsubscribe` (mail-to and one-click URL), and a
`Message-ID` made from the idempotency key, so a sink or provider that keys on it receives a
message re-sent after a crash only once.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
import threading
from dataclasses import dataclass
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
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


def build_email(outgoing: Outgoing, settings: EmailSettings) -> MIMEMultipart:
    """Build the e-mail: text and HTML parts, unsubscribe headers, an id from the idempotency key.

    The classic (compat32) MIME classes: the modern header registry parses every header it is
    given, which costs more than the SMTP exchange at the dispatcher's rates.

    :raises PermanentFailure: for a recipient that is not an e-mail address.
    """
    to = outgoing.to.strip()
    if "@" not in to or any(character.isspace() for character in to):
        raise PermanentFailure(f"not an e-mail address: {outgoing.to!r}")
    email = MIMEMultipart("alternative")
    sender = (
        formataddr((str(Header(settings.sender_name, "utf-8")), settings.sender))
        if settings.sender_name
        else settings.sender
    )
    email["From"] = sender
    email["To"] = to
    email["Subject"] = Header(outgoing.subject, "utf-8").encode()
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
    email.attach(MIMEText(outgoing.body, "plain", "utf-8"))
    email.attach(MIMEText(outgoing.html or _html_of(outgoing.body), "html", "utf-8"))
    return email


def _html_of(text: str) -> str:
    from html import escape

    paragraphs = "".join(f"<p>{escape(block).replace(chr(10), '<br>')}</p>" for block in text.split("\n\n"))
    return f'<!doctype html><html><body style="font-family:sans-serif">{paragraphs}</body></html>'


# SMTP wants CRLF line ends; smtplib fixes them only in text it is given as str.
_WIRE = compat32.clone(linesep="\r\n")


class SmtpGateway:
    """Send e-mail through one kept-open SMTP connection per sending thread, reopened after an error."""

    channel = "email"

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._all: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    def _connect(self) -> smtplib.SMTP:
        connection: smtplib.SMTP | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = smtplib.SMTP(self.settings.host, self.settings.port, timeout=self.settings.timeout)
            if self.settings.starttls:
                connection.starttls()
            if self.settings.username:
                connection.login(self.settings.username, self.settings.password)
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        return connection

    def _drop(self) -> None:
        """Forget this thread's connection after an error (the next send opens a new one)."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.quit()
        self._local = threading.local()

    def send(self, outgoing: Outgoing) -> Sent:
        """Send one e-mail; 5xx answers are permanent, everything else is worth a retry."""
        email = build_email(outgoing, self.settings)
        try:
            refused = self._connect().sendmail(
                self.settings.sender, [str(email["To"])], email.as_bytes(policy=_WIRE)
            )
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
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
            path.write_bytes(email.as_bytes())
        except OSError as exc:
            raise TransientFailure(f"cannot write {path}: {exc}") from exc
        return Sent(provider_message_id=message_id, detail=str(path))
