"""Builders for quality tests: a portfolio with the default scorecard, a team, and contacts on cases.

``quality_world()`` gives a CN portfolio (Asia/Shanghai) with the default scorecard, a team whose
supervisor is ``world.supervisor``, collectors ``lina`` and ``wei`` and a QA reviewer;
``contact(case, collector, at=..., note=...)`` records a desk activity as the desk would leave it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from arrears.casework.models import Activity, Case
from arrears.people.models import Team, User
from arrears.people.roles import Role
from arrears.portfolio.models import Portfolio
from arrears.quality import scorecards
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

INSTALLED_AT = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


@dataclass
class QualityWorld:
    portfolio: Portfolio
    team: Team
    supervisor: User
    lina: User
    wei: User
    reviewer: User

    def case(self, **debt: Any) -> Case:
        debtor = DebtorFactory(portfolio=self.portfolio)
        return CaseFactory(debt=DebtFactory(debtor=debtor, **debt), stage="early", assigned_to=self.lina)


def quality_world(code: str = "cn-consumer") -> QualityWorld:
    portfolio = PortfolioFactory(code=code, country="CN", time_zone="Asia/Shanghai")
    supervisor = UserFactory(username=f"{code}-boss", supervisor=True, portfolios=[portfolio])
    team = TeamFactory(name=f"{code} team", supervisor=supervisor)
    lina = UserFactory(username=f"{code}-lina", team=team, portfolios=[portfolio])
    wei = UserFactory(username=f"{code}-wei", team=team, portfolios=[portfolio])
    reviewer = UserFactory(username=f"{code}-qa", role=Role.QA_REVIEWER, portfolios=[portfolio])
    scorecards.install_defaults(portfolios=[portfolio], actor=None, now=INSTALLED_AT)
    return QualityWorld(portfolio, team, supervisor, lina, wei, reviewer)


def contact(
    case: Case, collector: User | None, *, at: datetime, note: str = "", result: str = "right_party"
) -> Activity:
    return Activity.objects.create(case=case, result=result, note=note, created_by=collector, created_at=at)
