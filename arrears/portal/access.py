"""Getting into the portal: open a link, answer the identity question; revoke a debtor's links.

A link is a signed token for one debtor (issued by `usecases.portal_access.issue_link` or rendered
into a message), recorded here when first opened. Opening it checks the signature, the
issue moment against the portfolio's ``link_days``, a revocation (of that link or of every link the
debtor was given before a moment) and whether it was used: a link opens one session, then it is spent.
The identity question is the portfolio's (`IdentityCheck`); ``max_attempts`` wrong answers in
a row lock the debtor out for ``lock_minutes``, whichever link they use. Every answer is kept; a
session, a lockout and a revocation each write one audit event.
"""

from __future__ import annotations

import hmac
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arrears.core import portal_tokens
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portal.models import DebtorAccess, IdentityAttempt, PortalLink
from arrears.portfolio.choices import DebtorKind
from arrears.portfolio.models import Debtor
from arrears.usecases.portal_access import IdentityCheck, PortalPolicy, get_policy


class LinkRefused(DomainError):
    """The link cannot open the portal: altered, expired, revoked or already used."""


class AccessLocked(DomainError):
    """Too many wrong answers: the debtor may not try again before a moment."""


class WrongAnswer(DomainError):
    """The identity answer does not match what the creditor holds."""


class NoIdentityOnFile(DomainError):
    """The creditor holds nothing to check the debtor's identity with."""


def _lock_message(until: datetime) -> str:
    return _(
        "Too many wrong answers: the portal is locked for your account until %(moment)s (UTC). "
        "Try again later, or contact us."
    ) % {"moment": until.strftime("%Y-%m-%d %H:%M")}


def open_link(*, token: str, now: datetime) -> PortalLink:
    """Return the link ``token`` stands for, when it may still open a session (recorded on first sight).

    :raises LinkRefused: when the token is altered or forged, expired, revoked or already used.
    """
    try:
        claims = portal_tokens.read(token)
    except portal_tokens.TamperedToken:
        raise LinkRefused(
            _(
                "This link is not valid: it may have been copied incompletely. Use the link in your latest message."
            )
        ) from None
    try:
        debtor = Debtor.objects.select_related("portfolio").get(pk=claims.debtor_id)
    except Debtor.DoesNotExist:
        raise LinkRefused(_("This link is no longer valid. Please contact us.")) from None
    policy = get_policy(debtor.portfolio)
    link, _created = PortalLink.objects.get_or_create(
        token_id=claims.token_id,
        defaults={
            "debtor": debtor, "issued_at": claims.issued_at, "created_at": now,
            "expires_at": claims.issued_at + timedelta(days=policy.link_days),
        },
    )  # fmt: skip
    _check_usable(link, debtor, now)
    return link


def _check_usable(link: PortalLink, debtor: Debtor, now: datetime) -> None:
    if link.debtor_id != debtor.pk:
        raise LinkRefused(_("This link is not valid. Use the link in your latest message."))
    if link.expires_at <= now:
        raise LinkRefused(
            _(
                "This link expired on %(date)s. Use the link in your latest message, or contact us for a new one."
            )
            % {"date": link.expires_at.date().isoformat()}
        )
    revoked_after = _revoked_after(debtor.pk)
    if revoked_after is not None and link.issued_at < revoked_after:
        raise LinkRefused(_("This link was withdrawn. Use the link in your latest message, or contact us."))
    if link.used_at is not None:
        raise LinkRefused(
            _(
                "This link was already used once and cannot be used again. Use the link in your latest message."
            )
        )


def identity_question(debtor: Debtor) -> IdentityCheck:
    """Return the question this debtor answers: the portfolio's, or the other when nothing is on file for it.

    :raises NoIdentityOnFile: when the creditor holds neither a birth date nor an ID number.
    """
    wanted = get_policy(debtor.portfolio).identity_check
    available = [check for check in (wanted, *IdentityCheck) if _expected(debtor, check)]
    if not available:
        raise NoIdentityOnFile(
            _("We cannot confirm who you are online. Please contact us using the details in your message.")
        )
    return available[0]


def _expected(debtor: Debtor, check: IdentityCheck) -> str:
    if check == IdentityCheck.BIRTH_DATE:
        return debtor.birth_date.isoformat() if debtor.birth_date and debtor.kind == DebtorKind.PERSON else ""
    number = "".join(character for character in debtor.national_id if character.isalnum())
    return number[-4:].upper() if len(number) >= 4 else ""


def normalise_answer(check: IdentityCheck, answer: str | date) -> str:
    """Return an answer in the form it is compared in (ISO date; last four letters or digits, upper case)."""
    if isinstance(answer, date):
        return answer.isoformat()
    if check == IdentityCheck.ID_LAST4:
        return "".join(character for character in answer if character.isalnum()).upper()[-4:]
    return answer.strip()


def check_identity(*, link_id: int, answer: str | date, now: datetime) -> PortalLink:
    """Check the answer for the link's debtor; when right the link is spent and a session may start.

    A wrong answer is counted (and kept) although the call raises.

    :raises AccessLocked: while the debtor is locked out (the answer is not even checked), or when
        this wrong answer was the last allowed.
    :raises WrongAnswer: when the answer does not match.
    :raises LinkRefused: when the link was used, revoked or expired meanwhile.
    :raises NoIdentityOnFile: when there is nothing to check the answer against.
    """
    link, refusal = _answer(link_id, answer, now)
    if refusal is not None:
        raise refusal
    return link


@transaction.atomic
def _answer(link_id: int, answer: str | date, now: datetime) -> tuple[PortalLink, DomainError | None]:
    link = PortalLink.objects.select_for_update().select_related("debtor__portfolio").get(pk=link_id)
    debtor = link.debtor
    access, _created = DebtorAccess.objects.get_or_create(debtor=debtor)
    access = DebtorAccess.objects.select_for_update().get(pk=access.pk)
    if access.locked_until is not None and access.locked_until > now:
        return link, AccessLocked(_lock_message(access.locked_until))
    _check_usable(link, debtor, now)
    check = identity_question(debtor)
    right = hmac.compare_digest(normalise_answer(check, answer), _expected(debtor, check))
    IdentityAttempt.objects.create(debtor=debtor, link=link, succeeded=right, attempted_at=now)
    if not right:
        return link, _count_failure(access, get_policy(debtor.portfolio), debtor, now)
    access.failed_attempts, access.locked_until = 0, None
    access.save(update_fields=["failed_attempts", "locked_until"])
    link.used_at = now
    link.save(update_fields=["used_at"])
    record_event(
        actor=None, action="portal.open_session", target=link, now=now, portfolio_id=debtor.portfolio_id,
        after={"debtor": debtor.external_ref, "check": check.value},
    )  # fmt: skip
    return link, None


def _count_failure(access: DebtorAccess, policy: PortalPolicy, debtor: Debtor, now: datetime) -> DomainError:
    access.failed_attempts += 1
    if access.failed_attempts < policy.max_attempts:
        access.save(update_fields=["failed_attempts"])
        left = policy.max_attempts - access.failed_attempts
        return WrongAnswer(
            ngettext(
                "That answer does not match our records. You have %(count)d more try before the portal is locked.",
                "That answer does not match our records. You have %(count)d more tries before the portal is locked.",
                left,
            )
            % {"count": left}
        )
    until = now + timedelta(minutes=policy.lock_minutes)
    access.failed_attempts, access.locked_until = 0, until
    access.save(update_fields=["failed_attempts", "locked_until"])
    record_event(
        actor=None, action="portal.lock_access", target=access, now=now, portfolio_id=debtor.portfolio_id,
        after={"debtor": debtor.external_ref, "locked_until": until.isoformat()},
    )  # fmt: skip
    return AccessLocked(_lock_message(until))


@transaction.atomic
def revoke_links(*, debtor: Debtor, now: datetime, actor: object, reason: str = "") -> None:
    """Withdraw every link the debtor was given until ``now`` (sessions already open end at their next step)."""
    access, _created = DebtorAccess.objects.get_or_create(debtor=debtor)
    access.links_valid_after = now
    access.save(update_fields=["links_valid_after"])
    record_event(
        actor=actor, action="portal.revoke_links", target=access, now=now, portfolio_id=debtor.portfolio_id,
        reason=reason, after={"debtor": debtor.external_ref, "links_valid_after": now.isoformat()},
    )  # fmt: skip


def is_session_valid(*, link_id: int, debtor_id: int) -> bool:
    """Return whether a session opened with the link still stands (not revoked since)."""
    try:
        link = PortalLink.objects.get(pk=link_id, debtor_id=debtor_id)
    except PortalLink.DoesNotExist:
        return False
    revoked_after = _revoked_after(debtor_id)
    return revoked_after is None or link.issued_at >= revoked_after


def _revoked_after(debtor_id: int) -> datetime | None:
    try:
        return DebtorAccess.objects.get(debtor_id=debtor_id).links_valid_after
    except DebtorAccess.DoesNotExist:
        return None


@transaction.atomic
def unlock(*, debtor: Debtor, now: datetime, actor: object, reason: str = "") -> None:
    """Lift a lockout before its time (support staff confirmed who the debtor is); one audit event."""
    access, _created = DebtorAccess.objects.get_or_create(debtor=debtor)
    before = access.locked_until
    access.failed_attempts, access.locked_until = 0, None
    access.save(update_fields=["failed_attempts", "locked_until"])
    record_event(
        actor=actor, action="portal.unlock_access", target=access, now=now, portfolio_id=debtor.portfolio_id,
        reason=reason, before={"locked_until": before.isoformat() if before else None},
        after={"debtor": debtor.external_ref},
    )  # fmt: skip
