"""`arrears issue_token USER NAME`: create an API bearer token for an integration."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.people import tokens
from arrears.people.models import User


class Command(LocalizedCommand):
    help = "Issue an API token for a user; the token is printed once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="What the token is for, e.g. 'ERP export'.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(
                _("No active user %(name)s.") % {"name": options["username"]}, returncode=2
            ) from None
        raw = tokens.issue_token(user=user, name=options["name"], actor=None, now=timezone.now())
        self.stdout.write(raw)
