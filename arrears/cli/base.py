"""The base of Arrears' commands: messages in the user's language, domain errors without tracebacks."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from arrears.core.errors import DomainError


class LocalizedCommand(BaseCommand):
    """A command that speaks ``--language`` (default: LANGUAGE_CODE) and turns domain errors into messages."""

    leave_locale_alone = True

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of messages (en, zh-hans).",
        )
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare the command's own arguments."""

    def execute(self, *args: Any, **options: Any) -> Any:
        with translation.override(options.get("language") or settings.LANGUAGE_CODE):
            try:
                return super().execute(*args, **options)
            except DomainError as exc:
                raise CommandError(str(exc), returncode=2) from exc
