"""What every desk action on a case does first: lock the case, refuse a stale page, and absorb a double submit.

A page carries the case's ``revision``; an action given an older one raises `StaleCase` and changes
nothing. A form carries a random ``request_key``; the same key a second time returns what the first
submit created instead of doing it again.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

from arrears.casework.models import Case
from arrears.core.errors import DomainError

ModelT = TypeVar("ModelT", bound=models.Model)


class StaleCase(DomainError):
    """The case changed after the page was drawn."""


def lock_case(*, case_id: int, expected_revision: int | None) -> Case:
    """Return the case locked for this transaction; check the page's revision when it gives one.

    :raises StaleCase: when ``expected_revision`` is older than the case's.
    """
    case = Case.objects.select_for_update().select_related("debt", "debtor", "portfolio").get(pk=case_id)
    if expected_revision is not None and case.revision != expected_revision:
        raise StaleCase(
            _(
                "This case changed while you were looking at it (by another user or the daily cycle); reload the page and try again."
            )
        )
    return case


def bump(case: Case) -> None:
    """Count one more change on the case (inside the action's transaction)."""
    Case.objects.filter(pk=case.pk).update(revision=F("revision") + 1)
    case.revision += 1


def already_done(model: type[ModelT], request_key: str | None, **scope: Any) -> ModelT | None:
    """Return the row an earlier submit with the same key created, if any."""
    if not request_key:
        return None
    return model._default_manager.filter(request_key=request_key, **scope).order_by("pk").first()
