"""`arrears quality install-defaults` and `arrears quality sample [--date D] [--portfolio CODE] [--rate R] [--seed N]`."""

from __future__ import annotations

from argparse import SUPPRESS, ArgumentParser
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.portfolio.models import Portfolio
from arrears.quality import sampling, scorecards


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from exc


def _rate(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise CommandError(_("“%(value)s” is not a rate (0.05 is 5 %%).") % {"value": value}) from exc


class Command(LocalizedCommand):
    help = (
        "install-defaults: give every portfolio without a scorecard the default one (the training manual's "
        "principles and conversation skills). sample: draw the day's QA sample of each portfolio."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        install = actions.add_parser("install-defaults", help="Install the default scorecard where missing.")
        sample = actions.add_parser("sample", help="Draw the QA sample of a day's contacts.")
        sample.add_argument("--date", type=_date, help="The contacts' day (default: yesterday, local).")
        sample.add_argument(
            "--portfolio", help="A portfolio code (default: every portfolio with a scorecard)."
        )
        sample.add_argument(
            "--rate", type=_rate, default=sampling.DEFAULT_RATE, help="Random rate (default 0.05)."
        )
        sample.add_argument(
            "--seed", type=int, help="Seed of the random draw (default: from portfolio and day)."
        )
        languages = [code for code, _name in settings.LANGUAGES]
        for subcommand in (install, sample):
            subcommand.add_argument("--language", default=SUPPRESS, choices=languages)

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["action"] == "install-defaults":
            installed = scorecards.install_defaults(
                portfolios=Portfolio.objects.order_by("code"), actor=None, now=now
            )
            self.stdout.write(
                _("Installed the default scorecard on %(count)d portfolios.") % {"count": len(installed)}
            )
            return
        portfolios = scorecards.list_portfolios_with_scorecard()
        if options["portfolio"]:
            portfolios = Portfolio.objects.filter(code=options["portfolio"])
            if not portfolios.exists():
                raise CommandError(_("No portfolio has the code %(code)s.") % {"code": options["portfolio"]})
        for portfolio in portfolios:
            day = options["date"] or now.astimezone(ZoneInfo(portfolio.time_zone)).date() - timedelta(days=1)
            run = sampling.draw_sample(
                portfolio=portfolio, day=day, rate=options["rate"], seed=options["seed"], actor=None, now=now
            )
            self.stdout.write(
                _("%(portfolio)s %(day)s: %(drawn)d of %(contacts)d contacts drawn (%(counts)s).")
                % {
                    "portfolio": portfolio.code,
                    "day": run.business_date.isoformat(),
                    "drawn": run.drawn,
                    "contacts": run.contacts,
                    "counts": ", ".join(f"{reason} {count}" for reason, count in run.counts.items()) or "—",
                }
            )
