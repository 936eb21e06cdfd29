"""Read a debtor's compliance picture for pages and the API, scoped and masked like the portfolio."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from arrears.compliance import decisions, messages, policies
from arrears.compliance.models import ACTION_LABELS, ContactDecision, ContactEvent, Hold
from arrears.compliance.rules import reasons
from arrears.compliance.rules.vocabulary import Action
from arrears.core.errors import NotFound
from arrears.portfolio import queries as portfolio_queries
from arrears.portfolio.choices import CHANNELS_BY_KIND
from arrears.portfolio.models import ContactPerson, ContactPoint, Debt, Debtor

TIMELINE_DAYS = 90


@dataclass(frozen=True)
class ContactOption:
    """One way to reach someone now, and whether the rules allow it."""

    point: ContactPoint
    display_value: str
    person_label: str
    action: Action
    check: decisions.ContactCheck

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "contact" or "decision"
    title: str
    detail: str
    reasons: list[tuple[str, str, str]]  # code, explanation, source


@dataclass(frozen=True)
class ComplianceView:
    debtor: Debtor
    policy: str
    holds: list[Hold]
    options: list[ContactOption]
    timeline: list[TimelineEntry]
    may_lift: bool


def get_compliance_view(*, user: Any, debtor_id: int, now: datetime) -> ComplianceView:
    """Return what a debtor's contact page shows: holds, what is allowed now, the timeline.

    :raises NotFound: when the debtor does not exist or is outside the user's portfolios.
    """
    debtor = portfolio_queries.get_debtor(user=user, debtor_id=debtor_id)
    points = debtor.contact_points.select_related("contact_person").order_by(
        "contact_person_id", "kind", "pk"
    )
    pairs = [(point, Action(channel)) for point in points for channel in CHANNELS_BY_KIND[point.kind]]
    checks = decisions.preview_contacts(debtor=debtor, at=now, options=pairs)
    options = [
        ContactOption(
            point=point,
            display_value=portfolio_queries.display_personal(user, point.kind, point.value),
            person_label=str(point.contact_person) if point.contact_person else _("Debtor"),
            action=action,
            check=check,
        )
        for (point, action), check in zip(pairs, checks, strict=True)
    ]
    return ComplianceView(
        debtor=debtor,
        policy=policies.get_policy(debtor.portfolio).label,
        holds=list(
            Hold.objects.filter(debtor=debtor)
            .select_related("debt", "contact_person", "set_by", "lifted_by")
            .order_by("-starts_at", "-pk")
        ),
        options=options,
        timeline=_timeline(debtor, now),
        may_lift=portfolio_queries.may_lift_contact_restrictions(user=user),
    )


def _timeline(debtor: Debtor, now: datetime) -> list[TimelineEntry]:
    since = now - timedelta(days=TIMELINE_DAYS)
    entries = [
        TimelineEntry(
            at=event.occurred_at,
            kind="contact",
            title=f"{event.get_type_display()}"
            + (f" — {event.get_outcome_display()}" if event.outcome else ""),
            detail=event.note,
            reasons=[],
        )
        for event in ContactEvent.objects.filter(debtor=debtor, occurred_at__gte=since).order_by(
            "-occurred_at"
        )[:200]
    ]
    entries += [
        TimelineEntry(
            at=row.created_at,
            kind="decision",
            title=_("%(decision)s: %(action)s")
            % {"decision": row.get_decision_display(), "action": row.get_action_display()},
            detail=_("Rule packs: %(packs)s") % {"packs": row.policy},
            reasons=[(code, messages.explain(code), _source(code)) for code in row.reasons],
        )
        for row in ContactDecision.objects.filter(debtor=debtor, created_at__gte=since).order_by(
            "-created_at"
        )[:200]
    ]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def _source(code: str) -> str:
    reason = reasons.get_reason(code)
    return reason.source if reason else ""


def get_contact_point_of(*, debtor: Debtor, point_id: int | None) -> ContactPoint | None:
    """Return one of the debtor's contact points, or None when no id is given.

    :raises NotFound: for a contact point of another debtor.
    """
    return None if point_id is None else get_contact_point(debtor=debtor, point_id=point_id)


def get_contact_point(*, debtor: Debtor, point_id: int) -> ContactPoint:
    """Return one of the debtor's contact points.

    :raises NotFound: for a contact point of another debtor.
    """
    try:
        return debtor.contact_points.get(pk=point_id)
    except ContactPoint.DoesNotExist:
        raise NotFound(_("No such contact point for this debtor.")) from None


def get_contact_person_of(*, debtor: Debtor, person_id: int | None) -> ContactPerson | None:
    """Return one of the debtor's contact persons, or None when no id is given.

    :raises NotFound: for a contact person of another debtor.
    """
    if person_id is None:
        return None
    try:
        return debtor.contact_persons.get(pk=person_id)
    except ContactPerson.DoesNotExist:
        raise NotFound(_("No such contact person for this debtor.")) from None


def list_debts_of(*, debtor: Debtor, debt_ids: list[int]) -> list[Debt]:
    """Return the named debts of the debtor.

    :raises NotFound: when any id is not one of the debtor's debts.
    """
    debts = list(debtor.debts.filter(pk__in=debt_ids).order_by("pk"))
    if len(debts) != len(set(debt_ids)):
        raise NotFound(_("No such debt for this debtor."))
    return debts


def get_hold(*, user: Any, hold_id: int) -> Hold:
    """Return one hold of a debtor the user may see.

    :raises NotFound: when it does not exist or is outside the user's portfolios.
    """
    try:
        hold = Hold.objects.select_related("debtor").get(pk=hold_id)
    except Hold.DoesNotExist:
        raise NotFound(_("No such hold.")) from None
    portfolio_queries.get_debtor(user=user, debtor_id=hold.debtor_id)
    return hold
