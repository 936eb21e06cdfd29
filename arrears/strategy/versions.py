"""Strategy versions: save a file as a draft, activate it, read the active one, compare two versions.

A version is validated when it is saved and again when it is activated, so an invalid strategy never
reaches a run. Each action writes one audit event.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound
from arrears.engine.strategy import InvalidStrategy, Strategy, default_strategy, load_strategy
from arrears.strategy.models import StrategyVersion, VersionStatus


class VersionExists(DomainError):
    """A version with that strategy name and version text is already stored."""


def save_version(*, source: str, actor: Any, now: datetime, note: str = "") -> StrategyVersion:
    """Store a strategy file as a draft version, after checking it.

    :raises InvalidStrategy: listing every problem with its line and field.
    :raises VersionExists: when the file's name and version are stored already.
    """
    strategy = load_strategy(source)
    try:
        with transaction.atomic():
            version = StrategyVersion.objects.create(
                name=strategy.strategy, version=strategy.version, source=source, note=note[:200],
                created_at=now, created_by=actor if getattr(actor, "pk", None) else None,
            )  # fmt: skip
            record_event(
                actor=actor, action="strategy.save_version", target=version, now=now,
                after={"strategy": strategy.label},
            )  # fmt: skip
    except IntegrityError:
        raise VersionExists(
            _("%(strategy)s is already stored; give the file a new version.") % {"strategy": strategy.label}
        ) from None
    return version


@transaction.atomic
def activate_version(*, version: StrategyVersion, actor: Any, now: datetime) -> StrategyVersion:
    """Make ``version`` the active one of its strategy; the previously active one is retired.

    :raises InvalidStrategy: when the stored file no longer validates (for example after a field was removed).
    """
    load_strategy(version.source, source=str(version))
    previous = list(
        StrategyVersion.objects.select_for_update().filter(name=version.name, status=VersionStatus.ACTIVE)
    )
    StrategyVersion.objects.filter(pk__in=[item.pk for item in previous]).update(status=VersionStatus.RETIRED)
    version.status, version.activated_at = VersionStatus.ACTIVE, now
    version.save(update_fields=["status", "activated_at"])
    record_event(
        actor=actor, action="strategy.activate_version", target=version, now=now,
        before={"active": [str(item) for item in previous]}, after={"active": str(version)},
    )  # fmt: skip
    return version


def get_active_strategy(name: str) -> Strategy:
    """Return the active version of the named strategy; the shipped default when ``default`` has none stored.

    :raises NotFound: when no version of ``name`` is active (and it is not ``default``).
    """
    version = StrategyVersion.objects.filter(name=name, status=VersionStatus.ACTIVE).order_by("pk").first()
    if version is None:
        if name == default_strategy().strategy:
            return default_strategy()
        raise NotFound(_("No version of the strategy “%(name)s” is active.") % {"name": name})
    return load_strategy(version.source, source=str(version))


def get_challengers(champion: Strategy) -> dict[str, Strategy]:
    """Return the active strategy of each challenger the champion names.

    :raises NotFound: naming a challenger without an active version.
    """
    return {item.strategy: get_active_strategy(item.strategy) for item in champion.challengers}


def diff_versions(old: str, new: str, *, old_label: str = "active", new_label: str = "new") -> str:
    """Return a unified diff of two strategy files, line by line."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=old_label, tofile=new_label
        )
    )


__all__ = [
    "InvalidStrategy", "VersionExists", "activate_version", "diff_versions", "get_active_strategy",
    "get_challengers", "save_version",
]  # fmt: skip
