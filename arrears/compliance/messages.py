"""What the compliance engine's problems and codes say to a person, in their language."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from arrears.compliance.rules import reasons
from arrears.compliance.rules.scenario import Problem, ScenarioError


def describe_problem(error: ScenarioError) -> str:
    """Return one sentence naming the field of a scenario and what is wrong with it."""
    problems = {
        Problem.MISSING: _("is required"),
        Problem.NOT_A_MAPPING: _("must be a mapping of fields"),
        Problem.NOT_A_LIST: _("must be a list"),
        Problem.NOT_TEXT: _("must be text"),
        Problem.NOT_A_BOOLEAN: _("must be true or false"),
        Problem.NAIVE_TIME: _("has no UTC offset; write e.g. 2024-03-04T14:10:00-05:00"),
        Problem.BAD_TIME: _("is not an ISO-8601 date and time"),
        Problem.BAD_LOCAL_TIME: _('is not a local time written "HH:MM"'),
        Problem.UNKNOWN_ZONE: _("is not a known IANA time zone"),
        Problem.UNKNOWN_VALUE: _("is not one of the allowed values"),
        Problem.UNKNOWN_PERSON: _("names a person who is neither the consumer nor a listed third party"),
        Problem.UNKNOWN_DEBT: _("names a debt that is not listed under debts"),
        Problem.UNKNOWN_PACK: _("names an unknown rule pack"),
        Problem.DUPLICATE_ID: _("repeats an id that is already used"),
        Problem.INVALID_RULE: _("is not a valid rule"),
        Problem.END_BEFORE_START: _("must be later than the start"),
    }
    detail = f" — {error.detail}" if error.detail else ""
    return f"{error.field}: {problems[error.problem]}{detail}"


def explain(code: str) -> str:
    """Return what a reason code means, in the active language."""
    return reasons.explain(code, get_language() or "en")


def unknown_pack(name: str, known: Iterable[str]) -> str:
    """Return a sentence naming the unknown pack and the packs that exist."""
    return _("Unknown rule pack %(name)r; the packs are: %(known)s.") % {
        "name": name,
        "known": ", ".join(sorted(known)),
    }
