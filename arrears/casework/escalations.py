"""Escalations (seed 中期 2): raise a case to a supervisor and, for a company, to its decision-maker.

An escalation to a supervisor notifies them in the app and puts a task in their ``escalations``
queue; closing the escalation closes the task. For a company debtor the collector names the person
who decides on payment — one of its contact persons, or a new one recorded with the role
``decision_maker`` — so the next contacts go to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from arrears.casework import guards, notifications
from arrears.casework.models import Case, Escalation, WorkItem, WorkItemStatus
from arrears.compliance import decisions
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.models import User
from arrears.people.roles import Capability, Role
from arrears.people.scoping import granted_portfolio_ids, scope_to_user
from arrears.portfolio.choices import ContactRole, DebtorKind
from arrears.portfolio.models import ContactPerson, Debtor

ESCALATION_QUEUE = "escalations"
SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})


class InvalidEscalation(DomainError):
    """An escalation without a reason or anyone to escalate to, or to someone who may not take it."""


@dataclass(frozen=True)
class NewDecisionMaker:
    """A company's decision-maker not yet on file."""

    name: str
    title: str = ""
    notes: str = ""


def supervisor_for(*, case: Case, actor: Any) -> User | None:
    """Return the supervisor of the team of the case's collector (else of the actor), if there is one."""
    for user in (case.assigned_to, actor):
        team = getattr(user, "team", None)
        if team is not None and team.supervisor is not None and team.supervisor.is_active:
            return team.supervisor
    return None


def _may_take(user: User, case: Case) -> bool:
    granted = granted_portfolio_ids(user)
    in_portfolio = granted is None or case.portfolio_id in granted
    return user.is_active and in_portfolio and (user.is_superuser or user.role in SUPERVISOR_ROLES)


def _target(case: Case, to_user: User | None, to_supervisor: bool, actor: Any) -> User | None:
    if not to_supervisor:
        return None
    target = to_user or supervisor_for(case=case, actor=actor)
    if target is None:
        raise InvalidEscalation(_("Your team has no supervisor on file; choose whom to escalate to."))
    if getattr(actor, "pk", None) == target.pk:
        raise InvalidEscalation(_("You cannot escalate a case to yourself."))
    if not _may_take(target, case):
        raise InvalidEscalation(
            _("%(user)s is not a supervisor of this case's portfolio.") % {"user": target.get_username()}
        )
    return target


def _decision_maker(
    debtor: Debtor, chosen: ContactPerson | None, new: NewDecisionMaker | None, actor: Any, now: datetime
) -> ContactPerson | None:
    if chosen is None and new is None:
        return None
    if debtor.kind != DebtorKind.COMPANY:
        raise InvalidEscalation(_("Only a company has a decision-maker to escalate to."))
    if chosen is not None and new is not None:
        raise InvalidEscalation(_("Choose a decision-maker on file or add a new one, not both."))
    if new is not None:
        return _add_decision_maker(debtor, new, actor, now)
    if chosen is not None and chosen.debtor_id != debtor.pk:
        raise InvalidEscalation(_("That contact person belongs to another debtor."))
    return chosen


def _add_decision_maker(debtor: Debtor, new: NewDecisionMaker, actor: Any, now: datetime) -> ContactPerson:
    """Record a company's decision-maker (no portfolio action adds contact persons; this one is audited)."""
    if not new.name.strip():
        raise InvalidEscalation(_("Give the decision-maker's name."))
    person = ContactPerson.objects.create(
        debtor=debtor, name=new.name.strip()[:200], role=ContactRole.DECISION_MAKER, title=new.title.strip()[:100],
        notes=new.notes.strip(),
    )  # fmt: skip
    record_event(
        actor=actor, action="portfolio.add_contact_person", target=person, now=now, portfolio_id=debtor.portfolio_id,
        after={"debtor": debtor.external_ref, "role": person.role, "title": person.title},
    )  # fmt: skip
    return person


@transaction.atomic
def escalate(
    *, case: Case, reason: str, actor: Any, now: datetime, expected_revision: int | None,
    request_key: str | None, to_user: User | None = None, to_supervisor: bool = True,
    decision_maker: ContactPerson | None = None, new_decision_maker: NewDecisionMaker | None = None,
) -> Escalation:  # fmt: skip
    """Escalate the case to a supervisor (``to_user``, by default the collector's team supervisor) and/or,
    for a company, to its decision-maker (one on file, or ``new_decision_maker`` recorded now).

    The supervisor is notified and gets a task in the ``escalations`` queue. A repeated
    ``request_key`` returns the escalation the first submit recorded.

    :raises StaleCase: when ``expected_revision`` is older than the case's.
    :raises InvalidEscalation: without a reason or anyone to escalate to, to a user who is not a
        supervisor of the portfolio, or to a decision-maker of a person or of another debtor.
    :raises decisions.NoteBlocked: when the reason has wording the content linter blocks.
    """
    case = guards.lock_case(case_id=case.pk, expected_revision=None)
    earlier = guards.already_done(Escalation, request_key, case=case)
    if earlier is not None:
        return earlier
    case = guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    if not reason.strip():
        raise InvalidEscalation(_("Say why the case is escalated."))
    decisions.check_note(debtor=case.debtor, note=reason, debts=[case.debt])
    if not to_supervisor and decision_maker is None and new_decision_maker is None:
        raise InvalidEscalation(_("Escalate to a supervisor, a decision-maker, or both."))
    target = _target(case, to_user, to_supervisor, actor)
    person = _decision_maker(case.debtor, decision_maker, new_decision_maker, actor, now)
    escalation = Escalation.objects.create(
        case=case, to_user=target, decision_maker_id=person.pk if person else None, reason=reason.strip(),
        request_key=request_key or None, created_by=actor if getattr(actor, "pk", None) else None, created_at=now,
    )  # fmt: skip
    if target is not None:
        _notify(escalation, case, target, actor, now)
    guards.bump(case)
    record_event(
        actor=actor, action="casework.escalate", target=escalation, now=now, portfolio_id=case.portfolio_id,
        reason=escalation.reason,
        after={"debt": case.debt.external_ref, "to_user": target.get_username() if target else None,
               "decision_maker": person.pk if person else None},
    )  # fmt: skip
    return escalation


def _notify(escalation: Escalation, case: Case, target: User, actor: Any, now: datetime) -> None:
    by = actor.get_username() if getattr(actor, "pk", None) else _("the system")
    text = _("Case %(debt)s escalated to you by %(user)s: %(reason)s") % {
        "debt": case.debt.external_ref, "user": by, "reason": escalation.reason,
    }  # fmt: skip
    notifications.notify([target], text, case=case, now=now)
    WorkItem.objects.create(
        case=case, portfolio=case.portfolio, queue=ESCALATION_QUEUE, kind="task", stage=case.stage,
        business_date=now.astimezone(ZoneInfo(case.portfolio.time_zone)).date(), assigned_to=target,
        idempotency_key=review_key(escalation), created_at=now,
    )  # fmt: skip


def review_key(escalation: Escalation) -> str:
    """Return the idempotency key of the supervisor's work item for the escalation."""
    return f"escalation:{escalation.pk}:review"


@transaction.atomic
def close_escalation(
    *, escalation: Escalation, note: str = "", actor: Any, now: datetime, expected_revision: int | None,
    request_key: str | None = None,
) -> Escalation:  # fmt: skip
    """Close an open escalation and its supervisor task; closing a closed one changes nothing.

    :raises PermissionDenied: when the actor is neither the supervisor it went to, the one who
        raised it, nor a supervisor.
    :raises StaleCase: when ``expected_revision`` is older than the case's.
    :raises decisions.NoteBlocked: when the note has wording the content linter blocks.
    """
    if not may_close(user=actor, escalation=escalation):
        raise PermissionDenied(
            _("Only the supervisor it went to, or who raised it, may close an escalation.")
        )
    case = guards.lock_case(case_id=escalation.case_id, expected_revision=None)
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_open:
        return escalation
    case = guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    if note.strip():
        decisions.check_note(debtor=case.debtor, note=note, debts=[case.debt])
    escalation.is_open, escalation.closed_at = False, now
    escalation.save(update_fields=["is_open", "closed_at"])
    WorkItem.objects.filter(idempotency_key=review_key(escalation), status=WorkItemStatus.OPEN).update(
        status=WorkItemStatus.DONE, closed_at=now
    )
    guards.bump(case)
    record_event(
        actor=actor, action="casework.close_escalation", target=escalation, now=now,
        portfolio_id=case.portfolio_id, reason=note.strip(), before={"open": True}, after={"open": False},
    )  # fmt: skip
    return escalation


def may_close(*, user: Any, escalation: Escalation) -> bool:
    """Return whether the user may close the escalation (the system may)."""
    if user is None:
        return True
    involved = user.pk in (escalation.to_user_id, escalation.created_by_id)
    return bool(involved or user.can(Capability.VERIFY_DEBTS))


@dataclass(frozen=True)
class EscalationRow:
    """An escalation with the decision-maker it named, if any."""

    escalation: Escalation
    decision_maker: ContactPerson | None


def list_escalations(*, case: Case) -> list[EscalationRow]:
    """Return the case's escalations, open ones first, newest first (the caller checked the user)."""
    found = list(
        Escalation.objects.filter(case=case)
        .select_related("to_user", "created_by")
        .order_by("-is_open", "-created_at", "-pk")
    )
    named = {row.decision_maker_id for row in found if row.decision_maker_id is not None}
    persons = ContactPerson.objects.filter(debtor_id=case.debtor_id, pk__in=named).in_bulk() if named else {}
    return [EscalationRow(row, persons.get(row.decision_maker_id or 0)) for row in found]


def list_decision_makers(*, case: Case) -> list[ContactPerson]:
    """Return the contact persons of a company debtor (none for a person), by name."""
    if case.debtor.kind != DebtorKind.COMPANY:
        return []
    return list(ContactPerson.objects.filter(debtor=case.debtor).order_by("name", "pk"))


def list_supervisors(*, case: Case) -> list[User]:
    """Return the active supervisors who may take an escalation of the case, by user name."""
    candidates = User.objects.filter(
        Q(role=Role.SUPERVISOR, portfolios=case.portfolio_id)
        | Q(role=Role.ADMINISTRATOR)
        | Q(is_superuser=True),
        is_active=True,
    )
    return list(candidates.distinct().order_by("username"))


def get_escalation(*, user: Any, escalation_id: int) -> Escalation:
    """Return an escalation in one of the user's portfolios.

    :raises NotFound: when there is none, or it is in a portfolio the user may not see.
    """
    found = scope_to_user(Escalation.objects.select_related("case"), user, portfolio_field="case__portfolio")
    try:
        return found.get(pk=escalation_id)
    except Escalation.DoesNotExist:
        raise NotFound(_("No such escalation.")) from None
