"""`arrears portal link --debtor ID`: issue a debtor a portal link; `arrears portal revoke --debtor ID`: withdraw them."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.portal import access
from arrears.portfolio.models import Debtor


class Command(LocalizedCommand):
    help = "Issue or revoke a debtor's links to the self-service portal."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        link = actions.add_parser("link", help=_("Print a new portal link for a debtor (for support staff)."))
        link.add_argument("--debtor", type=int, required=True, help=_("The debtor's id."))
        revoke = actions.add_parser("revoke", help=_("Withdraw every portal link a debtor was given so far."))
        revoke.add_argument("--debtor", type=int, required=True, help=_("The debtor's id."))
        revoke.add_argument("--reason", default="", help=_("Why, for the audit log."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            debtor = Debtor.objects.select_related("portfolio").get(pk=options["debtor"])
        except Debtor.DoesNotExist:
            raise CommandError(_("No debtor %(id)s.") % {"id": options["debtor"]}, returncode=2) from None
        now = timezone.now()
        if options["action"] == "revoke":
            access.revoke_links(debtor=debtor, now=now, actor=None, reason=options["reason"])
            self.stdout.write(
                _("Every earlier portal link of debtor %(id)s is withdrawn.") % {"id": debtor.pk}
            )
            return
        issued = access.issue_link(debtor=debtor, now=now, source="cli", actor=None)
        self.stdout.write(access.absolute_url(issued.path))
        self.stderr.write(
            _("Valid until %(moment)s (UTC); it opens one session.")
            % {"moment": issued.link.expires_at.strftime("%Y-%m-%d %H:%M")},
            self.style.NOTICE,
        )
