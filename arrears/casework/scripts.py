"""Guided scripts (seed 二(二)3, 二(三)): the script for a case's stage and situation, filled in for its debt.

The script shown is the active one for the case's stage and the situation in the language; else
the active stage-independent one (stage ""); else the shipped default (``defaults/scripts.yaml``).
Its ``{{ consequences }}`` is ``consequences_statement``: this debt's balance by component, days
past due, any penalty the contract charges, and the next stage of the case's treatment path with
what it does and when — taken from the strategy the case is in, so it never names a step the
creditor will not take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arrears.casework.models import Case, Script, ScriptSituation
from arrears.comms.templating import format_money, language_key
from arrears.comms.variables import NEUTRAL_TEXTS
from arrears.compliance.linter import ALL_PACKS, LintContext, LintResult, lint
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound
from arrears.core.money import Money
from arrears.engine.strategy import Action, Stage
from arrears.portfolio import ledger
from arrears.portfolio.choices import Component
from arrears.strategy import versions

SITUATIONS: tuple[str, ...] = ("forgot", "objection", "hardship", "refusal", "company")
LANGUAGES: tuple[str, ...] = ("en", "zh-hans")
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
THRESHOLD = re.compile(r"^\s*(days_past_due|balance)\s*>=\s*(\d+)\s*$")

STAGE_LABELS: dict[str, LazyText] = {
    "courtesy": gettext_lazy("courtesy reminder"),
    "early": gettext_lazy("early stage"),
    "mid": gettext_lazy("middle stage"),
    "late": gettext_lazy("late stage"),
    "legal": gettext_lazy("specialist review"),
    "outreach": gettext_lazy("hardship outreach"),
    "verification": gettext_lazy("verification"),
}
TEMPLATE_STEPS: dict[str, LazyText] = {
    "consequences_notice": gettext_lazy("a written notice of what non-payment means"),
    "demand_letter": gettext_lazy("a formal demand letter by registered mail"),
    "hardship_outreach": gettext_lazy("an offer of a payment plan"),
    "field_visit": gettext_lazy(
        "a visit from our field team, with your consent and where the rules allow it"
    ),
    "legal_review": gettext_lazy("a review of the file by a specialist team"),
}
CHANNEL_STEPS: dict[str, LazyText] = {
    "sms": gettext_lazy("a reminder by SMS"),
    "email": gettext_lazy("a reminder by e-mail"),
    "app": gettext_lazy("a reminder in the app"),
    "letter": gettext_lazy("a letter"),
    "call": gettext_lazy("a call from a collector"),
    "visit": gettext_lazy("a visit from our field team, with your consent and where the rules allow it"),
}


class UnknownSituation(DomainError):
    """A situation or language scripts do not have."""


@dataclass(frozen=True)
class ScriptText:
    """A script as written: from the database (``script`` set) or the shipped default."""

    situation: str
    language: str
    title: str
    body: str
    prompts: list[str]
    origin: str
    """``stage`` (this stage's script), ``general`` (any stage) or ``default`` (shipped)."""
    script: Script | None = None


@dataclass(frozen=True)
class RenderedScript:
    """A script filled in for one case."""

    text: ScriptText
    body: str
    consequences: str
    situation_label: str = ""
    placeholders: dict[str, str] = field(default_factory=dict)


def script_language(language: str) -> str:
    """Return ``zh-hans`` for any Chinese language code, else ``en``."""
    return "zh-hans" if language_key(language) == "zh" else "en"


@cache
def default_scripts() -> dict[tuple[str, str], dict[str, Any]]:
    """Return the shipped scripts by (situation, language)."""
    text = resources.files("arrears.casework").joinpath("defaults/scripts.yaml").read_text(encoding="utf-8")
    return {(item["situation"], item["language"]): item for item in yaml.safe_load(text)}


def script_for(*, case: Case, situation: str, language: str) -> ScriptText:
    """Return the script for the case's stage and ``situation`` in ``language`` (see the module docstring).

    :raises UnknownSituation: for a situation that is not one of ``ScriptSituation``.
    """
    if situation not in ScriptSituation.values:
        raise UnknownSituation(
            _("Situation: “%(situation)s” is not one of %(choices)s.")
            % {"situation": situation, "choices": ", ".join(ScriptSituation.values)}
        )
    language = script_language(language)
    # The stage's own script, else the general one: both candidates in one read, the first of each by pk.
    candidates = Script.objects.filter(
        is_active=True, situation=situation, language=language, stage__in={case.stage, ""}
    )
    first_by_stage: dict[str, Script] = {}
    for script in candidates.order_by("pk"):
        first_by_stage.setdefault(script.stage, script)
    for stage, origin in ((case.stage, "stage"), ("", "general")):
        if origin == "stage" and not stage:
            continue
        found = first_by_stage.get(stage)
        if found is not None:
            return ScriptText(
                situation, language, found.title, found.body, list(found.prompts), origin, found
            )
    shipped = default_scripts().get((situation, language)) or default_scripts().get((situation, "en"))
    if shipped is None:
        return ScriptText(
            situation, language, str(ScriptSituation(situation).label), "{{ consequences }}", [], "default"
        )
    return ScriptText(
        situation, language, shipped["title"], shipped["body"], list(shipped["prompts"]), "default"
    )


def render_script(
    *, case: Case, situation: str, language: str, today: date, position: ledger.DebtPosition | None = None
) -> RenderedScript:
    """Return the script for the case with its placeholders filled in (unknown ones are left as written).

    ``position`` is the debt's position on ``today`` when the caller has read it already.
    """
    text = script_for(case=case, situation=situation, language=language)
    with translation.override(text.language):
        position = position or ledger.get_position(debt=case.debt, as_of=today)
        consequences = consequences_statement(
            case=case, language=text.language, today=today, position=position
        )
        values = {
            "consequences": consequences,
            "balance": format_money(Money(position.balances.total, case.debt.currency), text.language),
            "due_date": case.debt.due_date.isoformat(),
            "creditor": case.portfolio.creditor_name,
            "payment_details": _payment_details(text.language),
        }
        body = PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text.body)
        label = str(ScriptSituation(situation).label)
    return RenderedScript(text, body, consequences, label, values)


def _payment_details(language: str) -> str:
    key = language_key(language)
    value = getattr(settings, "ARREARS_PAYMENT_CHANNELS", "")
    if isinstance(value, dict):
        value = value.get(key, "")
    return str(value).strip() or NEUTRAL_TEXTS["ARREARS_PAYMENT_CHANNELS"][key]


# --- the consequences statement ---------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    """The next stage of the case's path, from when (None: when its conditions hold) and its steps."""

    stage: str
    enters_on: date | None
    days_past_due: int | None
    steps: list[tuple[str, date | None]]


def consequences_statement(
    *, case: Case, language: str, today: date, position: ledger.DebtPosition | None = None
) -> str:
    """Return what this debt owes and what happens next in its treatment, calmly, in ``language``.

    Only steps the case's strategy really plans are named: the next stage of its path (with the
    date when its entry is a days-past-due threshold) and that stage's actions that apply to the
    debt (unconditional ones, or conditions on the balance or days past due that hold).
    """
    language = script_language(language)
    with translation.override(language):
        position = position or ledger.get_position(debt=case.debt, as_of=today)
        currency = case.debt.currency
        parts = [
            _("As of %(date)s the balance is %(total)s: %(components)s.")
            % {
                "date": today.isoformat(),
                "total": format_money(Money(position.balances.total, currency), language),
                "components": _components(position.balances.components, currency, language),
            }
        ]
        if position.days_past_due > 0:
            parts.append(
                _("The payment due on %(due_date)s is %(days)d days past due.")
                % {
                    "due_date": _overdue_since(today, position.days_past_due).isoformat(),
                    "days": position.days_past_due,
                }
            )
        if case.debt.penalty_rate > 0 and position.days_past_due > 0:
            parts.append(
                _(
                    "While it stays unpaid, the contract's late-payment penalty of %(rate)s%% a year is charged."
                )
                % {"rate": format(case.debt.penalty_rate.normalize(), "f")}
            )
        parts.append(_next_step_text(next_step(case=case, today=today, position=position)))
        return _sentences(language).join(parts)


def _overdue_since(today: date, days_past_due: int) -> date:
    return today - timedelta(days=days_past_due)


def _components(components: dict[str, Any], currency: str, language: str) -> str:
    shown = [
        f"{str(Component(key).label).lower()} {format_money(Money(amount, currency), language)}"
        for key, amount in components.items()
        if amount
    ]
    return _(", ").join(shown) if shown else "—"


def _next_step_text(step: NextStep | None) -> str:
    if step is None:
        return _("No further step is planned in this case's treatment.")
    stage = str(STAGE_LABELS.get(step.stage, step.stage))
    steps = _("; ").join(
        _("%(date)s: %(what)s") % {"what": what, "date": when.isoformat()} if when else what
        for what, when in step.steps
    )
    if step.enters_on is None:
        text = _(
            "If it stays unpaid, the case may move to the next stage (%(stage)s) once its conditions are met"
        )
        text %= {"stage": stage}
    else:
        text = _(
            "If it is still unpaid on %(date)s (%(days)d days past due), the case moves to the next stage (%(stage)s)"
        )
        text %= {"date": step.enters_on.isoformat(), "days": step.days_past_due or 0, "stage": stage}
    text += (_(": %(steps)s.") % {"steps": steps}) if steps else _(".")
    closing = _(
        "Paying the overdue amount before then stops these steps; if that is difficult, we can discuss a plan."
    )
    return text + _sentences(translation.get_language() or "en") + closing


def _sentences(language: str) -> str:
    """Return what separates two sentences: nothing in Chinese (full-width stops), a space otherwise."""
    return "" if language_key(language) == "zh" else " "


def next_step(*, case: Case, today: date, position: ledger.DebtPosition) -> NextStep | None:
    """Return the next stage of the case's treatment path and its steps, or None (no path or last stage)."""
    stage = _following_stage(case)
    if stage is None:
        return None
    threshold = _threshold(stage.enter_when)
    enters_on = days = None
    if threshold is not None and threshold[0] == "days_past_due":
        days = threshold[1]
        enters_on = today + timedelta(days=max(days - position.days_past_due, 1))
    balance = position.balances.total
    steps = [
        (_describe(action), enters_on + timedelta(days=action.day) if enters_on else None)
        for action in stage.actions
        if _applies(action, balance, days if days is not None else position.days_past_due)
    ]
    return NextStep(stage.id, enters_on, days, steps)


def _following_stage(case: Case) -> Stage | None:
    name = case.strategy.split("@")[0]
    if not (name and case.segment and case.stage):
        return None
    try:
        strategy = versions.get_active_strategy(name)
    except NotFound:
        return None
    segment = next((item for item in strategy.segments if item.id == case.segment), None)
    path = strategy.paths.get(segment.path) if segment else None
    ids = [stage.id for stage in path.stages] if path else []
    if path is None or case.stage not in ids or ids.index(case.stage) + 1 >= len(ids):
        return None
    return path.stages[ids.index(case.stage) + 1]


def _threshold(condition: str) -> tuple[str, int] | None:
    match = THRESHOLD.match(condition)
    return (match.group(1), int(match.group(2))) if match else None


def _applies(action: Action, balance: Any, days_past_due: int) -> bool:
    if action.when is None:
        return True
    threshold = _threshold(action.when)
    if threshold is None:
        return False
    value = balance if threshold[0] == "balance" else days_past_due
    return bool(value >= threshold[1])


def _describe(action: Action) -> str:
    if action.template in TEMPLATE_STEPS:
        return str(TEMPLATE_STEPS[action.template])
    return str(CHANNEL_STEPS.get(action.channel, gettext_lazy("a follow-up by our team")))


# --- linting and the shipped defaults ---------------------------------------------------------


def lint_script(body: str) -> LintResult:
    """Lint a script's text the way a manager's edit is checked: every pack, both languages (a script in
    one language may quote the other), the cautious context; placeholders are left out.
    """
    return lint(PLACEHOLDER.sub(" ", body), language=None, packs=ALL_PACKS, context=LintContext())


@transaction.atomic
def install_defaults(*, actor: Any, now: datetime) -> list[Script]:
    """Store the shipped scripts whose (situation, language) has no active stage-independent script.

    Running it again installs nothing; a script a manager edited or replaced is left as it is.
    """
    installed = []
    for (situation, language), item in sorted(default_scripts().items()):
        if Script.objects.filter(stage="", situation=situation, language=language, is_active=True).exists():
            continue
        installed.append(
            Script.objects.create(
                stage="",
                situation=situation,
                language=language,
                title=item["title"],
                body=item["body"],
                prompts=list(item["prompts"]),
                is_active=True,
                updated_at=now,
                updated_by=actor if getattr(actor, "pk", None) else None,
            )
        )
    if installed:
        record_event(
            actor=actor, action="casework.install_default_scripts", target=("scripts", len(installed)), now=now,
            after={"scripts": [f"{script.situation}/{script.language}" for script in installed]},
        )  # fmt: skip
    return installed
