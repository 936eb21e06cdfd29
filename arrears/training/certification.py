"""Certification and the gate on live work.

A collector is certified once they have passed the active quiz and as many practice scenarios as
the quiz's ``certification.practice_passed`` asks; the certification lasts ``valid_days``. A
portfolio whose policy requires certification gives live work items only to collectors who hold
one in force: the cycle's assignment, "next case" and reassignment ask ``cleared_user_ids`` or
``blocked_portfolio_ids`` (``usecases.work_gate``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.scoping import scope_to_user
from arrears.portfolio.models import Portfolio
from arrears.training import content
from arrears.training.models import Certification, PracticeSession, QuizAttempt, TrainingPolicy


class NotCertified(DomainError):
    """Live work of a portfolio that requires certification, for a collector without one in force."""


def in_force(as_of: date) -> Q:
    """Return the condition of a certification in force on ``as_of``."""
    return Q(revoked_at__isnull=True) & (Q(valid_until__isnull=True) | Q(valid_until__gte=as_of))


def get_certification(*, user_id: int | None, as_of: date) -> Certification | None:
    """Return the user's certification in force on ``as_of``, or None (always for an anonymous user)."""
    if user_id is None:
        return None
    return Certification.objects.filter(in_force(as_of), user_id=user_id).order_by("-granted_at").first()


def requires_certification(portfolio_id: int) -> bool:
    """Return whether the portfolio gives live work only to certified collectors."""
    return TrainingPolicy.objects.filter(portfolio_id=portfolio_id, certification_required=True).exists()


def is_certified(user: Any, portfolio: Portfolio, *, as_of: date) -> bool:
    """Return whether ``user`` may take live work of ``portfolio`` on ``as_of``: certified, or not required."""
    return (
        not requires_certification(portfolio.pk)
        or get_certification(user_id=user.pk, as_of=as_of) is not None
    )


def cleared_user_ids(*, portfolio_id: int, user_ids: Iterable[int], as_of: date) -> set[int]:
    """Return those of ``user_ids`` who may take live work of the portfolio on ``as_of`` (two queries)."""
    ids = set(user_ids)
    if not requires_certification(portfolio_id):
        return ids
    return set(
        Certification.objects.filter(in_force(as_of), user_id__in=ids).values_list("user_id", flat=True)
    )


def blocked_portfolio_ids(*, user: Any, as_of: date) -> set[int]:
    """Return the portfolios requiring certification that ``user`` may not take live work of on ``as_of``."""
    if get_certification(user_id=user.pk, as_of=as_of) is not None:
        return set()
    return set(
        TrainingPolicy.objects.filter(certification_required=True).values_list("portfolio_id", flat=True)
    )


def check_cleared(*, user: Any, portfolio_id: int, as_of: date) -> None:
    """Refuse live work of the portfolio for a collector who may not take it.

    :raises NotCertified: when the portfolio requires certification and ``user`` holds none in force.
    """
    if not cleared_user_ids(portfolio_id=portfolio_id, user_ids=[user.pk], as_of=as_of):
        raise NotCertified(
            _("%(user)s is not certified, and this portfolio gives live work only to certified collectors.")
            % {"user": user.get_username()}
        )


def count_passed_scenarios(user_id: int) -> int:
    """Return how many different scenarios the user has passed in practice."""
    return (
        PracticeSession.objects.filter(user_id=user_id, passed=True)
        .values("scenario__slug")
        .distinct()
        .order_by()
        .count()
    )


@transaction.atomic
def grant_if_earned(*, user: Any, now: datetime) -> Certification | None:
    """Certify ``user`` when they have passed the active quiz and enough scenarios; return the new certification.

    Nothing happens (None) when one is already in force or something is still missing. A lapsed
    certification is closed as renewed. Writes one ``training.certify`` event.
    """
    if get_certification(user_id=user.pk, as_of=now.date()) is not None:
        return None
    try:
        material, quiz = content.active_quiz()
    except NotFound:
        return None
    attempt = (
        QuizAttempt.objects.filter(user=user, quiz__slug=material.slug, passed=True)
        .order_by("-submitted_at")
        .first()
    )
    if attempt is None or count_passed_scenarios(user.pk) < quiz.certification.practice_passed:
        return None
    Certification.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now, revoke_reason=_("lapsed; renewed")
    )
    days = quiz.certification.valid_days
    certification = Certification.objects.create(
        user=user,
        attempt=attempt,
        granted_at=now,
        valid_until=now.date() + timedelta(days=days) if days else None,
    )
    record_event(
        actor=user, action="training.certify", target=certification, now=now,
        after={"user": user.pk, "quiz": material.slug, "attempt": attempt.pk, "valid_until": certification.valid_until},
    )  # fmt: skip
    return certification


@transaction.atomic
def revoke_certification(*, user_id: int, actor: Any, reason: str, now: datetime) -> Certification:
    """Revoke the user's certification in force (quality managers); writes ``training.revoke_certification``.

    :raises PermissionDenied: when ``actor`` may not manage training.
    :raises NotFound: when the user holds no certification in force.
    """
    if not content.may_manage(actor):
        raise PermissionDenied(_("Only quality managers may revoke a certification."))
    certification = (
        Certification.objects.select_for_update()
        .filter(in_force(now.date()), user_id=user_id)
        .order_by("pk")
        .first()
    )
    if certification is None:
        raise NotFound(_("This user holds no certification in force."))
    certification.revoked_at, certification.revoked_by, certification.revoke_reason = now, actor, reason[:200]
    certification.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    record_event(
        actor=actor, action="training.revoke_certification", target=certification, now=now, reason=reason,
        before={"valid_until": certification.valid_until}, after={"revoked_at": now},
    )  # fmt: skip
    return certification


@transaction.atomic
def set_policy(*, portfolio_id: int, required: bool, actor: Any, now: datetime) -> TrainingPolicy:
    """Say whether the portfolio's live work needs certification; writes ``training.set_policy``.

    :raises PermissionDenied: when ``actor`` may not manage training.
    :raises NotFound: when the portfolio is not the actor's.
    """
    if not content.may_manage(actor):
        raise PermissionDenied(_("Only quality managers may change the certification rule."))
    portfolio = (
        scope_to_user(Portfolio.objects.all(), actor, portfolio_field="pk").filter(pk=portfolio_id).first()
    )
    if portfolio is None:
        raise NotFound(_("No such portfolio."))
    policy, _created = TrainingPolicy.objects.select_for_update().get_or_create(
        portfolio=portfolio, defaults={"updated_at": now}
    )
    before = policy.certification_required
    policy.certification_required, policy.updated_at = required, now
    policy.updated_by = actor if getattr(actor, "pk", None) else None
    policy.save(update_fields=["certification_required", "updated_at", "updated_by"])
    record_event(
        actor=actor, action="training.set_policy", target=policy, now=now, portfolio_id=portfolio.pk,
        before={"certification_required": before}, after={"certification_required": required},
    )  # fmt: skip
    return policy
