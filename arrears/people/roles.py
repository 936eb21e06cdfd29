"""Roles and what each may do. The one table that answers "may this role …?"."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COLLECTOR = "collector", _("Collector")
    SUPERVISOR = "supervisor", _("Supervisor")
    STRATEGY_MANAGER = "strategy_manager", _("Strategy manager")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance officer")
    ADMINISTRATOR = "administrator", _("Administrator")


class Capability(StrEnum):
    SEE_PERSONAL_DATA = "see_personal_data"
    POST_PAYMENTS = "post_payments"
    IMPORT_PORTFOLIO = "import_portfolio"
    VERIFY_DEBTS = "verify_debts"
    READ_AUDIT = "read_audit"
    USE_ADMIN = "use_admin"
    SEE_ALL_PORTFOLIOS = "see_all_portfolios"
    LIFT_CONTACT_RESTRICTIONS = "lift_contact_restrictions"
    MANAGE_DATA = "manage_data"
    REVERSE_PAYMENTS = "reverse_payments"
    RUN_CYCLE = "run_cycle"
    MANAGE_STRATEGIES = "manage_strategies"
    SUPERVISE_TEAM = "supervise_team"


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.COLLECTOR: frozenset({Capability.POST_PAYMENTS}),
    Role.SUPERVISOR: frozenset(
        {
            Capability.SEE_PERSONAL_DATA,
            Capability.POST_PAYMENTS,
            Capability.VERIFY_DEBTS,
            Capability.USE_ADMIN,
            Capability.LIFT_CONTACT_RESTRICTIONS,
            Capability.REVERSE_PAYMENTS,
            Capability.SUPERVISE_TEAM,
        }
    ),
    Role.STRATEGY_MANAGER: frozenset(
        {Capability.USE_ADMIN, Capability.RUN_CYCLE, Capability.MANAGE_STRATEGIES}
    ),
    Role.COMPLIANCE_OFFICER: frozenset(
        {
            Capability.SEE_PERSONAL_DATA,
            Capability.READ_AUDIT,
            Capability.USE_ADMIN,
            Capability.LIFT_CONTACT_RESTRICTIONS,
        }
    ),
    Role.ADMINISTRATOR: frozenset(set(Capability)),
}


def role_can(role: str, capability: Capability) -> bool:
    """Return whether ``role`` carries ``capability``."""
    return role in Role.values and capability in CAPABILITIES[Role(role)]
