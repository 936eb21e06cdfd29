"""`arrears training install-defaults | validate-scenario FILE`: the shipped course, scenarios and quiz; check a scenario file."""

from __future__ import annotations

from argparse import SUPPRESS, ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arrears.cli.base import LocalizedCommand
from arrears.training import content
from arrears.training.models import MaterialKind


class Command(LocalizedCommand):
    help = (
        "install-defaults: store the shipped course, five practice scenarios and the quiz where missing; "
        "validate-scenario FILE: check a scenario file and list every problem with its line."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        languages = [code for code, _name in settings.LANGUAGES]
        install = actions.add_parser("install-defaults", help="Install the shipped training material.")
        install.add_argument("--language", default=SUPPRESS, choices=languages)
        check = actions.add_parser("validate-scenario", help="Check a scenario file (YAML).")
        check.add_argument("file", help="The scenario file.")
        check.add_argument("--language", default=SUPPRESS, choices=languages)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "install-defaults":
            installed = content.install_defaults(actor=None, now=timezone.now())
            self.stdout.write(_("Installed %(count)d training files.") % {"count": len(installed)})
            for material in installed:
                self.stdout.write(f"  {material}")
            return
        self._validate(Path(options["file"]))

    def _validate(self, path: Path) -> None:
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc}, returncode=2
            ) from exc
        try:
            checked = content.check_material(kind=MaterialKind.SCENARIO, source=source)
        except content.InvalidMaterial as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path.name}, {problem}")
            count = len(exc.problems)
            message = ngettext(
                "%(file)s is not a valid scenario (%(count)d problem).",
                "%(file)s is not a valid scenario (%(count)d problems).",
                count,
            )
            raise CommandError(message % {"file": path.name, "count": count}, returncode=1) from exc
        self.stdout.write(
            _("%(file)s is a valid scenario: %(name)s version %(version)d.")
            % {"file": path.name, "name": checked.slug, "version": checked.version}
        )
