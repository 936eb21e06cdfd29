"""``arrears import debts|payments FILE --portfolio CODE``: load a file, show a summary, report rejected rows."""

from __future__ import annotations

import csv
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.console import Console
from rich.table import Table

from arrears.cli.base import LocalizedCommand
from arrears.portfolio import imports
from arrears.portfolio.models import Portfolio

IMPORTERS = {"debts": imports.import_debts, "payments": imports.import_payments}
EXIT_REJECTED, EXIT_UNREADABLE = 1, 2


class Command(LocalizedCommand):
    help = (
        "Import debts or payments from a CSV (UTF-8 or GB18030) or XLSX file. "
        "Exit code 0: all rows accepted; 1: some rows rejected (see the report); 2: file or portfolio unusable."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="What the file holds.")
        parser.add_argument("file", type=Path, help="CSV or XLSX file with a header row.")
        parser.add_argument("--portfolio", required=True, help="Code of the portfolio to import into.")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; change nothing.")
        parser.add_argument("--strict", action="store_true", help="Apply nothing if any row is rejected.")
        parser.add_argument(
            "--report", type=Path, help="Where to write rejected rows (default: FILE.rejected.csv)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        portfolio = _portfolio(options["portfolio"])
        path: Path = options["file"]
        console = Console(file=self.stdout, highlight=False)  # type: ignore[arg-type]
        with console.status(_("Importing %(name)s …") % {"name": path.name}):
            try:
                result = IMPORTERS[options["kind"]](
                    portfolio=portfolio,
                    source=path,
                    file_name=path.name,
                    dry_run=options["dry_run"],
                    strict=options["strict"],
                    actor=None,
                    now=timezone.now(),
                )
            except DatabaseError as exc:
                raise CommandError(
                    _("The database refused the import: %(reason)s") % {"reason": exc},
                    returncode=EXIT_UNREADABLE,
                ) from None
        console.print(_summary(result, options["kind"]))
        if result.is_clean:
            return
        report = options["report"] or path.with_name(f"{path.name}.rejected.csv")
        write_report(result.rejected, report)
        raise CommandError(
            ngettext(
                "%(count)d problem found; the rejected rows are listed in %(report)s.",
                "%(count)d problems found; the rejected rows are listed in %(report)s.",
                len(result.rejected),
            )
            % {"count": len(result.rejected), "report": report},
            returncode=EXIT_REJECTED,
        )


def _portfolio(code: str) -> Portfolio:
    try:
        return Portfolio.objects.get(code=code)
    except Portfolio.DoesNotExist:
        raise CommandError(
            _("There is no portfolio with code “%(code)s”.") % {"code": code}, returncode=2
        ) from None


def _summary(result: imports.ImportResult, kind: str) -> Table:
    title = _("Debts import") if kind == "debts" else _("Payments import")
    table = Table(title=title if result.applied else f"{title} — {_('nothing was changed')}")
    table.add_column(_("Rows"), justify="left")
    table.add_column(_("Count"), justify="right")
    for label, count in (
        (_("In the file"), result.total),
        (_("Accepted"), result.accepted),
        (_("New"), result.inserted),
        (_("Updated"), result.updated),
        (_("Unchanged"), result.unchanged),
        (_("Rejected"), result.rejected_rows),
    ):
        table.add_row(label, f"{count:,}")
    return table


def write_report(errors: list[imports.RowError], path: Path) -> None:
    """Write the rejected rows to ``path`` as UTF-8 CSV (with a BOM, so spreadsheet programs read Chinese)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "message"])
        writer.writerows([error.row, error.column, error.value, error.message] for error in errors)
