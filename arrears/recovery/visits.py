"""Field visits (上门催收): plan, order into a route, check in and out, record what happened.

A visit is a contact: planning it and arriving both pass `compliance.decisions.check_contact`
(channel ``visit``: the debtor's local hours, holds, opt-outs, caps — from the packs) and the
portfolio's own visit rules (`visit_eligibility`: places off limits, two agents, identification).
A refused check-in is kept as a refusal and changes nothing on the visit. Checking out records
the contact (``visit``) with its note — linted first —, any promise taken on site, photos and
documents, and safety flags for the next visitor.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.casework import disputes, promises
from arrears.casework.models import Case
from arrears.compliance import decisions
from arrears.compliance.rules.vocabulary import Action, Decision, EventType, Outcome
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, PermissionDenied
from arrears.people.roles import Capability
from arrears.portfolio.choices import ContactKind
from arrears.portfolio.models import ContactPoint
from arrears.recovery import policy, routes, visit_eligibility
from arrears.recovery.models import SafetyFlag, Visit, VisitDocument, VisitOutcome, VisitStatus

MET_OUTCOMES = frozenset({VisitOutcome.MET_DEBTOR, VisitOutcome.PROMISE_TAKEN, VisitOutcome.PAID_ON_SITE})
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    VisitStatus.SCHEDULED: frozenset({VisitStatus.CHECKED_IN, VisitStatus.CANCELLED}),
    VisitStatus.CHECKED_IN: frozenset({VisitStatus.COMPLETED}),
    VisitStatus.COMPLETED: frozenset(),
    VisitStatus.CANCELLED: frozenset(),
}


class VisitNotAllowed(DomainError):
    """A visit the compliance decision or the portfolio's visit rules refuse; ``codes`` say which."""

    def __init__(self, message: str, *, codes: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.codes = tuple(codes)


class InvalidVisit(DomainError):
    """A visit in the wrong state, an unknown outcome or flag, or an address of another debtor."""


@dataclass(frozen=True)
class OnSitePromise:
    amount: Decimal
    due_date: date


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def _check_agent(user: Any) -> None:
    if user is None or not user.can(Capability.VISIT_DEBTORS):
        raise PermissionDenied(_("%(user)s may not make field visits.") % {"user": user})


def _compliance(visit: Visit, case: Case, *, at: datetime, now: datetime, actor: Any) -> None:
    """Refuse a visit the packs do not allow at ``at``; a refusal is kept (outside the caller's transaction)."""
    check = decisions.check_contact(
        debtor=case.debtor, action=Action.VISIT, at=at, now=now, contact_point=visit.contact_point,
        debts=[case.debt], source="visit", actor=actor,
    )  # fmt: skip
    if check.decision is Decision.DENY:
        moment = check.next_allowed_at
        when = _(" Next allowed: %(at)s.") % {"at": moment.strftime("%Y-%m-%d %H:%M %Z")} if moment else ""
        raise VisitNotAllowed(
            _("Compliance refuses this visit: %(reasons)s.%(when)s")
            % {"reasons": "; ".join(f"{r.explanation} [{r.code}]" for r in check.reasons), "when": when},
            codes=[reason.code for reason in check.reasons],
        )


def _check_address(case: Case, contact_point_id: int | None) -> ContactPoint | None:
    if contact_point_id is None:
        return None
    point = ContactPoint.objects.filter(pk=contact_point_id, debtor_id=case.debtor_id).order_by("pk").first()
    if point is None or point.kind != ContactKind.ADDRESS:
        raise InvalidVisit(_("Choose one of the debtor's postal addresses."))
    return point


def schedule_visit(
    *, case: Case, agent: Any, scheduled_for: datetime, place_kind: str, area: str = "", purpose: str = "",
    contact_point_id: int | None = None, companion: Any = None, source: str = "collector", actor: Any, now: datetime,
) -> Visit:  # fmt: skip
    """Plan a visit to the case's debtor; the packs must allow a visit at ``scheduled_for``.

    :raises PermissionDenied: when the agent (or the companion) may not visit debtors.
    :raises VisitNotAllowed: when the place is off limits or compliance refuses the moment.
    :raises InvalidVisit: for an address that is not the debtor's.
    """
    _check_agent(agent)
    if companion is not None:
        _check_agent(companion)
    blocks = visit_eligibility.check_plan(policy.visit_rules(case.portfolio), place_kind=place_kind)
    if blocks:
        raise VisitNotAllowed(policy.explain(blocks), codes=[block.value for block in blocks])
    visit = Visit(
        case=case, agent=agent, companion=companion, contact_point=_check_address(case, contact_point_id),
        place_kind=place_kind, area=area.strip()[:100], scheduled_for=scheduled_for, purpose=purpose.strip(),
        source=source, created_by=_user(actor), created_at=now,
    )  # fmt: skip
    _compliance(visit, case, at=scheduled_for, now=now, actor=actor)
    with transaction.atomic():
        visit.save()
        record_event(
            actor=actor, action="recovery.schedule_visit", target=visit, now=now, portfolio_id=case.portfolio_id,
            after={"case": case.pk, "agent": agent.get_username(), "scheduled_for": scheduled_for,
                   "place": place_kind, "area": visit.area, "source": source},
        )  # fmt: skip
    return visit


@transaction.atomic
def order_route(*, visits: Sequence[Visit], actor: Any, now: datetime) -> list[Visit]:
    """Number the given visits into a route: by area, then by time; return them in route order."""
    ids = routes.order_route([routes.Stop(visit.pk, visit.area, visit.scheduled_for) for visit in visits])
    by_id = {visit.pk: visit for visit in visits}
    ordered = [by_id[visit_id] for visit_id in ids]
    for number, visit in enumerate(ordered, start=1):
        visit.route_order = number
    Visit.objects.bulk_update(ordered, ["route_order"])
    record_event(
        actor=actor, action="recovery.order_route", target=("recovery.visit_route", len(ordered)), now=now,
        after={"visits": ids},
    )  # fmt: skip
    return ordered


def _lock(visit_id: int) -> Visit:
    return (
        Visit.objects.select_for_update()
        .select_related("case__debtor__portfolio", "case__debt")
        .get(pk=visit_id)
    )


def _move(visit: Visit, to: str) -> None:
    if to not in ALLOWED_TRANSITIONS[visit.status]:
        raise InvalidVisit(
            _("This visit is %(status)s; it cannot be %(to)s.")
            % {"status": visit.get_status_display(), "to": VisitStatus(to).label.lower()}
        )
    visit.status = to


def _check_own(visit: Visit, actor: Any) -> None:
    if actor.pk not in (visit.agent_id, visit.companion_id) and not actor.can(Capability.SUPERVISE_TEAM):
        raise PermissionDenied(_("This visit is assigned to someone else."))


def check_in(
    *, visit_id: int, identification_shown: bool, latitude: Decimal | None = None,
    longitude: Decimal | None = None, actor: Any, now: datetime,
) -> Visit:  # fmt: skip
    """Arrive at the address: the visit rules and the compliance decision at ``now`` must allow it.

    :raises VisitNotAllowed: outside the debtor's allowed hours, under a hold, at a place off
        limits, without a second agent or identification (a compliance refusal is kept).
    :raises InvalidVisit: when the visit is not scheduled.
    """
    visit = Visit.objects.select_related("case__debtor__portfolio", "case__debt", "contact_point").get(
        pk=visit_id
    )
    _check_own(visit, actor)
    if VisitStatus.CHECKED_IN not in ALLOWED_TRANSITIONS[visit.status]:
        _move(visit, VisitStatus.CHECKED_IN)
    blocks = visit_eligibility.check_arrival(
        policy.visit_rules(visit.case.portfolio), place_kind=visit.place_kind, agent_id=visit.agent_id,
        companion_ids=[visit.companion_id] if visit.companion_id else [], identification_shown=identification_shown,
    )  # fmt: skip
    if blocks:
        raise VisitNotAllowed(policy.explain(blocks), codes=[block.value for block in blocks])
    _compliance(visit, visit.case, at=now, now=now, actor=actor)
    with transaction.atomic():
        visit = _lock(visit_id)
        _move(visit, VisitStatus.CHECKED_IN)
        visit.checked_in_at, visit.identification_shown = now, identification_shown
        visit.check_in_latitude, visit.check_in_longitude = latitude, longitude
        visit.save(update_fields=["status", "checked_in_at", "identification_shown", "check_in_latitude",
                                  "check_in_longitude"])  # fmt: skip
        record_event(
            actor=actor, action="recovery.check_in", target=visit, now=now, portfolio_id=visit.case.portfolio_id,
            after={"checked_in_at": now, "latitude": latitude, "longitude": longitude},
        )  # fmt: skip
    return visit


def _store_documents(visit: Visit, uploads: Sequence[Any], actor: Any, now: datetime) -> list[str]:
    checked = [disputes.check_document(upload) for upload in uploads]
    names = []
    for item in checked:
        document = VisitDocument(
            visit=visit, name=item.name, content_type=item.document_type.content_type, size=len(item.content),
            sha256=item.sha256, uploaded_by=_user(actor), uploaded_at=now,
        )  # fmt: skip
        extension = PurePath(item.name).suffix.lower()
        document.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(item.content), save=False)
        document.save()
        names.append(item.name)
    return names


@transaction.atomic
def check_out(
    *, visit_id: int, outcome: str, notes: str = "", safety_flags: Sequence[str] = (),
    promise: OnSitePromise | None = None, documents: Sequence[Any] = (), actor: Any, now: datetime,
) -> Visit:  # fmt: skip
    """Leave: record the outcome, the linted note, a promise taken on site, documents and safety flags.

    :raises NoteBlocked: when the note has forbidden wording (nothing is saved).
    :raises InvalidDocument: for a document of a type not accepted (nothing is saved).
    :raises InvalidPromise: for a promise outside the portfolio's promise policy.
    :raises InvalidVisit: for an unknown outcome or flag, or a visit not checked in.
    """
    visit = _lock(visit_id)
    _check_own(visit, actor)
    _move(visit, VisitStatus.COMPLETED)
    if outcome not in VisitOutcome.values or any(flag not in SafetyFlag.values for flag in safety_flags):
        raise InvalidVisit(_("Choose an outcome (and safety flags) from the list."))
    if (outcome == VisitOutcome.PROMISE_TAKEN) != (promise is not None):
        raise InvalidVisit(_("A promise taken on site needs its amount and date, and only then."))
    case = visit.case
    if notes.strip():
        decisions.check_note(debtor=case.debtor, note=notes, debts=[case.debt])
    event = decisions.record_contact(
        debtor=case.debtor, type=EventType.VISIT, occurred_at=visit.checked_in_at or now, now=now, actor=actor,
        outcome=Outcome.CONVERSATION if outcome in MET_OUTCOMES else None, contact_point=visit.contact_point,
        debts=[case.debt], note=notes.strip(), reviewed=True,
    )  # fmt: skip
    if promise is not None:
        made = promises.make_promise(
            case_id=case.pk, amount=promise.amount, due_date=promise.due_date, actor=actor, now=now,
            expected_revision=None, request_key=None, source="visit",
        )  # fmt: skip
        visit.promise_id = made.pk
    stored = _store_documents(visit, documents, actor, now)
    visit.checked_out_at, visit.outcome, visit.notes = now, outcome, notes.strip()
    visit.safety_flags, visit.contact_event_id = sorted(set(safety_flags)), event.pk
    visit.save()
    record_event(
        actor=actor, action="recovery.check_out", target=visit, now=now, portfolio_id=case.portfolio_id,
        after={"outcome": outcome, "safety_flags": visit.safety_flags, "promise": visit.promise_id,
               "documents": stored, "contact_event": event.pk},
    )  # fmt: skip
    return visit


@transaction.atomic
def attach_documents(
    *, visit_id: int, documents: Sequence[Any], actor: Any, now: datetime
) -> list[VisitDocument]:
    """Add photos or documents to a visit that was made (checked in or completed).

    :raises InvalidDocument: for a file of a type not accepted or too large (nothing is saved).
    :raises InvalidVisit: when the visit was not made or no file is given.
    """
    visit = _lock(visit_id)
    _check_own(visit, actor)
    if visit.status not in (VisitStatus.CHECKED_IN, VisitStatus.COMPLETED) or not documents:
        raise InvalidVisit(_("Add photos or documents to a visit that was made."))
    stored = _store_documents(visit, documents, actor, now)
    record_event(
        actor=actor, action="recovery.attach_visit_documents", target=visit, now=now,
        portfolio_id=visit.case.portfolio_id, after={"documents": stored},
    )  # fmt: skip
    return list(visit.documents.order_by("-pk")[: len(stored)])


@transaction.atomic
def cancel_visit(*, visit_id: int, reason: str, actor: Any, now: datetime) -> Visit:
    """Cancel a scheduled visit with the reason.

    :raises InvalidVisit: when the visit is not scheduled or no reason is given.
    """
    visit = _lock(visit_id)
    _check_own(visit, actor)
    if not reason.strip():
        raise InvalidVisit(_("Say why the visit is cancelled."))
    _move(visit, VisitStatus.CANCELLED)
    visit.notes = reason.strip()
    visit.save(update_fields=["status", "notes"])
    record_event(
        actor=actor, action="recovery.cancel_visit", target=visit, now=now, portfolio_id=visit.case.portfolio_id,
        reason=reason.strip(),
    )  # fmt: skip
    return visit
