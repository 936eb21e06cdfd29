"""``POST /v1/portfolios/{code}/debts/batch`` and ``…/payments/batch``: the file import, as JSON rows."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from arrears.core.errors import NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.people.scoping import scope_to_user
from arrears.portfolio import imports
from arrears.portfolio.models import Portfolio

router = Router(tags=["imports"])


class BatchIn(Schema):
    rows: list[dict[str, Any]]
    dry_run: bool = False
    strict: bool = False


class RowErrorOut(Schema):
    row: int
    column: str
    value: str
    message: str


class BatchOut(Schema):
    total: int
    accepted: int
    inserted: int
    updated: int
    unchanged: int
    applied: bool
    rejected: list[RowErrorOut]


@router.post("/portfolios/{code}/debts/batch", response=BatchOut)
def import_debts_batch(request: HttpRequest, code: str, batch: BatchIn) -> imports.ImportResult:
    """Create or update debts from JSON rows (the columns of the debts file; rows numbered from 1)."""
    return _run(imports.import_debts, request, code, batch)


@router.post("/portfolios/{code}/payments/batch", response=BatchOut)
def import_payments_batch(request: HttpRequest, code: str, batch: BatchIn) -> imports.ImportResult:
    """Post payments from JSON rows (the columns of the payments file; rows numbered from 1)."""
    return _run(imports.import_payments, request, code, batch)


def _run(importer: Any, request: HttpRequest, code: str, batch: BatchIn) -> imports.ImportResult:
    portfolio = _granted_portfolio(request, code)
    result: imports.ImportResult = importer(
        portfolio=portfolio,
        source=imports.frame_from_records(batch.rows),
        file_name=f"api:{request.path}",
        dry_run=batch.dry_run,
        strict=batch.strict,
        actor=request.user,
        now=timezone.now(),
    )
    return result


def _granted_portfolio(request: HttpRequest, code: str) -> Portfolio:
    granted = scope_to_user(Portfolio.objects.filter(code=code), request.user, portfolio_field="pk")
    portfolio = next(iter(granted), None)
    if portfolio is None:
        raise NotFound(_("There is no portfolio with code “%(code)s”.") % {"code": code})
    if not request.user.can(Capability.IMPORT_PORTFOLIO):  # type: ignore[union-attr]
        raise PermissionDenied(_("You may not import into portfolios."))
    return portfolio
