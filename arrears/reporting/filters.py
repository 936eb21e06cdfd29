"""The filters every report takes: portfolio, team, product and period, always within the user's portfolios."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.people.scoping import granted_portfolio_ids
from arrears.portfolio.models import Portfolio
from arrears.reporting.models import Fact

DEFAULT_DAYS = 30


class BadPeriod(DomainError):
    """A period whose end is before its start."""


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers: portfolios (already scoped), an optional team and product, and a period."""

    portfolio_ids: tuple[int, ...]
    since: date
    until: date
    product: str = ""
    team_id: int | None = None

    def facts(self, metric: str, *, by_case: bool = True, by_collector: bool = False) -> QuerySet[Fact]:
        """Return the facts of ``metric`` in the portfolios, product and team (not the period)."""
        facts = Fact.objects.filter(
            portfolio_id__in=self.portfolio_ids, metric=metric, by_collector=by_collector
        )
        if by_case and self.product:
            facts = facts.filter(product=self.product)
        if by_case and self.team_id is not None:
            facts = facts.filter(team_id=self.team_id)
        return facts

    def dims(self, *, portfolio: str, product: str, team: str) -> Q:
        """Return the same filter on source rows whose portfolio, product and team are at these paths."""
        condition = Q(**{f"{portfolio}__in": self.portfolio_ids})
        if self.product:
            condition &= Q(**{product: self.product})
        if self.team_id is not None:
            condition &= Q(**{team: self.team_id}) if self.team_id else Q(**{f"{team}__isnull": True})
        return condition

    def with_period(self, since: date, until: date) -> ReportFilter:
        """Return the same filter over another period."""
        return replace(self, since=since, until=until)

    def as_params(self) -> dict[str, str]:
        """Return the filter as query parameters (for links that keep it)."""
        params = {"since": self.since.isoformat(), "until": self.until.isoformat()}
        if len(self.portfolio_ids) == 1:
            params["portfolio"] = str(self.portfolio_ids[0])
        if self.product:
            params["product"] = self.product
        if self.team_id is not None:
            params["team"] = str(self.team_id)
        return params


def build_filter(
    *, user: Any, today: date, portfolio: int | None = None, team: int | None = None, product: str = "",
    since: date | None = None, until: date | None = None,
) -> ReportFilter:  # fmt: skip
    """Return the filter of these choices within ``user``'s portfolios (the last 30 days by default).

    :raises PermissionDenied: when the user's role may not see reports.
    :raises NotFound: when ``portfolio`` is not one the user may see.
    :raises BadPeriod: when ``until`` is before ``since``.
    """
    if not getattr(user, "is_authenticated", False) or not user.can(Capability.VIEW_REPORTS):
        raise PermissionDenied(_("Your role may not see reports."))
    visible = Portfolio.objects.all()
    granted = granted_portfolio_ids(user)
    if granted is not None:
        visible = visible.filter(pk__in=granted)
    return _filter(visible, today, portfolio, team, product, since, until)


def build_command_filter(
    *, today: date, portfolio_code: str | None = None, team: int | None = None, product: str = "",
    since: date | None = None, until: date | None = None,
) -> ReportFilter:  # fmt: skip
    """Return the filter of the command line, which sees every portfolio.

    :raises NotFound: when there is no portfolio ``portfolio_code``.
    :raises BadPeriod: when ``until`` is before ``since``.
    """
    portfolio = None
    if portfolio_code:
        found = list(Portfolio.objects.filter(code=portfolio_code).values_list("pk", flat=True))
        if not found:
            raise NotFound(_("There is no portfolio %(id)s among yours.") % {"id": portfolio_code})
        portfolio = found[0]
    return _filter(Portfolio.objects.all(), today, portfolio, team, product, since, until)


def _filter(
    visible: QuerySet[Portfolio], today: date, portfolio: int | None, team: int | None, product: str,
    since: date | None, until: date | None,
) -> ReportFilter:  # fmt: skip
    ids = sorted(visible.values_list("pk", flat=True))
    if portfolio is not None:
        if portfolio not in ids:
            raise NotFound(_("There is no portfolio %(id)s among yours.") % {"id": portfolio})
        ids = [portfolio]
    until = until or today
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if until < since:
        raise BadPeriod(
            _("The period ends on %(until)s, before it starts on %(since)s.")
            % {"until": until, "since": since}
        )
    return ReportFilter(portfolio_ids=tuple(ids), since=since, until=until, product=product, team_id=team)
