"""Send a templated message about a debt: the approved version, rendered for the case, into the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from arrears.comms import outbox, templates
from arrears.comms.models import MessageChannel
from arrears.core.errors import DomainError
from arrears.portfolio.models import ContactPoint, Debt

CHANNEL_OF_KIND = {"email": MessageChannel.EMAIL, "phone": MessageChannel.SMS, "app": MessageChannel.APP,
                   "address": MessageChannel.LETTER}  # fmt: skip


class ContactPointOfAnotherDebtor(DomainError):
    """The contact point does not belong to the debt's debtor."""


def send_template(
    *,
    debt: Debt,
    contact_point: ContactPoint,
    purpose: str,
    now: datetime,
    actor: Any = None,
    at: datetime | None = None,
    language: str | None = None,
    source: str = "desk",
    extra: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> outbox.Queued:
    """Queue the approved template for `purpose` on the contact point's channel, in the debtor's language.

    The exact rendered text and the template version are kept with the message.

    :raises ContactPointOfAnotherDebtor: when the contact point is another debtor's.
    :raises templates.NoApprovedTemplate: when no approved version exists for it.
    :raises templates.MissingValue, templates.RenderedTextBlocked: from rendering.
    :raises outbox.MessageRefused: when compliance refuses it for good.
    """
    if contact_point.debtor_id != debt.debtor_id:
        raise ContactPointOfAnotherDebtor(_("That contact point belongs to another debtor."))
    channel = CHANNEL_OF_KIND[contact_point.kind]
    language = language or debt.debtor.language
    version = templates.get_sendable_version(purpose=purpose, channel=channel, language=language)
    as_of = (at or now).astimezone(ZoneInfo(debt.portfolio.time_zone)).date()
    rendered = templates.render_message(
        version=version, debt=debt, contact_point=contact_point, as_of=as_of, extra=extra
    )
    return outbox.queue_message(
        debtor=debt.debtor, debt=debt, contact_point=contact_point, channel=channel, purpose=purpose,
        language=version.template.language, subject=rendered.subject, body=rendered.body, template_version=version,
        not_before=at or now, now=now, source=source, actor=actor, idempotency_key=idempotency_key,
    )  # fmt: skip
