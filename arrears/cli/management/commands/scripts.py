"""`arrears scripts install-defaults`: store the shipped guided scripts where none is active."""

from __future__ import annotations

from argparse import SUPPRESS, ArgumentParser
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.casework import scripts
from arrears.cli.base import LocalizedCommand


class Command(LocalizedCommand):
    help = "install-defaults: install the default guided scripts (five situations, English and Chinese) where missing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        install = actions.add_parser("install-defaults", help="Install the default guided scripts.")
        install.add_argument(
            "--language", default=SUPPRESS, choices=[code for code, _name in settings.LANGUAGES]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        installed = scripts.install_defaults(actor=None, now=timezone.now())
        self.stdout.write(_("Installed %(count)d default scripts.") % {"count": len(installed)})
