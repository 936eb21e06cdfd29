"""The demo's users: one per role, with documented passwords, a team, grants and authority limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from arrears.core.audit.actions import record_event
from arrears.people.models import Team, User
from arrears.people.roles import Capability, Role, role_can
from arrears.portfolio.models import Portfolio

DEMO_TEAM = "Team A"
ALL_DEMO_PORTFOLIOS = ("cn-consumer", "cn-sme", "us-cards", "uk-telecom")


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo user as documented in docs/demo.md; the password is public, so demo only."""

    username: str
    password: str
    role: Role
    portfolios: tuple[str, ...]
    max_waiver_amount: Decimal = Decimal("0.00")
    max_plan_months: int = 0
    is_superuser: bool = False
    in_team: bool = False
    skills: tuple[str, ...] = ()


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("collector", "demo-collector-2026", Role.COLLECTOR, ("cn-consumer", "cn-sme"),
              Decimal("500.00"), 3, in_team=True, skills=("zh", "en", "companies", "large_balances")),
    DemoLogin("supervisor", "demo-supervisor-2026", Role.SUPERVISOR, ALL_DEMO_PORTFOLIOS,
              Decimal("5000.00"), 12, in_team=True),
    DemoLogin("strategist", "demo-strategist-2026", Role.STRATEGY_MANAGER, ALL_DEMO_PORTFOLIOS),
    DemoLogin("compliance", "demo-compliance-2026", Role.COMPLIANCE_OFFICER, ALL_DEMO_PORTFOLIOS),
    DemoLogin("qa", "demo-qa-2026", Role.QA_REVIEWER, ALL_DEMO_PORTFOLIOS),
    DemoLogin("field", "demo-field-2026", Role.FIELD_AGENT, ("cn-consumer", "cn-sme"), in_team=True,
              skills=("zh",)),
    DemoLogin("admin", "demo-admin-2026", Role.ADMINISTRATOR, ALL_DEMO_PORTFOLIOS, Decimal("5000.00"), 12,
              is_superuser=True),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo login and whether this run created its user."""

    login: DemoLogin
    created: bool


@transaction.atomic
def ensure_demo_users(*, portfolios: dict[str, Portfolio], now: datetime) -> list[DemoUser]:
    """Create the missing demo users, their team and grants; leave existing users' passwords alone.

    Writes one ``people.create_user`` audit event per user created.
    """
    users = [_ensure_user(login, now=now) for login in DEMO_LOGINS]
    by_name = {demo.login.username: user for demo, user in users}
    team, _created = Team.objects.get_or_create(
        name=DEMO_TEAM, defaults={"supervisor": by_name["supervisor"]}
    )
    for demo, user in users:
        user.portfolios.add(*(portfolios[code] for code in demo.login.portfolios if code in portfolios))
        if demo.login.in_team and user.team_id != team.pk:
            user.team = team
            user.save(update_fields=["team"])
    return [demo for demo, _ in users]


def _ensure_user(login: DemoLogin, *, now: datetime) -> tuple[DemoUser, User]:
    user, created = User.objects.get_or_create(
        username=login.username,
        defaults={
            "role": login.role,
            "email": f"{login.username}@example.com",
            "is_staff": login.is_superuser or role_can(login.role, Capability.USE_ADMIN),
            "is_superuser": login.is_superuser,
            "max_waiver_amount": login.max_waiver_amount,
            "max_plan_months": login.max_plan_months,
            "skills": list(login.skills),
            "date_joined": now,
        },
    )
    if created:
        user.set_password(login.password)
        user.save(update_fields=["password"])
        record_event(
            actor=None,
            action="people.create_user",
            target=user,
            now=now,
            reason="demo",
            after={"username": user.username, "role": str(login.role), "is_superuser": login.is_superuser},
        )
    return DemoUser(login, created), user
