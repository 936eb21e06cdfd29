"""A portfolio's recovery settings, and the words for the rules that block a visit or a referral."""

from __future__ import annotations

from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _

from arrears.portfolio.models import Portfolio
from arrears.recovery.models import RecoverySettings
from arrears.recovery.referral_eligibility import Block
from arrears.recovery.visit_eligibility import VisitBlock, VisitRules

BLOCK_TEXT: dict[str, LazyText] = {
    Block.NOT_VERIFIED: _("the debt is not verified (债务确认)"),
    Block.BELOW_THRESHOLD: _("the balance is below the portfolio's threshold for legal referral"),
    Block.TIME_BARRED: _("the claim is time-barred (the limitation period has run out)"),
    Block.OPEN_DISPUTE: _("a dispute is open"),
    Block.ALREADY_REFERRED: _("the case already has an open legal referral"),
    Block.WRITTEN_OFF: _("the debt was written off"),
    VisitBlock.FORBIDDEN_PLACE: _("this kind of place may not be visited"),
    VisitBlock.NEEDS_SECOND_AGENT: _("visits are made in pairs: name the second agent"),
    VisitBlock.SAME_AGENT_TWICE: _("the second agent must be someone else"),
    VisitBlock.NO_IDENTIFICATION: _("show your identification and confirm it"),
}


def explain(blocks: list[Block] | list[VisitBlock]) -> str:
    """Return the blocking rules as one sentence in the active language, each with its code."""
    return "; ".join(f"{BLOCK_TEXT[block]} [{block.value}]" for block in blocks)


def get_settings(portfolio: Portfolio) -> RecoverySettings:
    """Return the portfolio's recovery settings, or the defaults (unsaved) when it has none."""
    found = RecoverySettings.objects.filter(portfolio=portfolio).order_by("pk").first()
    if found is not None:
        return found
    return RecoverySettings(portfolio=portfolio, updated_at=portfolio.created_at)


def visit_rules(portfolio: Portfolio) -> VisitRules:
    """Return the portfolio's visit rules as data for `visit_eligibility`."""
    found = get_settings(portfolio)
    return VisitRules(
        forbidden_places=frozenset(found.forbidden_places),
        two_person_rule=found.two_person_rule,
        identification_required=found.identification_required,
    )
