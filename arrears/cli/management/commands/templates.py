"""`arrears templates install-defaults` and `arrears templates preview PURPOSE CHANNEL LANGUAGE --debt REF`."""

from __future__ import annotations

from argparse import SUPPRESS, ArgumentParser
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.comms import defaults, templates
from arrears.comms import queries as comms_queries
from arrears.comms.models import MessageChannel, Purpose


class Command(LocalizedCommand):
    help = (
        "install-defaults: install the default templates (approved version 1) where missing. "
        "preview: print a template's approved text rendered for one debt."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        install = actions.add_parser("install-defaults", help="Install the default templates.")
        preview = actions.add_parser("preview", help="Render the approved version for a debt.")
        preview.add_argument("purpose", choices=Purpose.values)
        preview.add_argument("channel", choices=MessageChannel.values)
        preview.add_argument("language", help="en or zh-hans")
        preview.add_argument("--debt", required=True, metavar="EXTERNAL_REF", help="The debt's reference.")
        preview.add_argument("--portfolio", default="", metavar="CODE", help="When references repeat.")
        preview.add_argument("--stage", default="", help="The template's stage (default: none).")
        preview.add_argument("--as-of", type=date.fromisoformat, help="Date of the message (default: today).")
        languages = [code for code, _name in settings.LANGUAGES]
        for subcommand in (install, preview):
            subcommand.add_argument("--language", default=SUPPRESS, choices=languages)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "install-defaults":
            installed = defaults.install_default_templates(now=timezone.now())
            self.stdout.write(_("Installed %(count)d default templates.") % {"count": len(installed)})
            return
        self._preview(options)

    def _preview(self, options: dict[str, Any]) -> None:
        version = templates.get_sendable_version(
            purpose=options["purpose"], channel=options["channel"], language=options["language"],
            stage=options["stage"],
        )  # fmt: skip
        debt = comms_queries.get_debt_by_reference(
            user=None, reference=options["debt"], portfolio_code=options["portfolio"]
        )
        shown = templates.preview(
            subject=version.subject, body=version.body, channel=version.template.channel,
            language=version.template.language, debt=debt, as_of=options["as_of"] or timezone.localdate(),
        )  # fmt: skip
        if shown.rendered.subject:
            self.stdout.write(shown.rendered.subject)
            self.stdout.write("")
        self.stdout.write(shown.rendered.body)
        for hit in shown.hits:
            self.stderr.write(f"{hit.severity} {hit.rule_id} {hit.matched}".rstrip())
        if shown.is_blocked:
            raise CommandError(_("The content check blocks this text."), returncode=1)
