"""Which rule packs a portfolio applies, and who its collector entity is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from arrears.compliance.models import CompliancePolicy
from arrears.compliance.rules.packs import Policy, UnknownPack, build_policy
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio.models import Portfolio

# The packs a portfolio applies until someone chooses: by the portfolio's country.
DEFAULT_PACKS = {"CN": ["cn"], "US": ["us-regf"], "GB": ["uk-conc"]}


class InvalidPolicy(DomainError):
    """Unknown pack names or an own rule that does not validate."""


def _chosen(portfolio: Portfolio) -> CompliancePolicy | None:
    try:
        return CompliancePolicy.objects.get(portfolio=portfolio)
    except CompliancePolicy.DoesNotExist:
        return None


def _pack_names(portfolio: Portfolio, chosen: CompliancePolicy | None) -> list[str]:
    if chosen is not None and chosen.packs:
        return list(chosen.packs)
    return DEFAULT_PACKS.get(portfolio.country, ["cn", "us-regf", "uk-conc"])


def _collector(portfolio: Portfolio, chosen: CompliancePolicy | None) -> str:
    return (chosen.collector_entity if chosen else "") or portfolio.creditor_name or portfolio.code


def get_pack_names(portfolio: Portfolio) -> list[str]:
    """Return the packs a portfolio applies: its chosen ones, else its country's, else all three."""
    return _pack_names(portfolio, _chosen(portfolio))


def get_policy(portfolio: Portfolio) -> Policy:
    """Return the composed policy of a portfolio (packs and own rules)."""
    return get_policy_and_collector(portfolio)[0]


def get_collector_entity(portfolio: Portfolio) -> str:
    """Return who contacts this portfolio's debtors (the creditor unless an agency is named)."""
    return _collector(portfolio, _chosen(portfolio))


def get_policy_and_collector(portfolio: Portfolio) -> tuple[Policy, str]:
    """Return the composed policy and the collector entity with one read of the portfolio's choice."""
    chosen = _chosen(portfolio)
    policy = build_policy(_pack_names(portfolio, chosen), chosen.overrides if chosen else [])
    return policy, _collector(portfolio, chosen)


def validate_policy(packs: list[str], overrides: list[Any]) -> Policy:
    """Compose packs and own rules, or explain what is wrong.

    :raises InvalidPolicy: for an unknown pack or an invalid own rule, naming it.
    """
    try:
        return build_policy(packs, overrides)
    except UnknownPack as exc:
        raise InvalidPolicy(
            _("Unknown rule pack %(name)r; the packs are: %(known)s.")
            % {"name": exc.name, "known": ", ".join(exc.known)}
        ) from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise InvalidPolicy(
            _("Own rule %(where)s is not valid: %(problem)s") % {"where": where, "problem": error["msg"]}
        ) from exc


@transaction.atomic
def set_policy(
    *,
    portfolio: Portfolio,
    packs: list[str],
    overrides: list[Any],
    collector_entity: str,
    actor: Any,
    now: datetime,
) -> CompliancePolicy:
    """Choose a portfolio's packs, own rules and collector entity.

    :raises InvalidPolicy: for an unknown pack or an invalid own rule (nothing is changed).
    """
    validate_policy(packs, overrides)
    policy, created = CompliancePolicy.objects.select_for_update().get_or_create(
        portfolio=portfolio, defaults={"updated_at": now}
    )
    before = (
        None
        if created
        else {"packs": policy.packs, "overrides": policy.overrides, "collector": policy.collector_entity}
    )
    policy.packs, policy.overrides, policy.collector_entity, policy.updated_at = (
        packs,
        overrides,
        collector_entity,
        now,
    )
    policy.save()
    record_event(
        actor=actor, action="compliance.set_policy", target=policy, now=now, portfolio_id=portfolio.pk, before=before,
        after={"packs": packs, "overrides": overrides, "collector": collector_entity},
    )  # fmt: skip
    return policy
