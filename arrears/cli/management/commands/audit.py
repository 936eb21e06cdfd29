"""`arrears audit verify`: walk the hash chain and name the first altered or deleted event."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.core.audit.verify import verify_chain


class Command(LocalizedCommand):
    help = "Verify the audit log's hash chain (exit code 1 when it was tampered with)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.is_intact:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Audit chain intact: %(count)d events checked.") % {"count": report.checked}
                )
            )
            return
        self.stderr.write(
            self.style.ERROR(
                _("Audit chain broken after %(count)d good events: %(problem)s")
                % {"count": report.checked, "problem": report.problem}
            )
        )
        raise SystemExit(1)
