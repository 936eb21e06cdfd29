"""The desk's live work behind the training gate: the queue, "next case" and reassignment ask certification first.

A portfolio may give live work only to certified collectors (``training.certification``). The
casework queue cannot ask training (it sits below it), so the desk and the API take the next case
and reassign through these functions; the daily cycle asks in ``cycle.assign``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from arrears.casework import queries, work
from arrears.casework.models import WorkItem
from arrears.training import certification


def blocked_portfolio_ids(*, user: Any, now: datetime) -> set[int]:
    """Return the portfolios whose live work ``user`` may not take now (certification required, none held)."""
    return certification.blocked_portfolio_ids(user=user, as_of=now.date())


def take_next(*, user: Any, now: datetime, exclude_case_id: int | None = None) -> WorkItem | None:
    """Return the user's next item (``work.take_next``), skipping portfolios they are not certified for."""
    blocked = blocked_portfolio_ids(user=user, now=now)
    return work.take_next(user=user, now=now, exclude_case_id=exclude_case_id, skip_portfolio_ids=blocked)


def list_my_work_items(
    *, user: Any, now: datetime, filters: work.QueueFilters | None = None
) -> QuerySet[WorkItem]:
    """Return the user's items due today (``work.list_my_work_items``) without those of blocked portfolios."""
    return work.list_my_work_items(
        user=user, now=now, filters=filters, skip_portfolio_ids=blocked_portfolio_ids(user=user, now=now)
    )


def reassign_case(
    *, case_id: int, to_user_id: int, actor: Any, now: datetime, expected_revision: int | None,
    request_key: str | None = None, reason: str = "",
) -> list[WorkItem]:  # fmt: skip
    """Reassign a case (``work.reassign_case``) after checking the new collector may take its portfolio's work.

    :raises NotCertified: when the portfolio requires certification and the collector holds none.
    """
    if work.may_supervise(actor):
        _check(to_user_id, queries.get_case(user=actor, case_id=case_id).portfolio_id, now)
    return work.reassign_case(
        case_id=case_id, to_user_id=to_user_id, actor=actor, now=now, expected_revision=expected_revision,
        request_key=request_key, reason=reason,
    )  # fmt: skip


def reassign_work_items(
    *, from_user_id: int, to_user_id: int, portfolio_id: int, actor: Any, now: datetime,
    request_key: str | None = None,
) -> int:  # fmt: skip
    """Move a collector's items (``work.reassign_work_items``) after checking the receiver is cleared for the portfolio.

    :raises NotCertified: when the portfolio requires certification and the receiver holds none.
    """
    if work.may_supervise(actor):
        _check(to_user_id, portfolio_id, now)
    return work.reassign_work_items(
        from_user_id=from_user_id, to_user_id=to_user_id, portfolio_id=portfolio_id, actor=actor, now=now,
        request_key=request_key,
    )  # fmt: skip


def _check(user_id: int, portfolio_id: int, now: datetime) -> None:
    user = get_user_model().objects.filter(pk=user_id).order_by("pk").first()
    if user is not None:
        certification.check_cleared(user=user, portfolio_id=portfolio_id, as_of=now.date())
