"""`arrears plan quote --principal P --annual-rate R --months N --method M [--start D] [--currency C] [--json]`.

Quotes an instalment plan (docs/plans.md) with `casework.calculator` and prints it as a table with
its totals, or as the JSON of `POST /api/v1/plans/quote`. Writes nothing.

Values are read as text and checked in `handle`, not by argparse types: argparse runs before
`--language` takes effect and exits with its own code, while a refusal here names the option in the
user's language and exits with code 2.
"""

from __future__ import annotations

import argparse
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rich.console import Console
from rich.table import Table

from arrears.casework import calculator
from arrears.cli.base import LocalizedCommand
from arrears.core.money import InvalidAmount, parse_amount

EXIT_INVALID = 2


class Command(LocalizedCommand):
    help = gettext_noop("quote: the monthly instalments, interest and totals of a plan (writes nothing).")

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        # argparse needs a plain str, and the class is built before any language is active.
        self.help = _(type(self).help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        quote = actions.add_parser(
            "quote", help=_("Quote an instalment plan: equal instalments or equal principal.")
        )
        quote.add_argument("--principal", required=True, help=_("The amount lent, e.g. 100000.00."))
        quote.add_argument(
            "--annual-rate",
            required=True,
            help=_("Interest in percent a year: 12 means 12 %%; the monthly rate is a twelfth."),
        )
        quote.add_argument("--months", required=True, help=_("Number of monthly instalments, 1 to 360."))
        quote.add_argument(
            "--method",
            required=True,
            metavar="{equal-instalment,equal-principal}",
            help=_(
                "equal-instalment: the same payment each month (等额本息); "
                "equal-principal: the same principal each month plus interest (等额本金)."
            ),
        )
        quote.add_argument(
            "--start",
            help=_("First due date, YYYY-MM-DD (default: one month from today)."),
        )
        quote.add_argument("--currency", default="CNY", help=_("ISO 4217 code (default: CNY)."))
        quote.add_argument("--json", action="store_true", help=_("Print one JSON object."))
        quote.add_argument("--language", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            quote = calculator.quote_plan(
                principal=_decimal(options["principal"], "--principal"),
                annual_rate_percent=_decimal(options["annual_rate"], "--annual-rate"),
                months=_months(options["months"]),
                method=options["method"],
                first_due=_first_due(options["start"]),
                currency=options["currency"],
            )
        except calculator.InvalidPlan as exc:
            raise CommandError(exc.describe(_, _option(exc.field)), returncode=EXIT_INVALID) from exc
        if options["json"]:
            self.stdout.write(json.dumps(calculator.as_json(quote), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(quote), ending="")


def _option(field: str) -> str:
    return "--" + field.replace("_", "-")


def _decimal(text: str, option: str) -> Decimal:
    try:
        return parse_amount(text)
    except InvalidAmount:
        raise CommandError(
            _("%(field)s must be a number, not “%(value)s”.") % {"field": option, "value": text},
            returncode=EXIT_INVALID,
        ) from None


def _months(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise CommandError(
            _("%(field)s must be a whole number of months from 1 to %(maximum)d.")
            % {"field": "--months", "maximum": calculator.MAX_MONTHS},
            returncode=EXIT_INVALID,
        ) from None


def _first_due(text: str | None) -> date:
    if text is None:
        return calculator.default_first_due(timezone.localdate())
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problem = _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": text}
        raise CommandError(f"--start: {problem}", returncode=EXIT_INVALID) from None


def _method_label(method: calculator.Method) -> str:
    if method is calculator.Method.EQUAL_INSTALMENT:
        return _("Equal instalment (the same payment each month)")
    return _("Equal principal (the same principal each month, interest on top)")


def render(quote: calculator.PlanQuote) -> str:
    """Return ``quote`` as a table of its instalments followed by its totals."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, color_system=None)
    console.print(
        _("%(method)s: %(principal)s %(currency)s at %(rate)s %% a year over %(months)d months.")
        % {
            "method": _method_label(quote.method),
            "principal": f"{quote.principal:,}",
            "currency": quote.currency,
            "rate": quote.annual_rate_percent,
            "months": quote.months,
        }
    )
    table = Table()
    table.add_column(_("No."), justify="right")
    table.add_column(_("Due date"))
    for heading in (_("Payment"), _("Principal"), _("Interest"), _("Balance")):
        table.add_column(heading, justify="right")
    for item in quote.instalments:
        amounts = (item.payment, item.principal, item.interest, item.balance)
        table.add_row(str(item.number), item.due_date.isoformat(), *(f"{amount:,}" for amount in amounts))
    console.print(table)
    console.print(
        _("Total payment: %(amount)s %(currency)s")
        % {"amount": f"{quote.total_payment:,}", "currency": quote.currency}
    )
    console.print(
        _("Total interest: %(amount)s %(currency)s")
        % {"amount": f"{quote.total_interest:,}", "currency": quote.currency}
    )
    return buffer.getvalue()
