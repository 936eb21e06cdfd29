"""One timeline per case, newest first: contacts and activities, messages, payments, stage changes,
refusals with their rule, promises, arrangements, disputes and escalations.

`get_case_view` reads everything else the case page shows. Each entry is a plain dict ``{"kind", "at", "title", "detail", "rule"}``; the whole timeline takes
one query per kind, whatever the number of rows (at most ROWS_PER_KIND of each).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from arrears.casework import activities
from arrears.casework.models import (
    ActionOutcome,
    Activity,
    Arrangement,
    ArrangementStatus,
    Case,
    CaseAction,
    Dispute,
    Escalation,
    HardshipAssessment,
    Promise,
    PromiseStatus,
    StageEvent,
)
from arrears.comms.models import Message
from arrears.compliance import messages as compliance_messages
from arrears.compliance.models import ContactDecision, ContactEvent, Hold
from arrears.portfolio import queries as portfolio_queries
from arrears.portfolio.choices import Channel
from arrears.portfolio.models import ContactPoint, Payment

ROWS_PER_KIND = 100
Entry = dict[str, Any]


def _entry(kind: str, at: datetime, title: str, detail: str = "", rule: str = "") -> Entry:
    return {"kind": kind, "at": at, "title": title, "detail": detail, "rule": rule}


def _concerns(debt_ids: list[int], debt_id: int) -> bool:
    """An event without debts concerns every debt of the debtor."""
    return not debt_ids or debt_id in debt_ids


def _explained(codes: list[str]) -> str:
    return "; ".join(f"{code}: {compliance_messages.explain(code)}" for code in codes)


def build_timeline(*, case: Case, contact_points: list[ContactPoint] | None = None) -> list[Entry]:
    """Return everything that happened on the case, newest first (a fixed number of queries).

    ``contact_points`` are the debtor's contact points when the caller has read them.
    """
    entries = (
        _contacts(case)
        + _activities(case)
        + _messages(case)
        + _payments(case)
        + _stage_changes(case)
        + _refusals(case)
        + _promises(case)
        + _arrangements(case)
        + _disputes(case)
        + _escalations(case)
        + _hardship(case)
        + _opt_outs(case, contact_points)
    )
    return sorted(entries, key=lambda entry: entry["at"], reverse=True)


def _contacts(case: Case) -> list[Entry]:
    events = ContactEvent.objects.filter(debtor_id=case.debtor_id).order_by("-occurred_at", "-pk")
    return [
        _entry(
            "contact",
            event.occurred_at,
            event.get_type_display() + (f" — {event.get_outcome_display()}" if event.outcome else ""),
            event.note,
        )
        for event in events[:ROWS_PER_KIND]
        if _concerns(event.debt_ids, case.debt_id)
    ]


def _activities(case: Case) -> list[Entry]:
    rows = Activity.objects.filter(case=case).select_related("created_by").order_by("-created_at", "-pk")
    entries = []
    for activity in rows[:ROWS_PER_KIND]:
        detail = activity.note
        if activity.callback_at:
            detail = f"{detail} · " if detail else ""
            detail += _("call back at %(moment)s") % {
                "moment": activity.callback_at.isoformat(timespec="minutes")
            }
        by = activity.created_by.get_username() if activity.created_by else ""
        title = _("Activity: %(result)s") % {"result": activity.get_result_display()}
        entries.append(_entry("activity", activity.created_at, f"{title} ({by})" if by else title, detail))
    return entries


def _messages(case: Case) -> list[Entry]:
    rows = Message.objects.filter(debtor_id=case.debtor_id, debt_id=case.debt_id).order_by(
        "-created_at", "-pk"
    )
    return [
        _entry(
            "message",
            message.sent_at or message.created_at,
            f"{message.get_channel_display()} — {message.get_purpose_display()}",
            _("Status: %(status)s") % {"status": message.get_status_display()},
        )
        for message in rows.only("pk", "channel", "purpose", "status", "sent_at", "created_at")[
            :ROWS_PER_KIND
        ]
    ]


def _payments(case: Case) -> list[Entry]:
    rows = Payment.objects.filter(debt_id=case.debt_id).order_by("-posted_at", "-pk")[:ROWS_PER_KIND]
    entries = []
    for payment in rows:
        title = _("Payment %(ref)s: %(amount)s %(currency)s") % {
            "ref": payment.external_ref, "amount": payment.amount, "currency": payment.currency,
        }  # fmt: skip
        detail = _("received on %(date)s") % {"date": payment.received_date.isoformat()}
        if payment.reversed_at:
            detail += " · " + _("reversed: %(reason)s") % {"reason": payment.reversal_reason}
        entries.append(_entry("payment", payment.posted_at, title, detail))
    return entries


def _stage_changes(case: Case) -> list[Entry]:
    rows = StageEvent.objects.filter(case=case).order_by("-business_date", "-pk")[:ROWS_PER_KIND]
    return [
        _entry(
            "stage",
            event.created_at,
            _("Stage %(before)s → %(after)s on %(date)s")
            % {
                "before": event.stage_from or "—",
                "after": event.stage_to or "—",
                "date": event.business_date.isoformat(),
            },
            event.condition,
            event.rule,
        )
        for event in rows
    ]


def _refusals(case: Case) -> list[Entry]:
    decisions = ContactDecision.objects.filter(debtor_id=case.debtor_id).order_by("-created_at", "-pk")
    entries = [
        _entry(
            "refusal",
            row.created_at,
            _("%(decision)s: %(action)s")
            % {"decision": row.get_decision_display(), "action": row.get_action_display()},
            _explained(row.reasons),
            ", ".join(row.reasons),
        )
        for row in decisions[:ROWS_PER_KIND]
        if _concerns(row.debt_ids, case.debt_id)
    ]
    actions = CaseAction.objects.filter(case=case, outcome=ActionOutcome.REFUSED).order_by(
        "-business_date", "-pk"
    )
    entries += [
        _entry(
            "refusal",
            action.created_at,
            _("Planned %(channel)s refused on %(date)s")
            % {"channel": action.channel, "date": action.business_date.isoformat()},
            _explained([str(code) for code in action.reasons]),
            " · ".join([action.rule, *[str(code) for code in action.reasons]]),
        )
        for action in actions[:ROWS_PER_KIND]
    ]
    return entries


def _promises(case: Case) -> list[Entry]:
    rows = Promise.objects.filter(case=case).order_by("-created_at", "-pk")[:ROWS_PER_KIND]
    return [
        _entry(
            "promise",
            promise.created_at,
            _("Promise of %(amount)s %(currency)s by %(date)s")
            % {
                "amount": promise.amount,
                "currency": promise.currency,
                "date": promise.due_date.isoformat(),
            },
            promise.get_status_display(),
        )
        for promise in rows
    ]


def _arrangements(case: Case) -> list[Entry]:
    rows = Arrangement.objects.filter(case=case).order_by("-proposed_at", "-pk")[:ROWS_PER_KIND]
    return [
        _entry(
            "arrangement",
            arrangement.decided_at or arrangement.proposed_at,
            f"{arrangement.get_kind_display()}: {arrangement.total_payment} {arrangement.currency}",
            arrangement.get_status_display()
            + (f" — {arrangement.decision_comment}" if arrangement.decision_comment else ""),
        )
        for arrangement in rows
    ]


def _disputes(case: Case) -> list[Entry]:
    rows = Dispute.objects.filter(case=case).order_by("-opened_at", "-pk")[:ROWS_PER_KIND]
    return [
        _entry(
            "dispute",
            dispute.resolved_at or dispute.opened_at,
            _("Dispute: %(reason)s") % {"reason": dispute.get_reason_display()},
            f"{dispute.get_status_display()} — {dispute.outcome_note or dispute.description}",
        )
        for dispute in rows
    ]


def _escalations(case: Case) -> list[Entry]:
    rows = Escalation.objects.filter(case=case).select_related("to_user").order_by("-created_at", "-pk")
    return [
        _entry(
            "escalation",
            escalation.created_at,
            _("Escalated to %(whom)s")
            % {"whom": escalation.to_user.get_username() if escalation.to_user else _("the decision-maker")},
            escalation.reason,
        )
        for escalation in rows[:ROWS_PER_KIND]
    ]


def _hardship(case: Case) -> list[Entry]:
    rows = (
        HardshipAssessment.objects.filter(case=case)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )
    return [
        _entry(
            "hardship",
            assessment.created_at,
            _("Hardship: %(cause)s (%(by)s)")
            % {
                "cause": assessment.get_cause_display(),
                "by": assessment.created_by.get_username() if assessment.created_by else _("the system"),
            },
            assessment.notes,
        )
        for assessment in rows[:ROWS_PER_KIND]
    ]


def _opt_outs(case: Case, points: list[ContactPoint] | None) -> list[Entry]:
    """Channels the debtor stopped, from when (a withdrawn opt-out is in the audit log)."""
    if points is None:
        points = list(
            ContactPoint.objects.filter(debtor_id=case.debtor_id)
            .only("pk", "kind", "opt_outs")
            .order_by("pk")[:ROWS_PER_KIND]
        )
    return [
        _entry(
            "opt_out",
            datetime.fromisoformat(since),
            _("Opted out of %(channel)s")
            % {"channel": Channel(channel).label if channel in Channel.values else channel},
        )
        for point in points[:ROWS_PER_KIND]
        for channel, since in point.opt_outs.items()
        if isinstance(since, str)
    ]


@dataclass(frozen=True)
class CaseView:
    """Everything the case page shows, personal data masked unless the user may see it."""

    case: Case
    debtor: portfolio_queries.DebtorView
    debts: list[portfolio_queries.DebtRow]
    open_promises: list[Promise]
    arrangements: list[Arrangement]
    holds: list[Hold]
    timeline: list[Entry]
    contact_options: list[activities.ContactOption]
    may_reveal: bool


def get_case_view(*, user: Any, case: Case, today: date, now: datetime) -> CaseView:
    """Return the case page's contents for a case read through ``queries.get_case``; a fixed number of queries."""
    debtor = portfolio_queries.debtor_view_of(user=user, debtor=case.debtor, as_of=today)
    points = [item.point for item in debtor.contact_points]
    holds = Hold.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now), Q(debt__isnull=True) | Q(debt_id=case.debt_id),
        debtor_id=case.debtor_id, starts_at__lte=now,
    )  # fmt: skip
    return CaseView(
        case=case,
        debtor=debtor,
        debts=[row for row in debtor.debts if row.debt.pk == case.debt_id],
        open_promises=list(case.promises.filter(status=PromiseStatus.OPEN).order_by("due_date", "pk")),
        arrangements=list(
            case.arrangements.filter(
                status__in=[ArrangementStatus.PENDING_APPROVAL, ArrangementStatus.ACTIVE]
            ).order_by("-proposed_at", "-pk")
        ),
        holds=list(holds.order_by("-starts_at", "-pk")),
        timeline=build_timeline(case=case, contact_points=points),
        contact_options=activities.list_contact_options(user=user, case=case, now=now, points=points),
        may_reveal=not portfolio_queries.can_see_personal_data(user),
    )
