"""The one contact decision for real debtors, and the contact history it counts.

Every path that contacts anyone calls `check_contact` first; `record_contact` writes what
happened, refusing outbound contacts the decision does not allow. Refusals and flags are kept
(`ContactDecision`) with one audit event, so the case shows why a contact was blocked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from arrears.compliance import history, messages, policies
from arrears.compliance.linter import ALL_PACKS, LintContext, LintResult, Severity, lint
from arrears.compliance.models import DECISION_LABELS, ContactDecision, ContactEvent
from arrears.compliance.rules import reasons
from arrears.compliance.rules.decide import Verdict, decide
from arrears.compliance.rules.facts import Proposal
from arrears.compliance.rules.vocabulary import Action, Decision, EventType, Outcome, Purpose
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio.models import ContactPerson, ContactPoint, Debt, Debtor

# The contact an outbound event is, for the decision that must allow it first.
ACTION_OF_EVENT = {
    EventType.CALL_OUTBOUND: Action.CALL,
    EventType.SMS: Action.SMS,
    EventType.EMAIL: Action.EMAIL,
    EventType.APP: Action.APP,
    EventType.LETTER: Action.LETTER,
    EventType.VISIT: Action.VISIT,
}


@dataclass(frozen=True)
class ReasonShown:
    code: str
    explanation: str
    rules: tuple[str, ...]
    source: str
    decision: Decision


@dataclass(frozen=True)
class ContactCheck:
    """A decision on one proposed contact, ready to show: reasons explained, the next moment local."""

    verdict: Verdict
    proposal: Proposal
    policy: str

    @property
    def decision(self) -> Decision:
        return self.verdict.decision

    @property
    def decision_label(self) -> str:
        return str(DECISION_LABELS[self.verdict.decision])

    @property
    def is_allowed(self) -> bool:
        return self.verdict.decision is Decision.ALLOW

    @property
    def reasons(self) -> list[ReasonShown]:
        shown: list[ReasonShown] = []
        for finding in sorted(self.verdict.findings, key=lambda finding: -finding.decision.severity):
            if any(reason.code == finding.code for reason in shown):
                continue
            known = reasons.get_reason(finding.code)
            shown.append(
                ReasonShown(
                    finding.code,
                    messages.explain(finding.code),
                    known.rules if known else (),
                    known.source if known else finding.pack,
                    finding.decision,
                )
            )
        return shown

    @property
    def next_allowed_at(self) -> datetime | None:
        moment = self.verdict.next_allowed_at
        return None if moment is None else moment.astimezone(ZoneInfo(self.verdict.zone))


class ContactRefused(DomainError):
    """The compliance decision refused this contact; the refusal is recorded."""

    def __init__(self, check: ContactCheck) -> None:
        codes = ", ".join(reason.code for reason in check.reasons)
        super().__init__(_("Contact refused (%(codes)s).") % {"codes": codes})
        self.check = check


class ContactNeedsReview(DomainError):
    """The decision flagged this contact for review; it goes ahead only when someone confirms."""

    def __init__(self, check: ContactCheck) -> None:
        codes = ", ".join(reason.code for reason in check.reasons)
        super().__init__(
            _("This contact needs review (%(codes)s); confirm that it was reviewed.") % {"codes": codes}
        )
        self.check = check


class NoteBlocked(DomainError):
    """A note the content linter blocks (a threat, an insult, a false claim …); nothing is saved."""

    def __init__(self, result: LintResult) -> None:
        language = "zh" if (get_language() or "en").startswith("zh") else "en"
        hits = "; ".join(
            f"{hit.rule_id} «{hit.matched}» {hit.title[language]}"
            for hit in result.hits
            if hit.severity is Severity.BLOCK
        )
        super().__init__(_("The note cannot be saved: %(hits)s") % {"hits": hits})
        self.result = result


def check_note(*, debtor: Debtor, note: str, debts: list[Debt]) -> LintResult:
    """Lint a collector's note under the portfolio's packs.

    Mentioning legal action is allowed only where a debt concerned is verified (it may go to
    legal referral); threats, insults and false claims are blocked everywhere.

    :raises NoteBlocked: when the note has a BLOCK hit.
    """
    packs = (
        tuple(pack for pack in policies.get_pack_names(debtor.portfolio) if pack in ALL_PACKS) or ALL_PACKS
    )
    concerned = debts or list(debtor.debts.all())
    context = LintContext(legal_action_allowed=any(debt.verified_at is not None for debt in concerned))
    result = lint(note, language=None, packs=packs, context=context)
    if result.is_blocked:
        raise NoteBlocked(result)
    return result


class ContactNotOfDebtor(DomainError):
    """A contact point, person or debt that belongs to another debtor."""


def _ensure_belongs(
    debtor: Debtor,
    contact_point: ContactPoint | None,
    contact_person: ContactPerson | None,
    debts: Iterable[Debt],
) -> None:
    if contact_point is not None and contact_point.debtor_id != debtor.pk:
        raise ContactNotOfDebtor(_("That contact point belongs to another debtor."))
    if contact_person is not None and contact_person.debtor_id != debtor.pk:
        raise ContactNotOfDebtor(_("That contact person belongs to another debtor."))
    if any(debt.debtor_id != debtor.pk for debt in debts):
        raise ContactNotOfDebtor(_("That debt belongs to another debtor."))


def _proposal(
    *, debtor: Debtor, action: Action, at: datetime, collector: str, contact_point: ContactPoint | None,
    contact_person: ContactPerson | None, debts: list[Debt], purpose: Purpose | None,
) -> tuple[Proposal, int | None]:  # fmt: skip
    _ensure_belongs(debtor, contact_point, contact_person, debts)
    if contact_point is not None and contact_point.contact_person_id is not None:
        person_id: int | None = contact_point.contact_person_id
    else:
        person_id = contact_person.pk if contact_person is not None else None
    proposal = Proposal(
        at=at,
        action=action,
        person=history.person_key(person_id),
        debts=frozenset(str(debt.pk) for debt in debts),
        by=collector,
        contact=history.contact_key(contact_point.pk if contact_point else None),
        purpose=purpose,
    )
    return proposal, person_id


@dataclass(frozen=True)
class ContactRequest:
    """One contact to decide: to whom (a contact point, else a contact person, else the debtor), how, when."""

    debtor: Debtor
    action: Action
    at: datetime
    contact_point: ContactPoint | None = None
    contact_person: ContactPerson | None = None
    debts: tuple[Debt, ...] = ()
    purpose: Purpose | None = None


def _decide_all(
    requests: list[ContactRequest], *, facts_from: datetime
) -> list[tuple[ContactCheck, int | None]]:
    """Decide every request against its debtor's facts, read with one query per table.

    :raises ContactNotOfDebtor: when a contact point, person or debt is another debtor's.
    """
    portfolios = {request.debtor.portfolio_id: request.debtor.portfolio for request in requests}
    chosen = {pk: policies.get_policy_and_collector(portfolio) for pk, portfolio in portfolios.items()}
    rules = {pk: policy for pk, (policy, _collector) in chosen.items()}
    collectors = {pk: collector for pk, (_policy, collector) in chosen.items()}
    cases = history.load_cases(
        debtor_ids=[request.debtor.pk for request in requests],
        collectors={request.debtor.pk: collectors[request.debtor.portfolio_id] for request in requests},
        now=facts_from,
    )
    decided = []
    for request in requests:
        proposal, person_id = _proposal(
            debtor=request.debtor, action=request.action, at=request.at,
            collector=collectors[request.debtor.portfolio_id], contact_point=request.contact_point,
            contact_person=request.contact_person, debts=list(request.debts), purpose=request.purpose,
        )  # fmt: skip
        policy = rules[request.debtor.portfolio_id]
        decided.append(
            (
                ContactCheck(decide(cases[request.debtor.pk], proposal, policy), proposal, policy.label),
                person_id,
            )
        )
    return decided


def check_contact(
    *,
    debtor: Debtor,
    action: Action,
    at: datetime,
    now: datetime,
    contact_point: ContactPoint | None = None,
    contact_person: ContactPerson | None = None,
    debts: Iterable[Debt] = (),
    purpose: Purpose | None = None,
    source: str = "desk",
    actor: Any = None,
    record: bool = True,
) -> ContactCheck:
    """Decide whether this contact is allowed at `at`; keep the decision when it refuses or flags.

    `record=False` is for showing what would happen (a page drawing its buttons); an attempt
    records. The person is the contact point's, else `contact_person`, else the debtor.

    :raises ContactNotOfDebtor: when a contact point, person or debt is another debtor's.
    """
    request = ContactRequest(debtor, action, at, contact_point, contact_person, tuple(debts), purpose)
    [(check, person_id)] = _decide_all([request], facts_from=min(at, now))
    if record and not check.is_allowed:
        _record_decision(debtor, check, person_id, contact_point, source=source, actor=actor, now=now)
    return check


def preview_contacts(
    *, debtor: Debtor, at: datetime, options: list[tuple[ContactPoint, Action]]
) -> list[ContactCheck]:
    """Decide several possible contacts at one moment without keeping anything (for drawing a page)."""
    requests = [ContactRequest(debtor, action, at, contact_point=point) for point, action in options]
    return [check for check, _person_id in _decide_all(requests, facts_from=at)]


def check_contacts(
    requests: list[ContactRequest], *, now: datetime, source: str, actor: Any = None
) -> list[ContactCheck]:
    """Decide many contacts with one read per table; keep the refusals with one audit event.

    The same decisions as `check_contact`, for a batch: the outbox checks every due message again
    at send time this way.
    """
    decided = _decide_all(requests, facts_from=now)
    refusals = [
        _decision_row(request.debtor, check, person_id, request.contact_point, source, actor, now)
        for request, (check, person_id) in zip(requests, decided, strict=True)
        if not check.is_allowed
    ]
    if refusals:
        _record_decisions(refusals, actor=actor, now=now)
    return [check for check, _person_id in decided]


@transaction.atomic
@dataclass(frozen=True)
class PlannedRefusal:
    """A contact the daily cycle planned and the vectorized decision refused or flagged."""

    debtor_id: int
    contact_point_id: int | None
    action: str
    debt_ids: tuple[int, ...]
    proposed_at: datetime
    decision: str
    reasons: tuple[str, ...]


def record_planned_refusals(refusals: Sequence[PlannedRefusal], *, policy: str, now: datetime) -> None:
    """Keep the cycle's refusals beside the desk's and the outbox's, with one audit event for all."""
    if not refusals:
        return
    _record_decisions(
        [
            ContactDecision(
                debtor_id=item.debtor_id, contact_point_id=item.contact_point_id, action=item.action,
                debt_ids=list(item.debt_ids), proposed_at=item.proposed_at, decision=item.decision,
                reasons=list(item.reasons), policy=policy[:200], source="cycle", created_at=now,
            )
            for item in refusals
        ],
        actor=None, now=now,
    )  # fmt: skip


def _record_decisions(rows: list[ContactDecision], *, actor: Any, now: datetime) -> None:
    ContactDecision.objects.bulk_create(rows, batch_size=2_000)
    reasons: dict[str, int] = {}
    for row in rows:
        for code in row.reasons:
            reasons[code] = reasons.get(code, 0) + 1
    record_event(
        actor=actor, action="compliance.refuse_contacts", target=("contact_decisions", len(rows)), now=now,
        reason=", ".join(sorted(reasons)), after={"count": len(rows), "reasons": reasons},
    )  # fmt: skip


def _decision_row(
    debtor: Debtor, check: ContactCheck, person_id: int | None, contact_point: ContactPoint | None, source: str,
    actor: Any, now: datetime,
) -> ContactDecision:  # fmt: skip
    return ContactDecision(
        debtor=debtor,
        contact_person_id=person_id,
        contact_point=contact_point,
        action=check.proposal.action.value,
        debt_ids=sorted(int(debt_id) for debt_id in check.proposal.debts),
        proposed_at=check.proposal.at,
        decision=check.decision.value,
        reasons=list(check.verdict.reasons),
        next_allowed_at=check.verdict.next_allowed_at,
        policy=check.policy,
        source=source,
        decided_for=actor if getattr(actor, "pk", None) is not None else None,
        created_at=now,
    )


@transaction.atomic
def _record_decision(
    debtor: Debtor, check: ContactCheck, person_id: int | None, contact_point: ContactPoint | None, *,
    source: str, actor: Any, now: datetime,
) -> ContactDecision:  # fmt: skip
    row = _decision_row(debtor, check, person_id, contact_point, source, actor, now)
    row.save()
    record_event(
        actor=actor, action="compliance.refuse_contact" if check.decision is Decision.DENY else "compliance.flag_contact",
        target=row, now=now, portfolio_id=debtor.portfolio_id, reason=", ".join(check.verdict.reasons),
        after={"debtor": debtor.external_ref, "action": row.action, "decision": row.decision, "reasons": row.reasons},
    )  # fmt: skip
    return row


def record_contact(
    *,
    debtor: Debtor,
    type: EventType,
    occurred_at: datetime,
    now: datetime,
    actor: Any,
    outcome: Outcome | None = None,
    contact_point: ContactPoint | None = None,
    contact_person: ContactPerson | None = None,
    debts: Iterable[Debt] = (),
    note: str = "",
    with_consent: bool = False,
    reviewed: bool = False,
) -> ContactEvent:
    """Record a contact or attempt; an outbound one must first pass the compliance decision.

    :raises NoteBlocked: when the content linter blocks the note (checked first; nothing is kept).
    :raises ContactRefused: when the decision refuses it (the refusal is recorded, nothing else).
    :raises ContactNeedsReview: when it is flagged and `reviewed` is not confirmed.
    :raises ContactNotOfDebtor: when a contact point, person or debt is another debtor's.
    """
    debts = list(debts)
    if note.strip():
        check_note(debtor=debtor, note=note, debts=debts)
    action = ACTION_OF_EVENT.get(type)
    if action is not None:
        check = check_contact(
            debtor=debtor, action=action, at=occurred_at, now=now, contact_point=contact_point,
            contact_person=contact_person, debts=debts, actor=actor,
        )  # fmt: skip
        if check.decision is Decision.DENY:
            raise ContactRefused(check)
        if check.decision is Decision.REVIEW and not reviewed:
            raise ContactNeedsReview(check)
    else:
        _ensure_belongs(debtor, contact_point, contact_person, debts)
    return _write_contact(
        debtor=debtor, type=type, occurred_at=occurred_at, now=now, actor=actor, outcome=outcome,
        contact_point=contact_point, contact_person=contact_person, debts=debts, note=note, with_consent=with_consent,
    )  # fmt: skip


@transaction.atomic
def _write_contact(
    *, debtor: Debtor, type: EventType, occurred_at: datetime, now: datetime, actor: Any, outcome: Outcome | None,
    contact_point: ContactPoint | None, contact_person: ContactPerson | None, debts: list[Debt], note: str,
    with_consent: bool,
) -> ContactEvent:  # fmt: skip
    if contact_point is not None and contact_point.contact_person_id is not None:
        contact_person_id: int | None = contact_point.contact_person_id
    else:
        contact_person_id = contact_person.pk if contact_person is not None else None
    event = ContactEvent.objects.create(
        debtor=debtor,
        contact_person_id=contact_person_id,
        contact_point=contact_point,
        type=type.value,
        outcome=outcome.value if outcome else "",
        debt_ids=sorted(debt.pk for debt in debts),
        occurred_at=occurred_at,
        by_entity=policies.get_collector_entity(debtor.portfolio),
        with_consent=with_consent,
        recorded_by=actor if getattr(actor, "pk", None) is not None else None,
        note=note,
        created_at=now,
    )
    record_event(
        actor=actor, action="compliance.record_contact", target=event, now=now, portfolio_id=debtor.portfolio_id,
        after={"debtor": debtor.external_ref, "type": event.type, "outcome": event.outcome, "at": occurred_at.isoformat()},
    )  # fmt: skip
    return event


def sent_message_event(
    *,
    debtor: Debtor,
    contact_point: ContactPoint | None,
    type: EventType,
    debts: list[int],
    at: datetime,
    by: str,
) -> ContactEvent:
    """Return (unsaved) the contact-history row of a message the outbox sent."""
    contact_person_id = contact_point.contact_person_id if contact_point is not None else None
    return ContactEvent(
        debtor=debtor, contact_person_id=contact_person_id, contact_point=contact_point, type=type.value,
        debt_ids=sorted(debts), occurred_at=at, by_entity=by, created_at=at,
    )  # fmt: skip


def record_sent_messages(events: list[ContactEvent]) -> None:
    """Count messages the outbox sent in the contact history (the dispatch pass's audit event covers them).

    One prepared INSERT executed for all rows: at the dispatcher's rates `bulk_create`'s per-field
    preparation costs more than the send itself.
    """
    if not events:
        return
    ops = connection.ops
    columns = ("debtor_id", "contact_person_id", "contact_point_id", "type", "outcome", "debt_ids", "occurred_at",
               "by_entity", "with_consent", "recorded_by_id", "note", "created_at")  # fmt: skip
    rows = [
        (
            event.debtor_id,
            event.contact_person_id,
            event.contact_point_id,
            event.type,
            event.outcome,
            json.dumps(event.debt_ids),
            ops.adapt_datetimefield_value(event.occurred_at),
            event.by_entity,
            event.with_consent,
            event.recorded_by_id,
            event.note,
            ops.adapt_datetimefield_value(event.created_at),
        )
        for event in events
    ]
    table = ops.quote_name(ContactEvent._meta.db_table)
    names = ", ".join(ops.quote_name(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 - fixed names
