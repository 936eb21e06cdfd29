"""`arrears cycle preview --date D [--strategy FILE] [--portfolio CODE] [--json]`: what a strategy would do.

Builds the account snapshot from the database, runs the pure engine and prints the counts by
segment, stage and action with sample cases. Writes nothing.

The snapshot here reads balances and days past due through `portfolio.ledger` one portfolio at a
time, which suits demo-sized data; the at-scale snapshot (set-based SQL into Polars, in
`usecases.cycle`) comes with the cycle run. Case facts the platform does not hold yet (stage, days
in stage, delinquency reason, broken promises, score, last contact, key customer) are null.
"""

from __future__ import annotations

import argparse
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from arrears.cli.base import LocalizedCommand
from arrears.engine.evaluate import evaluate, planned_actions
from arrears.engine.fields import snapshot_frame
from arrears.engine.strategy import InvalidStrategy, Strategy, default_strategy, load_strategy_file
from arrears.portfolio import ledger
from arrears.portfolio.choices import DebtStatus
from arrears.portfolio.models import Debt, Portfolio

EXIT_INVALID = 2
CLOSED_STATUSES = (DebtStatus.SETTLED, DebtStatus.WRITTEN_OFF, DebtStatus.CLOSED)
SAMPLE_SIZE = 10


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": text}
        ) from None


class Command(LocalizedCommand):
    help = "preview: what a strategy would decide for each account on a date (writes nothing)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        preview = actions.add_parser(
            "preview", help="Segments, stages and actions due on a date; writes nothing."
        )
        preview.add_argument("--date", type=_iso_date, required=True, help="Business date, YYYY-MM-DD.")
        preview.add_argument("--strategy", type=Path, help="A strategy file (default: the shipped default).")
        preview.add_argument("--portfolio", help="A portfolio code (default: every portfolio).")
        preview.add_argument("--json", action="store_true", help="Print one JSON object.")
        preview.add_argument("--language", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        strategy = _strategy(options["strategy"])
        as_of: date = options["date"]
        snapshot = build_snapshot(as_of=as_of, portfolio_code=options["portfolio"])
        decisions = evaluate(snapshot, strategy, as_of)
        report = preview_report(decisions, strategy, as_of)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write(_render(report), ending="")


def _strategy(path: Path | None) -> Strategy:
    try:
        return default_strategy() if path is None else load_strategy_file(path)
    except InvalidStrategy as exc:
        raise CommandError(str(exc), returncode=EXIT_INVALID) from exc
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc}, returncode=EXIT_INVALID
        ) from exc


def build_snapshot(*, as_of: date, portfolio_code: str | None) -> pl.DataFrame:
    """Return the snapshot of the open debts of one portfolio (or all) on ``as_of``."""
    portfolios = Portfolio.objects.order_by("code")
    if portfolio_code is not None:
        portfolios = portfolios.filter(code=portfolio_code)
        if not portfolios.exists():
            raise CommandError(
                _("There is no portfolio with code “%(code)s”.") % {"code": portfolio_code}, returncode=2
            )
    rows = []
    for portfolio in portfolios:
        debts = list(
            Debt.objects.filter(portfolio=portfolio)
            .exclude(status__in=CLOSED_STATUSES)
            .select_related("debtor")
            .order_by("pk")
        )
        positions = ledger.list_positions(debts=debts, as_of=as_of)
        rows += [_row(portfolio, debt, positions[debt.pk], as_of) for debt in debts]
    return snapshot_frame(rows)


def _row(portfolio: Portfolio, debt: Debt, position: ledger.DebtPosition, as_of: date) -> dict[str, object]:
    upcoming = [item.due_date for item in ledger.get_schedule(debt=debt) if item.due_date >= as_of]
    return {
        "debt_id": debt.pk,
        "debtor_id": debt.debtor_id,
        "portfolio": portfolio.code,
        "balance": position.balances.total,
        "currency": debt.currency,
        "days_past_due": position.days_past_due,
        "days_until_due": (min(upcoming) - as_of).days if upcoming else None,
        "bucket": position.bucket,
        "product": debt.product,
        "debtor_kind": debt.debtor.kind,
        "is_verified": debt.verified_at is not None or debt.status == DebtStatus.VERIFIED,
        "has_open_dispute": debt.status == DebtStatus.DISPUTED,
    }


def preview_report(decisions: pl.DataFrame, strategy: Strategy, as_of: date) -> dict[str, Any]:
    """Return the counts by segment, stage and action, and sample cases, as plain data."""
    actions = planned_actions(decisions, strategy)

    def counts(frame: pl.DataFrame, *columns: str) -> list[dict[str, Any]]:
        ordered = frame.group_by(columns).len("accounts")
        descending = [True, *[False] * len(columns)]
        return ordered.sort(["accounts", *columns], descending=descending, nulls_last=True).to_dicts()

    samples = decisions.filter(pl.col("is_transition") | (pl.col("actions").list.len() > 0)).head(SAMPLE_SIZE)
    return {
        "as_of": as_of.isoformat(),
        "strategy": strategy.label,
        "accounts": decisions.height,
        "transitions": int(decisions.get_column("is_transition").sum()),
        "by_segment": counts(decisions, "segment"),
        "by_stage": counts(decisions, "stage"),
        "by_action": counts(actions, "channel", "action_rule"),
        "samples": samples.select(
            "debt_id", "segment", "stage_from", "stage", "transition_rule", "transition_condition", "actions"
        ).to_dicts(),
    }


def _render(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=140, color_system=None)
    console.print(
        _(
            "%(strategy)s on %(date)s: %(accounts)d accounts, %(transitions)d stage transitions (preview, nothing written)."
        )
        % {
            "strategy": report["strategy"],
            "date": report["as_of"],
            "accounts": report["accounts"],
            "transitions": report["transitions"],
        }
    )
    for title, key, columns in (
        (_("By segment"), "by_segment", ("segment",)),
        (_("By stage"), "by_stage", ("stage",)),
        (_("Actions due"), "by_action", ("channel", "action_rule")),
    ):
        table = Table(title=title, title_justify="left")
        for column in (*columns, "accounts"):
            table.add_column(column, justify="right" if column == "accounts" else "left")
        for row in report[key]:
            table.add_row(
                *(str(row[column]) if row[column] is not None else "—" for column in (*columns, "accounts"))
            )
        console.print(table)
    table = Table(title=_("Sample cases"), title_justify="left")
    for column in ("debt", "segment", "stage", "why", "actions"):
        table.add_column(column)
    for sample in report["samples"]:
        moved = f"{sample['stage_from'] or '—'} → {sample['stage'] or '—'}"
        why = sample["transition_condition"] or ""
        table.add_row(str(sample["debt_id"]), sample["segment"], moved, why, "\n".join(sample["actions"]))
    console.print(table)
    return buffer.getvalue()
