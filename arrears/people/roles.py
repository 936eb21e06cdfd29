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
    QA_REVIEWER = "qa_reviewer", _("Quality reviewer")
    FIELD_AGENT = "field_agent", _("Field agent")


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
    VIEW_REPORTS = "view_reports"
    REVIEW_QUALITY = "review_quality"
    MANAGE_QUALITY = "manage_quality"
    VISIT_DEBTORS = "visit_debtors"
    REFER_LEGAL = "refer_legal"
    APPROVE_LEGAL = "approve_legal"
    MANAGE_PLACEMENTS = "manage_placements"
    APPROVE_WRITE_OFF = "approve_write_off"


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.COLLECTOR: frozenset({Capability.POST_PAYMENTS, Capability.VISIT_DEBTORS}),
    Role.SUPERVISOR: frozenset(
        {
            Capability.SEE_PERSONAL_DATA,
            Capability.POST_PAYMENTS,
            Capability.VERIFY_DEBTS,
            Capability.USE_ADMIN,
            Capability.LIFT_CONTACT_RESTRICTIONS,
            Capability.REVERSE_PAYMENTS,
            Capability.SUPERVISE_TEAM,
            Capability.VIEW_REPORTS,
            Capability.REVIEW_QUALITY,
            Capability.MANAGE_QUALITY,
            Capability.VISIT_DEBTORS,
            Capability.REFER_LEGAL,
            Capability.MANAGE_PLACEMENTS,
            Capability.APPROVE_WRITE_OFF,
        }
    ),
    Role.STRATEGY_MANAGER: frozenset(
        {Capability.USE_ADMIN, Capability.RUN_CYCLE, Capability.MANAGE_STRATEGIES, Capability.VIEW_REPORTS}
    ),
    Role.COMPLIANCE_OFFICER: frozenset(
        {
            Capability.SEE_PERSONAL_DATA,
            Capability.READ_AUDIT,
            Capability.USE_ADMIN,
            Capability.LIFT_CONTACT_RESTRICTIONS,
            Capability.VIEW_REPORTS,
            Capability.APPROVE_LEGAL,
            Capability.REVIEW_QUALITY,
        }
    ),
    Role.QA_REVIEWER: frozenset(
        {Capability.REVIEW_QUALITY, Capability.MANAGE_QUALITY, Capability.VIEW_REPORTS}
    ),
    Role.FIELD_AGENT: frozenset({Capability.VISIT_DEBTORS, Capability.POST_PAYMENTS}),
    Role.ADMINISTRATOR: frozenset(set(Capability)),
}


def role_can(role: str, capability: Capability) -> bool:
    """Return whether ``role`` carries ``capability``."""
    return role in Role.values and capability in CAPABILITIES[Role(role)]
