"""``arrears demo``: load the demo portfolios and users, and print the logins and counts."""

from __future__ import annotations

import argparse
import io
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from arrears.core.errors import DomainError
from arrears.usecases.demo import load
from arrears.usecases.demo.generate import PORTFOLIOS
from arrears.usecases.demo.users import DemoUser


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": text}
        ) from None


class Command(BaseCommand):
    help = "Load deterministic demo portfolios (CN, US, UK), debts, payments and one user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=42, help=_("Random seed; the same seed gives the same data.")
        )
        parser.add_argument(
            "--debtors", type=int, default=2000, help=_("How many debtors across the portfolios.")
        )
        parser.add_argument(
            "--as-of", type=_iso_date, default=None, help=_("Business date (default: today).")
        )
        parser.add_argument("--no-users", action="store_true", help=_("Do not create the demo users."))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["debtors"] < len(PORTFOLIOS):
            raise CommandError(_("Ask for at least %(count)d debtors.") % {"count": len(PORTFOLIOS)})
        now = timezone.now()
        started = time.perf_counter()
        try:
            summary = load.load_demo(
                seed=options["seed"],
                debtors=options["debtors"],
                as_of=options["as_of"] or now.date(),
                with_users=not options["no_users"],
                now=now,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self._render(summary, time.perf_counter() - started)

    def _render(self, summary: load.DemoSummary, seconds: float) -> None:
        buffer = io.StringIO()
        console = Console(file=buffer, width=110, color_system=None)
        if summary.users:
            console.print(_logins_table(summary.users))
        console.print(_counts_table(summary))
        debtors = sum(item.debtors for item in summary.portfolios)
        console.print(
            _("Loaded seed %(seed)d as of %(as_of)s in %(seconds).1f s (%(rate).0f debtors/s).")
            % {
                "seed": summary.seed,
                "as_of": summary.as_of.isoformat(),
                "seconds": seconds,
                "rate": debtors / seconds if seconds else 0.0,
            }
        )
        self.stdout.write(buffer.getvalue(), ending="")


def _logins_table(users: list[DemoUser]) -> Table:
    table = Table(title=_("Demo logins (development only: these passwords are public)"))
    for column in (_("Login"), _("Password"), _("Role"), _("Portfolios"), _("New")):
        table.add_column(column)
    for user in users:
        login = user.login
        table.add_row(login.username, login.password, str(login.role.label), ", ".join(login.portfolios),
                      _("yes") if user.created else _("no"))  # fmt: skip
    return table


def _counts_table(summary: load.DemoSummary) -> Table:
    table = Table(title=_("Demo portfolios"))
    columns = (_("Portfolio"), _("Debtors"), _("Debts"), _("Payments"), _("Contact persons"), _("Hardship"),
               _("New debts"), _("New payments"))  # fmt: skip
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for item in summary.portfolios:
        table.add_row(item.code, *(str(value) for value in (
            item.debtors, item.debts, item.payments, item.contact_persons, item.hardship_cases,
            item.debts_inserted, item.payments_inserted,
        )))  # fmt: skip
    return table
