"""`arrears cycle run|preview`: the daily cycle of every portfolio (or one), and what it would do.

    arrears cycle run [--date D] [--portfolio CODE] [--partitions N] [--json]
    arrears cycle preview --date D [--portfolio CODE] [--strategy FILE] [--json]

`run` applies the portfolio's active strategy for business date D (default: today on the portfolio's
clock), resumable and idempotent (see `usecases.cycle.run`). `preview` writes nothing; with
`--strategy` it compares the file with the active strategy.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from arrears.cli.base import LocalizedCommand
from arrears.engine.strategy import InvalidStrategy, Strategy, load_strategy_file
from arrears.portfolio.models import Portfolio
from arrears.usecases.cycle.preview import preview_cycle
from arrears.usecases.cycle.run import merge_reports, run_cycle

EXIT_INVALID = 2
REPORT_KEYS = (
    "accounts_evaluated", "cases_opened", "stage_transitions", "penalties_posted", "penalty_total",
    "promises_kept", "promises_broken", "messages_created", "work_items_created",
)  # fmt: skip


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": text}
        ) from None


class Command(LocalizedCommand):
    help = "run: the daily cycle for a business date; preview: what it would do (writes nothing)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        run = actions.add_parser("run", help="Run (or resume) the daily cycle for a business date.")
        run.add_argument("--date", type=_iso_date, help="Business date, YYYY-MM-DD (default: today).")
        run.add_argument("--portfolio", help="A portfolio code (default: every portfolio).")
        run.add_argument("--partitions", type=int, default=1, help="Debtor partitions, each committed alone.")
        run.add_argument("--json", action="store_true", help="Print the report as one JSON object.")
        run.add_argument("--language", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        preview = actions.add_parser(
            "preview", help="Segments, stages, actions and refusals for a date; writes nothing."
        )
        preview.add_argument("--date", type=_iso_date, required=True, help="Business date, YYYY-MM-DD.")
        preview.add_argument("--strategy", type=Path, help="A strategy file to compare with the active one.")
        preview.add_argument("--portfolio", help="A portfolio code (default: every portfolio).")
        preview.add_argument("--json", action="store_true", help="Print one JSON object.")
        preview.add_argument("--language", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        portfolios = _portfolios(options["portfolio"])
        if options["action"] == "run":
            report = self._run(portfolios, options)
            if options["json"]:
                self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str))
            else:
                self.stdout.write(_render_run(report), ending="")
            return
        candidate = _strategy(options["strategy"]) if options["strategy"] else None
        report = preview_cycle(
            portfolios=portfolios, business_date=options["date"], now=timezone.now(), candidate=candidate
        )
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write(_render_preview(report), ending="")

    def _run(self, portfolios: list[Portfolio], options: dict[str, Any]) -> dict[str, Any]:
        now = timezone.now()
        reports = []
        console = Console(file=sys.stderr)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        ) as bar:  # fmt: skip
            for portfolio in portfolios:
                day = options["date"] or now.astimezone(ZoneInfo(portfolio.time_zone)).date()
                task = bar.add_task(f"{portfolio.code} {day}", total=options["partitions"])

                def advance(done: int, total: int, task: Any = task) -> None:
                    bar.update(task, completed=done, total=total)

                reports.append(
                    run_cycle(portfolio=portfolio, business_date=day, now=now, partitions=options["partitions"],
                              progress=advance)
                )  # fmt: skip
        if len(reports) == 1:
            return reports[0]
        merged = merge_reports(reports)
        dates = sorted({report["date"] for report in reports})
        already = all(report.get("already_completed") for report in reports)
        return {"date": dates[0] if len(dates) == 1 else dates, **merged, "already_completed": already,
                "portfolios": reports}  # fmt: skip


def _portfolios(code: str | None) -> list[Portfolio]:
    portfolios = Portfolio.objects.order_by("code")
    if code is not None:
        portfolios = portfolios.filter(code=code)
        if not portfolios.exists():
            raise CommandError(
                _("There is no portfolio with code “%(code)s”.") % {"code": code}, returncode=EXIT_INVALID
            )
    return list(portfolios)


def _strategy(path: Path) -> Strategy:
    try:
        return load_strategy_file(path)
    except InvalidStrategy as exc:
        raise CommandError(str(exc), returncode=EXIT_INVALID) from exc
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc}, returncode=EXIT_INVALID
        ) from exc


def _table(title: str, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in header:
        table.add_column(column)
    for row in rows:
        table.add_row(*("—" if value is None else str(value) for value in row))
    return table


def _render_run(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=140, color_system=None)
    if report.get("already_completed"):
        console.print(_("This date had already run; nothing changed. Its report:"))
    console.print(
        _("Cycle of %(date)s: %(accounts)d accounts in %(seconds)s s.")
        % {
            "date": report["date"],
            "accounts": report["accounts_evaluated"],
            "seconds": report["duration_seconds"],
        }
    )
    console.print(_table(_("Totals"), ("", ""), [(key, report[key]) for key in REPORT_KEYS]))
    for title, key in ((_("By stage"), "by_stage"), (_("Actions planned"), "by_action"),
                       (_("Refusals"), "refusals"), (_("Skipped"), "skipped")):  # fmt: skip
        if report.get(key):
            console.print(_table(title, ("", "accounts"), list(report[key].items())))
    return buffer.getvalue()


def _render_preview(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=140, color_system=None)
    console.print(
        _(
            "%(strategy)s on %(date)s: %(accounts)d accounts, %(transitions)d stage transitions (preview, nothing written)."
        )
        % {
            "strategy": report["strategy"], "date": report["as_of"], "accounts": report["accounts"],
            "transitions": report["transitions"],
        }
    )  # fmt: skip
    for title, key, columns in (
        (_("By segment"), "by_segment", ("segment",)),
        (_("By stage"), "by_stage", ("stage",)),
        (_("Actions due"), "by_action", ("action_rule",)),
    ):
        rows = [tuple(row[column] for column in (*columns, "accounts")) for row in report[key]]
        console.print(_table(title, (*columns, "accounts"), rows))
    if report["refusals"]:
        console.print(_table(_("Refusals"), ("reason", "actions"), list(report["refusals"].items())))
    rows = [
        (sample["debt_id"], sample["segment"], f"{sample['stage_from'] or '—'} → {sample['stage'] or '—'}",
         sample["transition_condition"] or "", "\n".join(sample["actions"]))
        for sample in report["samples"]
    ]  # fmt: skip
    console.print(_table(_("Sample cases"), ("debt", "segment", "stage", "why", "actions"), rows))
    difference = report.get("difference")
    if difference:
        console.print(
            _("Against %(active)s: %(segments)d accounts change segment, %(stages)d change stage, %(actions)d change actions.")
            % {"active": difference["active"], "segments": difference["segment_changed"],
               "stages": difference["stage_changed"], "actions": difference["actions_changed"]}
        )  # fmt: skip
        rows = [(row["stage"], row["active"], row["candidate"]) for row in difference["by_stage"]]
        console.print(_table(_("Accounts by stage"), ("stage", "active", "candidate"), rows))
    return buffer.getvalue()
