"""What a collector records on a case: the outcome of a contact, the delinquency reason, a revealed value.

Every note goes through the content linter and every outbound contact through the compliance
decision (`compliance.decisions`); a callback time is itself a contact, checked at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.casework import guards, work
from arrears.casework.models import Activity, Case, ContactResult, DelinquencyReason, WorkItem
from arrears.compliance import decisions
from arrears.compliance.models import ACTION_LABELS
from arrears.compliance.rules.vocabulary import Action, EventType, Outcome
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound
from arrears.portfolio import queries as portfolio_queries
from arrears.portfolio.choices import CHANNELS_BY_KIND, ContactKind
from arrears.portfolio.models import ContactPoint

# How a contact was made: the event it leaves in the history, the kind of contact point it needs
# (None: optional), and the work items it finishes.
CHANNELS: dict[str, tuple[EventType, str | None, tuple[str, ...]]] = {
    "call": (EventType.CALL_OUTBOUND, ContactKind.PHONE, ("call",)),
    "call_inbound": (EventType.CALL_INBOUND, None, ("call",)),
    "visit": (EventType.VISIT, ContactKind.ADDRESS, ("visit",)),
}
# The compliance outcome of a contact with each result (frequency caps count connected calls).
OUTCOMES: dict[str, Outcome] = {
    ContactResult.THIRD_PARTY: Outcome.THIRD_PARTY_ANSWERED,
    ContactResult.NO_ANSWER: Outcome.NO_ANSWER,
    ContactResult.BUSY: Outcome.NOT_CONNECTED_BUSY,
    ContactResult.WRONG_NUMBER: Outcome.THIRD_PARTY_ANSWERED,
    ContactResult.VOICEMAIL: Outcome.VOICEMAIL_NO_MESSAGE,
}
REVEALABLE = ("national_id",)


class InvalidActivity(DomainError):
    """An activity with an unknown result or channel, a wrong contact point, or a callback time missing or past."""


class CallbackNotAllowed(DomainError):
    """The rules would not allow contact at the requested callback time."""

    def __init__(self, check: decisions.ContactCheck) -> None:
        reasons = "; ".join(f"{reason.code}: {reason.explanation}" for reason in check.reasons)
        moment = check.next_allowed_at
        if moment is not None:
            message = _(
                "The callback time is not allowed (%(reasons)s). The next allowed moment is %(moment)s."
            ) % {"reasons": reasons, "moment": moment.strftime("%Y-%m-%d %H:%M %z")}
        else:
            message = _("The callback time is not allowed (%(reasons)s).") % {"reasons": reasons}
        super().__init__(message)
        self.check = check


class InvalidReveal(DomainError):
    """A reveal without a reason or of a field that cannot be revealed."""


@dataclass(frozen=True)
class ContactOption:
    """One way to reach the debtor now: the contact point as the user may see it, and the decision."""

    point: ContactPoint
    display_value: str
    action: Action
    check: decisions.ContactCheck

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])


def list_contact_options(
    *, user: Any, case: Case, now: datetime, points: list[ContactPoint]
) -> list[ContactOption]:
    """Return each contact point and channel with what compliance allows now (nothing kept).

    ``points`` are the case debtor's contact points as the debtor view read them (by kind, primary first).
    """
    pairs = [(point, Action(channel)) for point in points for channel in CHANNELS_BY_KIND[point.kind]]
    checks = decisions.preview_contacts(debtor=case.debtor, at=now, options=pairs)
    return [
        ContactOption(point, portfolio_queries.display_personal(user, point.kind, point.value), action, check)
        for (point, action), check in zip(pairs, checks, strict=True)
    ]


def _contact_point(case: Case, channel: str, contact_point_id: int | None) -> ContactPoint | None:
    needed = CHANNELS[channel][1]
    if contact_point_id is None:
        if needed is not None:
            raise InvalidActivity(
                _("Choose the contact point you used for this %(channel)s.") % {"channel": channel}
            )
        return None
    point = ContactPoint.objects.filter(pk=contact_point_id, debtor_id=case.debtor_id).first()
    if point is None:
        raise InvalidActivity(
            _("Contact point %(id)s is not one of this debtor's.") % {"id": contact_point_id}
        )
    if needed is not None and point.kind != needed:
        raise InvalidActivity(
            _("Contact point %(id)s is a %(kind)s; a %(channel)s needs a %(needed)s.")
            % {"id": point.pk, "kind": point.kind, "channel": channel, "needed": needed}
        )
    return point


def _check_callback(
    case: Case, callback_at: datetime | None, result: str, point: ContactPoint | None, now: datetime
) -> None:
    if callback_at is None:
        if result == ContactResult.CALLBACK:
            raise InvalidActivity(_("A callback request needs the time to call back (field callback_at)."))
        return
    if callback_at <= now:
        raise InvalidActivity(
            _("The callback time %(moment)s is not in the future.") % {"moment": callback_at.isoformat()}
        )
    check = decisions.check_contact(
        debtor=case.debtor, action=Action.CALL, at=callback_at, now=now, contact_point=point,
        debts=[case.debt], record=False,
    )  # fmt: skip
    if not check.is_allowed:
        raise CallbackNotAllowed(check)


def record_activity(
    *, case_id: int, result: str, actor: Any, now: datetime, expected_revision: int | None,
    request_key: str | None, note: str = "", channel: str = "call", contact_point_id: int | None = None,
    callback_at: datetime | None = None, occurred_at: datetime | None = None, reviewed: bool = False,
) -> Activity:  # fmt: skip
    """Record what a contact on the case came to, and finish the user's item for it in today's queue.

    The note is linted, an outbound contact is decided by compliance (a refusal is kept and nothing
    else is), a callback time is checked at that moment. A repeated ``request_key`` returns the
    activity the first submit recorded.

    :raises StaleCase: when the case changed after the page was drawn.
    :raises InvalidActivity: for an unknown result or channel, a contact point that is not the debtor's
        or not of the channel's kind, or a callback time that is missing or not in the future.
    :raises decisions.NoteBlocked: when the linter blocks the note (naming the rule).
    :raises CallbackNotAllowed: when the rules would refuse contact at the callback time.
    :raises decisions.ContactRefused: when compliance refuses the contact (the refusal is kept).
    :raises decisions.ContactNeedsReview: when it is flagged and ``reviewed`` is not confirmed.
    """
    refusal: DomainError | None = None
    with transaction.atomic():
        case = guards.lock_case(case_id=case_id, expected_revision=None)
        earlier = guards.already_done(Activity, request_key, case=case)
        if earlier is not None:
            return earlier
        if expected_revision is not None and case.revision != expected_revision:
            guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
        if result not in ContactResult.values:
            raise InvalidActivity(_("Unknown result %(result)s.") % {"result": result})
        if channel not in CHANNELS:
            raise InvalidActivity(_("Unknown channel %(channel)s.") % {"channel": channel})
        point = _contact_point(case, channel, contact_point_id)
        if note.strip():
            decisions.check_note(debtor=case.debtor, note=note, debts=[case.debt])
        _check_callback(case, callback_at, result, point, now)
        try:
            event = decisions.record_contact(
                debtor=case.debtor, type=CHANNELS[channel][0], occurred_at=occurred_at or now, now=now,
                actor=actor, outcome=OUTCOMES.get(result, Outcome.CONVERSATION), contact_point=point,
                debts=[case.debt], reviewed=reviewed,
            )  # fmt: skip
        except (decisions.ContactRefused, decisions.ContactNeedsReview) as exc:
            # Leave the block normally so the kept refusal commits; nothing else was written.
            refusal = exc
        else:
            return _write_activity(
                case, event.pk, result=result, note=note, callback_at=callback_at, channel=channel,
                request_key=request_key, actor=actor, now=now,
            )  # fmt: skip
    assert refusal is not None
    raise refusal


def _write_activity(
    case: Case, event_id: int, *, result: str, note: str, callback_at: datetime | None, channel: str,
    request_key: str | None, actor: Any, now: datetime,
) -> Activity:  # fmt: skip
    activity = Activity.objects.create(
        case=case, contact_event_id=event_id, result=result, note=note, callback_at=callback_at,
        request_key=request_key or None, created_by=actor if getattr(actor, "pk", None) else None, created_at=now,
    )  # fmt: skip
    closed = work.close_items_of_activity(case=case, actor=actor, kinds=CHANNELS[channel][2], now=now)
    callback_item = _plan_callback(case, activity, actor, now) if callback_at is not None else None
    guards.bump(case)
    record_event(
        actor=actor, action="casework.record_activity", target=activity, now=now, portfolio_id=case.portfolio_id,
        after={
            "case": case.pk, "result": result, "channel": channel, "contact_event": event_id,
            "callback_at": callback_at.isoformat() if callback_at else None, "closed_work_items": closed,
            "callback_work_item": callback_item,
        },
    )  # fmt: skip
    return activity


def _plan_callback(case: Case, activity: Activity, actor: Any, now: datetime) -> int | None:
    """Put the callback in the collector's queue on its local date."""
    assert activity.callback_at is not None
    day = activity.callback_at.astimezone(ZoneInfo(case.portfolio.time_zone)).date()
    item = WorkItem.objects.create(
        case=case, portfolio_id=case.portfolio_id, queue="callbacks", kind="call", rule="desk/callback", stage=case.stage,
        business_date=day, priority=_priority_of(case), assigned_to=actor if getattr(actor, "pk", None) else None,
        idempotency_key=f"callback:{activity.pk}", created_at=now,
    )  # fmt: skip
    return item.pk


def _priority_of(case: Case) -> Any:
    latest = (
        WorkItem.objects.filter(case=case)
        .order_by("-business_date", "-pk")
        .values_list("priority", flat=True)
    )
    return latest.first() or 0


@transaction.atomic
def set_delinquency_reason(
    *, case_id: int, reason: str, actor: Any, now: datetime, expected_revision: int | None,
    request_key: str | None = None,
) -> Case:  # fmt: skip
    """Record why the debtor fell behind (forgot, cash-flow trouble, dispute, wilful …).

    Setting the reason the case already has changes nothing (a double submit).

    :raises StaleCase: when the case changed after the page was drawn.
    :raises InvalidActivity: for a reason that is not one of DelinquencyReason.
    """
    case = guards.lock_case(case_id=case_id, expected_revision=None)
    if reason not in DelinquencyReason.values:
        raise InvalidActivity(_("Unknown delinquency reason %(reason)s.") % {"reason": reason})
    if case.delinquency_reason == reason:
        return case
    if expected_revision is not None and case.revision != expected_revision:
        guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    before = case.delinquency_reason
    Case.objects.filter(pk=case.pk).update(delinquency_reason=reason, updated_at=now)
    case.delinquency_reason, case.updated_at = reason, now
    guards.bump(case)
    record_event(
        actor=actor, action="casework.set_delinquency_reason", target=case, now=now, portfolio_id=case.portfolio_id,
        before={"delinquency_reason": before}, after={"delinquency_reason": reason},
    )  # fmt: skip
    return case


@transaction.atomic
def reveal_personal_data(*, case: Case, field: str, reason: str, actor: Any, now: datetime) -> str:
    """Return one personal value of the case's debtor in full, logging who saw it and why.

    ``field`` is ``national_id`` or ``contact_point:<id>``.

    :raises InvalidReveal: without a reason, or for a field that cannot be revealed.
    :raises NotFound: for a contact point of another debtor.
    """
    if not reason.strip():
        raise InvalidReveal(_("Say why you need to see this value in full."))
    if field in REVEALABLE:
        value = case.debtor.national_id
    elif field.startswith("contact_point:") and field.removeprefix("contact_point:").isdigit():
        point = case.debtor.contact_points.filter(pk=int(field.removeprefix("contact_point:"))).first()
        if point is None:
            raise NotFound(_("No such contact point for this debtor."))
        value = point.value
    else:
        raise InvalidReveal(_("%(field)s cannot be revealed.") % {"field": field})
    record_event(
        actor=actor, action="casework.reveal_personal_data", target=case.debtor, now=now,
        portfolio_id=case.portfolio_id, reason=reason.strip(), after={"case": case.pk, "field": field},
    )  # fmt: skip
    return value
