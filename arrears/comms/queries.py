"""Read for pages, the API and commands: a debtor's messages, the templates and their versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from arrears.comms.models import Message, MessageEvent, Template, TemplateVersion, VersionStatus
from arrears.core.errors import DomainError, NotFound
from arrears.people.scoping import scope_to_user
from arrears.portfolio.models import Debt, Debtor

MESSAGES_SHOWN = 50


def list_messages(*, debtor: Debtor) -> QuerySet[Message]:
    """Return the debtor's latest messages, newest first, with their template version."""
    return (
        Message.objects.filter(debtor=debtor)
        .select_related("template_version__template", "contact_point")
        .order_by("-created_at", "-pk")[:MESSAGES_SHOWN]
    )


def list_replies(*, debtor: Debtor) -> QuerySet[MessageEvent]:
    """Return the debtor's SMS replies and delivery problems, newest first."""
    return MessageEvent.objects.filter(debtor=debtor, kind__in=["reply", "bounced", "failed"]).order_by(
        "-occurred_at", "-pk"
    )[:MESSAGES_SHOWN]


class AmbiguousReference(DomainError):
    """Several debts the user may see share this reference; the portfolio must be named."""


@dataclass(frozen=True)
class TemplateRow:
    """A template on the list page, its versions newest first."""

    template: Template
    versions: list[TemplateVersion]

    @property
    def approved(self) -> TemplateVersion | None:
        """Return the approved version, if any."""
        return next((item for item in self.versions if item.status == VersionStatus.APPROVED), None)


def list_templates() -> list[TemplateRow]:
    """Return every template with its versions, by purpose, channel, language and stage."""
    versions = TemplateVersion.objects.select_related("created_by", "approved_by").order_by("-number")
    templates = Template.objects.prefetch_related(Prefetch("versions", queryset=versions)).order_by(
        "purpose", "channel", "language", "stage", "pk"
    )
    return [TemplateRow(template, list(template.versions.all())) for template in templates]


def get_template(*, template_id: int) -> Template:
    """Return one template.

    :raises NotFound: when there is no such template.
    """
    try:
        return Template.objects.get(pk=template_id)
    except Template.DoesNotExist:
        raise NotFound(_("No such template.")) from None


def get_debt_by_reference(*, user: Any, reference: str, portfolio_code: str = "") -> Debt:
    """Return the debt with this reference among those ``user`` may see (in one portfolio if named).

    ``user`` None is the command line, which sees every portfolio.

    :raises NotFound: when no such debt is visible to ``user``.
    :raises AmbiguousReference: when several portfolios have a debt with this reference.
    """
    debts = Debt.objects.select_related("debtor", "portfolio").filter(external_ref=reference.strip())
    if user is not None:
        debts = scope_to_user(debts, user)
    if portfolio_code:
        debts = debts.filter(portfolio__code=portfolio_code)
    found = list(debts.order_by("pk")[:2])
    if not found:
        raise NotFound(_("No debt with the reference %(reference)s.") % {"reference": reference})
    if len(found) > 1:
        raise AmbiguousReference(_("Several portfolios have a debt %(reference)s; name the portfolio.")
                                 % {"reference": reference})  # fmt: skip
    return found[0]
