"""Load validated debt rows: classify them against the database, then write in bulk.

A row is *new* (no debt with its reference), *unchanged* (same fingerprint as the last import) or
*changed*. New and changed rows upsert their debtor, add contact points not yet known, and post
ledger charges: the first import posts ``principal``/``interest``/``penalty``/``fee`` charges, a
changed row posts the difference to what earlier imports posted as ``adjustment`` entries.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

import polars as pl
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from arrears.core import money
from arrears.portfolio.choices import ContactSource, EntryKind, EntrySource
from arrears.portfolio.imports import checks, database
from arrears.portfolio.imports import sealing as sealing_of_personal_data
from arrears.portfolio.imports.checks import ROW, value_of
from arrears.portfolio.imports.columns import CHARGE_COLUMNS, DEBT_COLUMNS, DEBTOR_COLUMNS
from arrears.portfolio.imports.result import ImportPlan, RowError
from arrears.portfolio.models import (
    ContactPerson,
    ContactPoint,
    Debt,
    Debtor,
    LedgerEntry,
    Payment,
    Portfolio,
)

_HASH = type(hashlib.sha256())
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
_EXISTING_DEBTS = (
    "SELECT d.external_ref, d.id, d.import_fingerprint, d.currency, r.external_ref "  # noqa: S608
    f"FROM {database.table(Debt)} d JOIN {database.table(Debtor)} r ON r.id = d.debtor_id "
    "WHERE d.portfolio_id = %s"
)
_EXISTING_DEBTORS = f"SELECT external_ref, id FROM {database.table(Debtor)} WHERE portfolio_id = %s"  # noqa: S608
_EXISTING_CONTACTS = (
    f"SELECT debtor_id, kind, value_hash FROM {database.table(ContactPoint)} "  # noqa: S608
    "WHERE debtor_id IN ({values})"
)


def plan_debts(valid: pl.DataFrame, *, portfolio: Portfolio) -> ImportPlan:
    """Fingerprint ``valid`` rows and classify them against the portfolio's existing debts."""
    rows = valid.with_columns(fingerprint=_fingerprints(valid))
    existing = database.select_in_portfolio(
        Debt,
        _EXISTING_DEBTS,
        "d.external_ref",
        rows["debt_ref"],
        portfolio_id=portfolio.pk,
        schema=
        {"debt_ref": pl.String, "debt_id": pl.Int64, "old_fingerprint": pl.String, "old_currency": pl.String,
         "old_debtor_ref": pl.String},
    )  # fmt: skip
    rows = rows.join(existing, on="debt_ref", how="left", maintain_order="left")
    moved = pl.col("debt_id").is_not_null() & (pl.col("old_debtor_ref") != pl.col("debtor_ref"))
    recurrency = pl.col("debt_id").is_not_null() & (pl.col("old_currency") != pl.col(value_of("currency")))
    errors = _conflicts(rows, moved, recurrency)
    rows = rows.filter(~(moved | recurrency)).with_columns(
        state=pl.when(pl.col("debt_id").is_null())
        .then(pl.lit(NEW))
        .when(pl.col("old_fingerprint") == pl.col("fingerprint"))
        .then(pl.lit(UNCHANGED))
        .otherwise(pl.lit(CHANGED))
    )
    return ImportPlan(rows, errors)


def _conflicts(rows: pl.DataFrame, moved: pl.Expr, recurrency: pl.Expr) -> list[RowError]:
    debtor = rows.filter(moved).select(
        ROW, "debtor_ref", checks.fill(_("This debt belongs to debtor %(ref)s; a debt cannot move to another debtor."),
                                       ref=pl.col("old_debtor_ref")).alias("message"))  # fmt: skip
    currency = rows.filter(recurrency & ~moved).select(
        ROW, "currency", checks.fill(_("This debt is in %(currency)s; its currency cannot change."),
                                     currency=pl.col("old_currency")).alias("message"))  # fmt: skip
    return [RowError(row, "debtor_ref", value, message) for row, value, message in debtor.iter_rows()] + [
        RowError(row, "currency", value, message) for row, value, message in currency.iter_rows()
    ]


def _fingerprints(rows: pl.DataFrame) -> pl.Series:
    """Return the SHA-256 of each row's normalised values (parsed, in a fixed column order)."""
    parts = [pl.col(value_of(name)).cast(pl.String).fill_null("") for name in DEBT_COLUMNS]
    normalised = rows.select(pl.concat_str(parts, separator="\x1f").cast(pl.Binary)).to_series().to_list()
    # map() over C callables: no Python code runs per row.
    digests = map(hashlib.sha256, normalised)
    return pl.Series("fingerprint", list(map(_HASH.hexdigest, digests)), dtype=pl.String)


def apply_plan(plan: ImportPlan, *, portfolio: Portfolio, now: datetime, update_status: bool) -> None:
    """Write the plan's new and changed rows (inside the caller's transaction).

    New debtors get their ids first, so debts are written while their national IDs and contact
    values are being sealed (``sealing``); debtors, ledger entries and contact points follow. A
    bulk load (``database.bulk_load``) builds the tables' indexes, and on PostgreSQL checks their
    foreign keys, once at the end.
    """
    active = _in_states(plan.rows, NEW, CHANGED)
    if active.height == 0:
        return
    stamp = database.stored_datetime(now)
    database.prepare_bulk_session()
    with database.timed("sealing started"):
        sealing = sealing_of_personal_data.start(active, country=portfolio.country)
    bulk = database.is_bulk_load(Debt, plan.count(NEW))
    with database.bulk_load([Debtor, Debt, LedgerEntry, ContactPoint], [ContactPerson, Payment], bulk=bulk):
        with database.timed("debtor ids"):
            debtors = _debtors_with_ids(active, portfolio=portfolio)
        debtor_ids = debtors.select("debtor_ref", "debtor_id")
        active = active.join(debtor_ids, on="debtor_ref", how="left", maintain_order="left")
        with database.timed("debts"):
            active = _write_debts(active, portfolio=portfolio, stamp=stamp, update_status=update_status)
        with database.timed("debtors"):
            sealed_debtors = sealing.debtors.result()
            _write_debtors(
                debtors.join(sealed_debtors, on="debtor_ref", how="left", maintain_order="left"),
                portfolio=portfolio,
                stamp=stamp,
            )
        with database.timed("ledger"):
            _write_charges(active, stamp=stamp, as_of=now)
        with database.timed("contact points"):
            contacts = sealing.contacts.result().join(
                debtor_ids, on="debtor_ref", how="left", maintain_order="left"
            )
            _write_contact_points(contacts, active, stamp=stamp)


def _in_states(rows: pl.DataFrame, *states: str) -> pl.DataFrame:
    """Return the rows in one of ``states``: the frame itself when all are, an empty one when none are.

    Filtering copies every one of the ≈ 100 columns, which costs seconds at a million rows.
    """
    wanted = rows["state"].is_in(states)
    matching = wanted.sum()
    if matching == rows.height:
        return rows
    return rows.filter(wanted) if matching else rows.clear()


def _debtors_with_ids(active: pl.DataFrame, *, portfolio: Portfolio) -> pl.DataFrame:
    """Return each debtor of the rows (its first row's columns) with its id, new ids reserved; ``fresh`` marks new ones."""
    debtor_columns = ["debtor_ref", *(value_of(name) for name in DEBTOR_COLUMNS)]
    debtors = active.select(debtor_columns).unique("debtor_ref", keep="first", maintain_order=True)
    existing = database.select_in_portfolio(
        Debtor,
        _EXISTING_DEBTORS,
        "external_ref",
        debtors["debtor_ref"],
        portfolio_id=portfolio.pk,
        schema={"debtor_ref": pl.String, "debtor_id": pl.Int64},
    )
    debtors = debtors.join(existing, on="debtor_ref", how="left", maintain_order="left")
    fresh = debtors.filter(pl.col("debtor_id").is_null())
    fresh = fresh.with_columns(debtor_id=database.reserve_ids(Debtor, fresh.height), fresh=pl.lit(True))
    known = debtors.filter(pl.col("debtor_id").is_not_null()).with_columns(fresh=pl.lit(False))
    return pl.concat([fresh, known])


def _write_debtors(debtors: pl.DataFrame, *, portfolio: Portfolio, stamp: str) -> None:
    """Insert the new debtors under their reserved ids and update the known ones' columns."""
    fresh = debtors.filter("fresh")
    known = debtors.filter(~pl.col("fresh"))
    database.insert_frame(
        Debtor,
        _debtor_columns(fresh, stamp).with_columns(
            id=fresh["debtor_id"],
            portfolio_id=pl.lit(portfolio.pk),
            external_ref=fresh["debtor_ref"],
            business_condition=pl.lit(""),
            family_situation=pl.lit(""),
            financial_situation=pl.lit(""),
            created_at=pl.lit(stamp),
        ),
    )
    database.update_frame(Debtor, _debtor_columns(known, stamp).with_columns(id=known["debtor_id"]))


def _debtor_columns(debtors: pl.DataFrame, stamp: str) -> pl.DataFrame:
    return debtors.select(
        kind=pl.col(value_of("debtor_type")),
        name=pl.col(value_of("debtor_name")),
        national_id=pl.col("national_id"),
        national_id_hash=pl.col("national_id_hash"),
        birth_date=pl.col(value_of("birth_date")),
        language=pl.col(value_of("language")),
        region=pl.col(value_of("region")).fill_null(""),
        updated_at=pl.lit(stamp),
    )


def _write_debts(
    active: pl.DataFrame, *, portfolio: Portfolio, stamp: str, update_status: bool
) -> pl.DataFrame:
    fresh = _in_states(active, NEW)
    changed = _in_states(active, CHANGED)
    terms = [
        *(
            pl.col(value_of(name)).alias(name)
            for name in ("product", "principal", "contract_date", "due_date", "interest_rate", "penalty_rate")
        ),
        pl.col(value_of("instalments")).alias("instalment_count"),
    ]
    new_ids = database.insert_with_ids(
        Debt,
        fresh.select(
            *terms,
            portfolio_id=pl.lit(portfolio.pk),
            debtor_id=pl.col("debtor_id"),
            external_ref=pl.col("debt_ref"),
            currency=pl.col(value_of("currency")),
            status=pl.col(value_of("status")),
            import_fingerprint=pl.col("fingerprint"),
            created_at=pl.lit(stamp),
            updated_at=pl.lit(stamp),
        ),
    )
    fresh = fresh.with_columns(new_ids.alias("debt_id"))
    status = [pl.col(value_of("status")).alias("status")] if update_status else []
    database.update_frame(
        Debt,
        changed.select(
            pl.col("debt_id").alias("id"),
            *terms,
            *status,
            import_fingerprint=pl.col("fingerprint"),
            updated_at=pl.lit(stamp),
        ),
    )
    return pl.concat([fresh, changed], how="vertical_relaxed")


def _write_charges(active: pl.DataFrame, *, stamp: str, as_of: datetime) -> None:
    fresh = _in_states(active, NEW)
    charges = fresh.unpivot(
        index=["debt_id", value_of("due_date")],
        on=[value_of(name) for name in CHARGE_COLUMNS],
        variable_name="component",
        value_name="amount",
    ).with_columns(pl.col("component").str.strip_prefix("v_"))
    entries = charges.filter(pl.col("amount") > 0).select(
        "debt_id",
        kind=pl.col("component"),
        component=pl.col("component"),
        amount=pl.col("amount"),
        effective_date=pl.col(value_of("due_date")),
        idempotency_key=pl.lit("import:") + pl.col("component"),
    )
    adjustments = _adjustments(_in_states(active, CHANGED), as_of=as_of)
    # Inserting in debt order keeps the ledger's debt-keyed indexes appending instead of jumping around.
    ledger = (
        pl.concat([entries, adjustments], how="vertical_relaxed")
        .sort("debt_id", maintain_order=True)
        .with_columns(posted_at=pl.lit(stamp), source=pl.lit(str(EntrySource.IMPORT)), note=pl.lit(""))
    )
    database.insert_frame(LedgerEntry, ledger)


def _adjustments(changed: pl.DataFrame, *, as_of: datetime) -> pl.DataFrame:
    """Return adjustment entries bringing what imports posted to each changed row's amounts."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "debt_id": pl.Int64,
        "component": pl.String,
        "posted": checks.MONEY,
        "entries": pl.Int64,
    }
    posted_rows: list[tuple[int, str, Decimal, int]] = []
    ids = changed["debt_id"].to_list()
    for start in range(0, len(ids), database.SQLITE_CHUNK):
        posted_rows += [
            (debt_id, component, money.exact_sum(total), entries)
            for debt_id, component, total, entries in LedgerEntry.objects.filter(
                debt_id__in=ids[start : start + database.SQLITE_CHUNK],
                source=EntrySource.IMPORT,
                kind__in=[*CHARGE_COLUMNS, EntryKind.ADJUSTMENT],
                idempotency_key__startswith="import:",
            )
            .values_list("debt_id", "component")
            .annotate(posted=Sum("amount"), entries=Count("id"))
            .order_by()
        ]
    posted = pl.DataFrame(posted_rows, schema=schema, orient="row")
    wanted = changed.unpivot(
        index=["debt_id", "fingerprint"],
        on=[value_of(name) for name in CHARGE_COLUMNS],
        variable_name="component",
        value_name="amount",
    ).with_columns(pl.col("component").str.strip_prefix("v_"))
    differences = wanted.join(posted, on=["debt_id", "component"], how="left").with_columns(
        difference=(pl.col("amount") - pl.col("posted").fill_null(Decimal("0.00"))).cast(checks.MONEY)
    )
    return differences.filter(pl.col("difference") != 0).select(
        "debt_id",
        kind=pl.lit(str(EntryKind.ADJUSTMENT)),
        component=pl.col("component"),
        amount=pl.col("difference"),
        effective_date=pl.lit(as_of.date()),
        idempotency_key=pl.format(
            "import:{}:{}:{}", pl.col("fingerprint"), pl.col("component"), pl.col("entries").fill_null(0) + 1
        ),
    )


def _write_contact_points(contacts: pl.DataFrame, active: pl.DataFrame, *, stamp: str) -> None:
    """Insert the contact values the debtors do not have yet (same kind and lookup hash)."""
    known_debtors = _in_states(active, CHANGED)["debtor_id"].unique().to_list()
    existing = database.select_where_in(
        _EXISTING_CONTACTS,
        known_debtors,
        [],
        {"debtor_id": pl.Int64, "kind": pl.String, "value_hash": pl.Int64},
    )
    new_points = contacts.join(
        existing, on=["debtor_id", "kind", "value_hash"], how="anti", maintain_order="left"
    )
    had_kind = existing.select("debtor_id", "kind").unique().with_columns(had=pl.lit(True))
    new_points = new_points.join(had_kind, on=["debtor_id", "kind"], how="left", maintain_order="left")
    first_of_kind = pl.col("value_hash").cum_count().over(["debtor_id", "kind"]) == 1
    rows = new_points.select(
        "debtor_id",
        "kind",
        value=pl.col("sealed"),
        value_hash=pl.col("value_hash"),
        region=pl.col("region").fill_null(""),
        time_zones=pl.col("time_zones").fill_null("[]"),
        is_primary=first_of_kind & pl.col("had").is_null(),
        verified=pl.lit(False),
        consent=pl.lit("{}"),
        opt_outs=pl.lit("{}"),
        do_not_contact=pl.lit(False),
        source=pl.lit(str(ContactSource.IMPORT)),
        created_at=pl.lit(stamp),
    )
    database.insert_frame(ContactPoint, rows)
