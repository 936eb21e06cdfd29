"""`arrears portal link --debtor ID`: print a new link to the debtor self-service portal (support staff, the demo)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.portfolio.models import Debtor
from arrears.usecases import portal_access


class Command(LocalizedCommand):
    help = "Issue a debtor a link to the self-service portal."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        link = actions.add_parser("link", help=_("Print a new portal link for a debtor."))
        link.add_argument("--debtor", type=int, required=True, help=_("The debtor's id."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            debtor = Debtor.objects.select_related("portfolio").get(pk=options["debtor"])
        except Debtor.DoesNotExist:
            raise CommandError(_("No debtor %(id)s.") % {"id": options["debtor"]}, returncode=2) from None
        issued = portal_access.issue_link(debtor=debtor, now=timezone.now(), source="cli", actor=None)
        self.stdout.write(issued.url)
        self.stderr.write(
            _("Valid until %(moment)s (UTC); it opens one session after the identity question.")
            % {"moment": issued.expires_at.strftime("%Y-%m-%d %H:%M")}
        )
