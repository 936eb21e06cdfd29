"""Course, scenario and quiz files stored as versions: save (checked first), read the active ones, install the defaults.

Saving a file checks it whole — a scenario with an unknown target, an unreachable node or a dead
end is refused with the line of each problem and nothing is stored. A saved version becomes the
active one of its name; the one before stays for the sessions and attempts that used it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.training.course import Course, default_text, load_course
from arrears.training.documents import InvalidDocument
from arrears.training.models import Material, MaterialKind
from arrears.training.quiz import Quiz, load_quiz
from arrears.training.scenarios import Scenario, load_scenario

DEFAULT_FILES: tuple[tuple[str, str], ...] = (
    (MaterialKind.COURSE, "course.yaml"),
    (MaterialKind.QUIZ, "quiz.yaml"),
    *((MaterialKind.SCENARIO, f"scenarios/{name}.yaml") for name in ("forgot", "hardship", "dispute", "refusal", "clerk")),
)  # fmt: skip


class InvalidMaterial(DomainError):
    """A training file that does not validate; ``problems`` name the line of each."""

    def __init__(self, problems: list[str]) -> None:
        count = len(problems)
        message = ngettext("The file has %(count)d problem:", "The file has %(count)d problems:", count)
        super().__init__(f"{message % {'count': count}} {'; '.join(problems)}")
        self.problems = problems


@dataclass(frozen=True)
class Checked:
    """A checked file: its kind, name, version and the parsed model."""

    kind: str
    slug: str
    version: int
    document: Course | Scenario | Quiz


def may_manage(user: Any) -> bool:
    """Return whether ``user`` may edit courses, scenarios and quizzes (the manage_quality capability)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or user.can(Capability.MANAGE_QUALITY))
    )


def check_material(*, kind: str, source: str) -> Checked:
    """Check a file of ``kind`` and return it parsed.

    :raises InvalidMaterial: listing every problem with its line.
    """
    try:
        if kind == MaterialKind.COURSE:
            course = _course(source)
            return Checked(kind, course.course, course.version, course)
        if kind == MaterialKind.QUIZ:
            quiz = _quiz(source)
            return Checked(kind, quiz.quiz, quiz.version, quiz)
        if kind == MaterialKind.SCENARIO:
            scenario = _scenario(source)
            return Checked(kind, scenario.scenario, scenario.version, scenario)
    except InvalidDocument as exc:
        raise InvalidMaterial(exc.problems) from exc
    raise NotFound(_("No such kind of training material."))


@transaction.atomic
def save_material(*, kind: str, source: str, actor: Any, now: datetime) -> Material:
    """Store a checked file as the active version of its name; the previous version is kept, inactive.

    :raises PermissionDenied: when ``actor`` may not manage training.
    :raises InvalidMaterial: listing every problem with its line; nothing is stored.
    :raises InvalidMaterial: when the version is not above the stored ones.
    """
    if actor is not None and not may_manage(actor):
        raise PermissionDenied(_("Only quality managers may edit training material."))
    checked = check_material(kind=kind, source=source)
    stored = Material.objects.select_for_update().filter(kind=kind, slug=checked.slug).order_by("-version")
    latest = stored.first()
    if latest is not None and checked.version <= latest.version:
        raise InvalidMaterial(
            [_("version %(version)d is stored already; give the file version %(next)d or above")
             % {"version": checked.version, "next": latest.version + 1}]
        )  # fmt: skip
    stored.filter(is_active=True).update(is_active=False)
    material = Material.objects.create(
        kind=kind, slug=checked.slug, version=checked.version, source=source, is_active=True, created_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
    )  # fmt: skip
    record_event(
        actor=actor, action=f"training.save_{kind}", target=material, now=now,
        before={"active": f"{latest.slug}@{latest.version}" if latest else None},
        after={"active": f"{material.slug}@{material.version}"},
    )  # fmt: skip
    return material


def install_defaults(*, actor: Any, now: datetime) -> list[Material]:
    """Store each shipped file whose name has no version yet; return what was stored."""
    installed = []
    for kind, name in DEFAULT_FILES:
        source = default_text(name)
        checked = check_material(kind=kind, source=source)
        if not Material.objects.filter(kind=kind, slug=checked.slug).exists():
            installed.append(save_material(kind=kind, source=source, actor=actor, now=now))
    return installed


def list_active(kind: str) -> list[Material]:
    """Return the active versions of ``kind``, by name."""
    return list(Material.objects.filter(kind=kind, is_active=True).order_by("slug"))


def get_material(*, kind: str, slug: str) -> Material:
    """Return the active version of ``kind`` named ``slug``.

    :raises NotFound: when there is none.
    """
    material = Material.objects.filter(kind=kind, slug=slug, is_active=True).order_by("pk").first()
    if material is None:
        raise NotFound(
            _("No active %(kind)s named “%(name)s”.") % {"kind": MaterialKind(kind).label, "name": slug}
        )
    return material


def active_course() -> tuple[Material, Course]:
    """Return the active course (the first by name when several are stored).

    :raises NotFound: when none is installed.
    """
    material = _first_active(MaterialKind.COURSE)
    return material, _course(material.source)


def active_quiz() -> tuple[Material, Quiz]:
    """Return the active quiz (the first by name).

    :raises NotFound: when none is installed.
    """
    material = _first_active(MaterialKind.QUIZ)
    return material, _quiz(material.source)


def scenario_of(material: Material) -> Scenario:
    """Return the stored scenario ``material`` parsed (it was checked when saved)."""
    return _scenario(material.source)


# A file's text always parses to the same model (stored versions never change); parsing takes ≈70 ms.
@lru_cache(maxsize=64)
def _scenario(source: str) -> Scenario:
    return load_scenario(source, source="scenario")


@lru_cache(maxsize=8)
def _course(source: str) -> Course:
    return load_course(source, source="course")


@lru_cache(maxsize=8)
def _quiz(source: str) -> Quiz:
    return load_quiz(source, source="quiz")


def _first_active(kind: str) -> Material:
    material = Material.objects.filter(kind=kind, is_active=True).order_by("slug").first()
    if material is None:
        raise NotFound(
            _("No %(kind)s is installed: run “arrears training install-defaults”.")
            % {"kind": MaterialKind(kind).label}
        )
    return material
