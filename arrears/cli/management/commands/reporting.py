"""`arrears reporting refresh|snapshot|export|send-summary`: reporting's facts, positions, exports and e-mail.

    arrears reporting refresh [--since D] [--until D]
    arrears reporting snapshot [--date D] [--portfolio CODE]
    arrears reporting export (--kpi NAME | --dashboard NAME) --format csv|xlsx --out FILE
                             [--portfolio CODE] [--team ID] [--product P] [--since D] [--until D]
    arrears reporting send-summary [--date D]

`refresh` rewrites the facts of a range of days (default: the last 7); `snapshot` records each open
debt's bucket on a date (default: yesterday; month ends are kept); `send-summary` e-mails a day's
summary to the supervisors once. The worker does all three every day (docs/reporting.md).
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.cli.base import LocalizedCommand
from arrears.comms.gateways.registry import build_gateways
from arrears.reporting import exports, summary
from arrears.reporting.filters import build_command_filter
from arrears.reporting.kpis import DASHBOARDS, KPIS, run_dashboard, run_kpi
from arrears.usecases import reporting_daily


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": text}
        ) from None


class Command(LocalizedCommand):
    help = "refresh facts, snapshot positions, export a KPI or dashboard, send the daily summary."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        refresh = actions.add_parser("refresh", help="Rewrite the facts of a range of days.")
        refresh.add_argument("--since", type=_iso_date, help="First day (default: 6 days before --until).")
        refresh.add_argument("--until", type=_iso_date, help="Last day (default: today).")
        snapshot = actions.add_parser(
            "snapshot", help="Record each open debt's bucket and balance on a date."
        )
        snapshot.add_argument("--date", type=_iso_date, help="The date (default: yesterday).")
        snapshot.add_argument("--portfolio", action="append", help="A portfolio code (default: every one).")
        export = actions.add_parser("export", help="Write a KPI or a dashboard as CSV or XLSX.")
        which = export.add_mutually_exclusive_group(required=True)
        which.add_argument("--kpi", choices=sorted(KPIS))
        which.add_argument("--dashboard", choices=sorted(DASHBOARDS))
        export.add_argument("--format", choices=exports.FORMATS, required=True)
        export.add_argument("--out", type=Path, required=True, help="The file to write.")
        export.add_argument("--portfolio", help="A portfolio code (default: every portfolio).")
        export.add_argument("--team", type=int, help="A team id (0: cases without a team).")
        export.add_argument("--product", default="", help="A product, e.g. credit_card.")
        export.add_argument("--since", type=_iso_date, help="First day (default: 29 days before --until).")
        export.add_argument("--until", type=_iso_date, help="Last day (default: today).")
        send = actions.add_parser(
            "send-summary", help="E-mail a day's summary to the supervisors (once a day)."
        )
        send.add_argument("--date", type=_iso_date, help="The day (default: yesterday).")
        for sub in (refresh, snapshot, export, send):
            sub.add_argument("--language", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        action = options["action"]
        if action == "refresh":
            until = options["until"] or today
            since = options["since"] or until - timedelta(days=reporting_daily.REFRESH_DAYS - 1)
            written = reporting_daily.refresh(since=since, until=until)
            self.stdout.write(_("%(count)d facts written for %(since)s to %(until)s.") % {
                "count": written, "since": since, "until": until})  # fmt: skip
        elif action == "snapshot":
            as_of = options["date"] or today - timedelta(days=1)
            recorded = reporting_daily.take_snapshot(as_of=as_of, portfolio_codes=options["portfolio"])
            self.stdout.write(
                _("%(count)d positions recorded on %(date)s.") % {"count": recorded, "date": as_of}
            )
        elif action == "export":
            self._export(options, today)
        else:
            day = options["date"] or today - timedelta(days=1)
            report = summary.send_daily_summary(
                day=day, gateway=build_gateways()["email"], now=timezone.now()
            )
            if report.recipients:
                self.stdout.write(
                    _("Summary of %(day)s sent to %(to)s.") % {"day": day, "to": ", ".join(report.recipients)}
                )
            else:
                self.stdout.write(
                    _("Summary of %(day)s: nothing sent (already sent, or no supervisor with an e-mail).")
                    % {"day": day}
                )

    def _export(self, options: dict[str, Any], today: date) -> None:
        report = build_command_filter(
            today=today, portfolio_code=options["portfolio"], team=options["team"], product=options["product"],
            since=options["since"], until=options["until"],
        )  # fmt: skip
        tables = (
            [run_kpi(options["kpi"], report)]
            if options["kpi"]
            else run_dashboard(options["dashboard"], report)
        )
        options["out"].write_bytes(exports.export_tables(tables, file_format=options["format"]))
        self.stdout.write(_("Wrote %(path)s.") % {"path": options["out"]})
