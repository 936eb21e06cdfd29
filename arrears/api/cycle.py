"""Start a daily cycle run and read its report over the API."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from arrears.core.errors import NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.people.scoping import scope_to_user
from arrears.portfolio.models import Portfolio
from arrears.strategy.models import CycleRun
from arrears.usecases.cycle.run import run_cycle

router = Router(tags=["cycle"])


class RunIn(Schema):
    portfolio: str
    date: dt.date | None = None
    partitions: int = 1


class RunOut(Schema):
    id: int
    portfolio: str
    business_date: date
    status: str
    strategy: str
    partitions: int
    started_at: datetime
    finished_at: datetime | None
    report: dict[str, Any]


def _out(run: CycleRun) -> RunOut:
    return RunOut(
        id=run.pk, portfolio=run.portfolio.code, business_date=run.business_date, status=run.status,
        strategy=run.strategy, partitions=run.partitions, started_at=run.started_at, finished_at=run.finished_at,
        report=run.report,
    )  # fmt: skip


def _portfolio(request: HttpRequest, code: str) -> Portfolio:
    found = scope_to_user(Portfolio.objects.filter(code=code), request.user, portfolio_field="pk").first()
    if found is None:
        raise NotFound(_("There is no portfolio with code “%(code)s”.") % {"code": code})
    return found


@router.post("/cycle/runs", response={200: RunOut})
def start_run(request: HttpRequest, payload: RunIn) -> RunOut:
    """Run (or resume) a portfolio's cycle for a business date (default: today on its clock); return the run.

    Running a completed date again changes nothing and returns the same run.
    """
    if not request.user.can(Capability.RUN_CYCLE):  # type: ignore[union-attr]
        raise PermissionDenied(_("You may not run the daily cycle."))
    portfolio = _portfolio(request, payload.portfolio)
    now = timezone.now()
    day = payload.date or now.astimezone(ZoneInfo(portfolio.time_zone)).date()
    run_cycle(
        portfolio=portfolio, business_date=day, now=now, actor=request.user, partitions=payload.partitions
    )
    return _out(CycleRun.objects.select_related("portfolio").get(portfolio=portfolio, business_date=day))


@router.get("/cycle/runs", response=list[RunOut])
def list_runs(request: HttpRequest, portfolio: str | None = None, limit: int = 30) -> list[RunOut]:
    """The latest runs (newest first) of the portfolios the user may see."""
    runs = scope_to_user(CycleRun.objects.select_related("portfolio"), request.user)
    if portfolio is not None:
        runs = runs.filter(portfolio__code=portfolio)
    return [
        _out(run) for run in runs.order_by("-business_date", "portfolio__code")[: max(1, min(limit, 365))]
    ]


@router.get("/cycle/runs/{run_id}", response=RunOut)
def get_run(request: HttpRequest, run_id: int) -> RunOut:
    """One run and its report."""
    run = scope_to_user(CycleRun.objects.select_related("portfolio"), request.user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("There is no such cycle run."))
    return _out(run)
