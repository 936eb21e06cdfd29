"""Scorecards per portfolio: install the default, save a manager's edit as a new version, read the active one.

A scorecard is saved only when ``scoring.validate_spec`` finds nothing wrong; the problems are
worded here, in the user's language, because the pure module speaks in codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.people.scoping import scope_to_user
from arrears.portfolio.models import Portfolio
from arrears.quality import scoring
from arrears.quality.models import Scorecard


class InvalidScorecard(DomainError):
    """A scorecard that does not validate: weights not adding up to 100, repeated keys, missing labels…"""

    def __init__(self, problems: Sequence[scoring.Problem]) -> None:
        super().__init__(" ".join(describe(problem) for problem in problems))
        self.problems = tuple(problems)


def describe(problem: scoring.Problem) -> str:
    """Return a sentence saying what ``problem`` is and where, in the active language."""
    params = {"key": problem.key, **problem.params}
    messages = {
        "no_items": _("A scorecard needs at least one item."),
        "weights_total": _("The weights add up to %(total)s; they must add up to %(expected)s."),
        "duplicate_key": _("The key “%(key)s” is used by more than one item."),
        "duplicate_section": _("The section “%(key)s” is listed more than once."),
        "item_key_format": _(
            "The item key “%(key)s” must start with a small letter and hold only small letters, digits and _."
        ),
        "section_key_format": _(
            "The section key “%(key)s” must start with a small letter and hold only small letters, digits and _."
        ),
        "item_label_missing": _("Item “%(key)s” needs a label in English and in Chinese."),
        "section_label_missing": _("Section “%(key)s” needs a label in English and in Chinese."),
        "weight_not_positive": _("Item “%(key)s” has weight %(weight)s; a weight must be more than 0."),
        "weight_precision": _("Item “%(key)s” has weight %(weight)s; use at most two decimal places."),
        "unknown_section": _(
            "Item “%(key)s” is in section “%(section)s”, which the scorecard does not have."
        ),
        "pass_percent_range": _("The pass mark %(value)s must be more than 0 and at most 100."),
        "coaching_percent_range": _(
            "The coaching mark %(value)s must be at least the pass mark (%(pass_percent)s) and at most 100."
        ),
        "not_a_mapping": _("The scorecard must be a mapping with sections and items."),
        "field_not_a_list": _("“%(key)s” must be a list."),
        "field_missing": _("“%(key)s” is missing or not text."),
        "not_a_number": _("“%(key)s” is not a number."),
        "unmarked": _("Item “%(key)s” has no mark."),
        "unknown_item": _("“%(key)s” is not an item of this scorecard."),
        "not_applicable_refused": _("Item “%(key)s” always applies; mark it passed or failed."),
    }
    template = messages.get(problem.code)
    if template is None:
        return f"{problem.code} {problem.key}".strip()
    return template % params


def spec_of(scorecard: Scorecard) -> scoring.ScorecardSpec:
    """Return the spec a saved scorecard holds (validated when it was saved)."""
    return scoring.spec_from_data(scorecard.spec)


def get_active_scorecard(*, portfolio_id: int) -> Scorecard:
    """Return the portfolio's active scorecard.

    :raises NotFound: when none was installed (``arrears quality install-defaults``).
    """
    scorecard = Scorecard.objects.filter(portfolio_id=portfolio_id, is_active=True).first()
    if scorecard is None:
        raise NotFound(
            _("This portfolio has no scorecard yet; run “arrears quality install-defaults” or save one.")
        )
    return scorecard


def list_scorecard_portfolios(*, user: Any) -> list[tuple[Portfolio, Scorecard | None]]:
    """Return each portfolio the user may see with its active scorecard (None where none is installed)."""
    portfolios = list(scope_to_user(Portfolio.objects.all(), user, portfolio_field="pk").order_by("code"))
    active = {
        card.portfolio_id: card
        for card in Scorecard.objects.filter(portfolio__in=portfolios, is_active=True).select_related(
            "created_by"
        )
    }
    return [(portfolio, active.get(portfolio.pk)) for portfolio in portfolios]


def list_portfolios_with_scorecard() -> QuerySet[Portfolio]:
    """Return the portfolios that have a scorecard, by code."""
    return Portfolio.objects.filter(Exists(Scorecard.objects.filter(portfolio=OuterRef("pk")))).order_by(
        "code"
    )


def get_portfolio(*, user: Any, portfolio_id: int) -> Portfolio:
    """Return a portfolio the user may see.

    :raises NotFound: when it does not exist or is out of the user's scope.
    """
    portfolio = scope_to_user(Portfolio.objects.filter(pk=portfolio_id), user, portfolio_field="pk").first()
    if portfolio is None:
        raise NotFound(_("Portfolio %(id)s was not found.") % {"id": portfolio_id})
    return portfolio


@transaction.atomic
def save_scorecard(
    *, portfolio: Portfolio, data: Any, actor: Any, now: datetime, note: str = ""
) -> Scorecard:
    """Validate ``data`` and save it as the portfolio's new active scorecard version.

    :raises PermissionDenied: when the actor may not manage quality.
    :raises InvalidScorecard: when the data is not a scorecard or does not validate; nothing is saved.
    """
    if actor is not None and not actor.can(Capability.MANAGE_QUALITY):
        raise PermissionDenied(_("Only a quality manager may change a scorecard."))
    spec = _validated(data)
    Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    previous = Scorecard.objects.filter(portfolio=portfolio, is_active=True).first()
    if previous is not None and previous.spec == scoring.spec_to_data(spec):
        return previous
    version = (Scorecard.objects.filter(portfolio=portfolio).aggregate(last=Max("version"))["last"] or 0) + 1
    Scorecard.objects.filter(portfolio=portfolio, is_active=True).update(is_active=False)
    scorecard = Scorecard.objects.create(
        portfolio=portfolio, version=version, spec=scoring.spec_to_data(spec), is_active=True, note=note[:500],
        created_by=actor if getattr(actor, "pk", None) else None, created_at=now,
    )  # fmt: skip
    record_event(
        actor=actor, action="quality.save_scorecard", target=scorecard, now=now, portfolio_id=portfolio.pk,
        reason=note, before={"version": previous.version if previous else None},
        after={"version": version, "items": [item.key for item in spec.items],
               "pass_percent": str(spec.pass_percent)},
    )  # fmt: skip
    return scorecard


def _validated(data: Any) -> scoring.ScorecardSpec:
    try:
        spec = scoring.spec_from_data(data)
    except scoring.InvalidSpec as exc:
        raise InvalidScorecard(exc.problems) from exc
    problems = scoring.validate_spec(spec)
    if problems:
        raise InvalidScorecard(problems)
    return spec


def install_defaults(*, portfolios: Iterable[Portfolio], actor: Any, now: datetime) -> list[Scorecard]:
    """Give every portfolio without a scorecard the default one drawn from the training manual.

    Portfolios that have a scorecard keep it; returns the scorecards installed.
    """
    data = scoring.spec_to_data(scoring.default_spec())
    installed = []
    for portfolio in portfolios:
        if not Scorecard.objects.filter(portfolio=portfolio).exists():
            installed.append(
                save_scorecard(portfolio=portfolio, data=data, actor=actor, now=now, note="default scorecard")
            )
    return installed
