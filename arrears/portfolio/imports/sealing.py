"""Seal an import's personal data: encrypt and hash national IDs and contact values, off the main core.

Sealing (AES-GCM and the lookup HMAC, ≈ 2 µs a value) and gathering each debtor's distinct contact
values with their time zones need no database. A large import seals in a second, spawned process
on the other core while the loader writes debts and ledger entries; a small one seals in the
calling process, where starting a process would cost more than it saves.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import django
import polars as pl
from django.conf import settings

from arrears.core import crypto
from arrears.portfolio.imports import phones
from arrears.portfolio.imports.checks import ROW, value_of
from arrears.portfolio.imports.columns import PHONE_COLUMNS

IN_PROCESS_BELOW_ROWS = 50_000
CHILD_NICENESS = 10
CONTACT_COLUMNS = ("email", "address")


@dataclass(frozen=True)
class Sealing:
    """The sealed personal data of an import's rows, each part as it becomes ready (debtors first)."""

    debtors: Future[pl.DataFrame]
    """Per ``debtor_ref`` (its first row): ``national_id`` token (or ``""``) and ``national_id_hash``."""
    contacts: Future[pl.DataFrame]
    """Per distinct ``debtor_ref``, ``kind`` and value: ``sealed`` token, ``value_hash``, ``region``, ``time_zones``."""


def start(rows: pl.DataFrame, *, country: str) -> Sealing:
    """Begin sealing ``rows`` (validated import rows)."""
    debtor_rows = rows.select("debtor_ref", value_of("national_id"))
    contact_rows = rows.select(
        "debtor_ref",
        ROW,
        value_of("region"),
        *(value_of(name) for name in (*PHONE_COLUMNS, *CONTACT_COLUMNS)),
        *(f"{prefix}_{name}" for name in PHONE_COLUMNS for prefix in ("r", "z")),
    )
    if rows.height < IN_PROCESS_BELOW_ROWS:
        return Sealing(_done(seal_debtors(debtor_rows)), _done(seal_contacts(contact_rows, country=country)))
    # The child imports this package, whose modules need Django's apps: it sets Django up first
    # (DJANGO_SETTINGS_MODULE comes with the environment) and then takes this process's keys.
    executor = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=django.setup
    )
    keys = (tuple(settings.ARREARS_ENCRYPTION_KEYS), settings.ARREARS_HASH_KEY)
    # Frames travel as Arrow IPC bytes: copied, not pickled value by value. One worker: debtors first.
    debtors = executor.submit(_seal_in_child, seal_debtors, _ipc(debtor_rows), *keys)
    contacts = executor.submit(
        _seal_in_child, partial(seal_contacts, country=country), _ipc(contact_rows), *keys
    )
    executor.shutdown(wait=False)  # the process ends once it has handed both parts back
    return Sealing(_frame_of(debtors), _frame_of(contacts))


def _seal_in_child(
    seal: Callable[[pl.DataFrame], pl.DataFrame], payload: bytes, keys: tuple[str, ...], hash_key: str
) -> bytes:
    """Run ``seal`` in the spawned process with the parent's keys (they may differ from the settings file's)."""
    os.nice(max(0, CHILD_NICENESS - os.nice(0)))  # the writes in the parent come first
    settings.ARREARS_ENCRYPTION_KEYS, settings.ARREARS_HASH_KEY = list(keys), hash_key
    rows = pl.read_ipc(io.BytesIO(payload))
    return _ipc(seal(rows))


def _done(frame: pl.DataFrame) -> Future[pl.DataFrame]:
    done: Future[pl.DataFrame] = Future()
    done.set_result(frame)
    return done


def _frame_of(job: Future[bytes]) -> Future[pl.DataFrame]:
    frame: Future[pl.DataFrame] = Future()

    def unpack(finished: Future[bytes]) -> None:
        if error := finished.exception():
            frame.set_exception(error)
        else:
            frame.set_result(pl.read_ipc(io.BytesIO(finished.result())))

    job.add_done_callback(unpack)
    return frame


def _ipc(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


def seal_debtors(rows: pl.DataFrame) -> pl.DataFrame:
    """Return each debtor's (first row's) national ID, encrypted, and its lookup hash."""
    debtors = rows.unique("debtor_ref", keep="first", maintain_order=True)
    national_ids = debtors[value_of("national_id")]
    return debtors.select(
        "debtor_ref",
        national_id=crypto.encrypt_series(national_ids).fill_null(""),
        national_id_hash=crypto.lookup_hash_series("national_id:" + national_ids),
    )


def seal_contacts(rows: pl.DataFrame, *, country: str) -> pl.DataFrame:
    """Return the rows' distinct contact values, encrypted, with their lookup hash, region and zones."""
    candidates = _contact_candidates(rows, country=country)
    lookup = candidates.select(pl.concat_str("kind", pl.lit(":"), "value")).to_series()
    return candidates.with_columns(
        value_hash=crypto.lookup_hash_series(lookup), sealed=crypto.encrypt_series(candidates["value"])
    ).drop("value")


def _contact_candidates(rows: pl.DataFrame, *, country: str) -> pl.DataFrame:
    """Return each distinct contact value of the rows: debtor, kind, normalised value, region, zones."""
    region = pl.col(value_of("region"))
    parts = [
        rows.select(
            "debtor_ref", ROW, pl.lit(index).alias("column"),
            kind=pl.lit("phone"), value=pl.col(value_of(name)), region=pl.col(f"r_{name}"),
            zone_key=pl.col(f"z_{name}"), zone_region=pl.lit(None, pl.String),
        )
        for index, name in enumerate(PHONE_COLUMNS)
    ] + [
        rows.select(
            "debtor_ref", ROW, pl.lit(index + len(PHONE_COLUMNS)).alias("column"),
            kind=pl.lit(name), value=pl.col(value_of(name)), region=region,
            zone_key=pl.lit(None, pl.String), zone_region=region.fill_null(pl.lit(country.upper())),
        )
        for index, name in enumerate(CONTACT_COLUMNS)
    ]  # fmt: skip
    candidates = (
        pl.concat(parts)
        .filter(pl.col("value").is_not_null())
        .sort(ROW, "column")
        .unique(["debtor_ref", "kind", "value"], keep="first", maintain_order=True)
    )
    phone_zones = phones.zones_for_keys(
        candidates.filter(pl.col("zone_key").is_not_null()).select(pl.col("value").alias("e164"), "zone_key")
    )
    region_zones = phones.zones_for_regions(candidates["zone_region"]).rename({"region": "zone_region"})
    return (
        candidates.join(phone_zones, on="zone_key", how="left", maintain_order="left")
        .join(region_zones, on="zone_region", how="left", maintain_order="left", suffix="_region")
        .with_columns(time_zones=pl.coalesce("time_zones", "time_zones_region"))
        .select("debtor_ref", "kind", "value", "region", "time_zones")
    )
