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
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

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
class Sealed:
    """What the loader writes of the rows' personal data, sealed."""

    debtors: pl.DataFrame
    """Per ``debtor_ref`` (its first row): ``national_id`` token (or ``""``) and ``national_id_hash``."""
    contacts: pl.DataFrame
    """Per distinct ``debtor_ref``, ``kind`` and value: ``sealed`` token, ``value_hash``, ``region``, ``time_zones``."""


def start(rows: pl.DataFrame, *, country: str) -> Future[Sealed]:
    """Begin sealing ``rows`` (validated import rows); the future holds the result."""
    needed = rows.select(
        "debtor_ref",
        ROW,
        value_of("national_id"),
        value_of("region"),
        *(value_of(name) for name in (*PHONE_COLUMNS, *CONTACT_COLUMNS)),
        *(f"{prefix}_{name}" for name in PHONE_COLUMNS for prefix in ("r", "z")),
    )
    if needed.height < IN_PROCESS_BELOW_ROWS:
        done: Future[Sealed] = Future()
        done.set_result(seal(needed, country=country))
        return done
    # The child imports this package, whose modules need Django's apps: it sets Django up first
    # (DJANGO_SETTINGS_MODULE comes with the environment) and then takes this process's keys.
    executor = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=django.setup
    )
    keys = (tuple(settings.ARREARS_ENCRYPTION_KEYS), settings.ARREARS_HASH_KEY)
    # Frames travel as Arrow IPC bytes: copied, not pickled value by value.
    job = executor.submit(_seal_in_child, _ipc(needed), country, *keys)
    executor.shutdown(wait=False)  # the process ends once it has handed the result back
    result: Future[Sealed] = Future()
    job.add_done_callback(lambda done: _unpack(done, result))
    return result


def _seal_in_child(payload: bytes, country: str, keys: tuple[str, ...], hash_key: str) -> tuple[bytes, bytes]:
    """Run :func:`seal` in the spawned process with the parent's keys (they may differ from the settings file's)."""
    os.nice(CHILD_NICENESS)  # the writes in the parent come first
    settings.ARREARS_ENCRYPTION_KEYS, settings.ARREARS_HASH_KEY = list(keys), hash_key
    sealed = seal(pl.read_ipc(io.BytesIO(payload)), country=country)
    return _ipc(sealed.debtors), _ipc(sealed.contacts)


def _unpack(job: Future[tuple[bytes, bytes]], result: Future[Sealed]) -> None:
    if error := job.exception():
        result.set_exception(error)
        return
    debtors, contacts = job.result()
    result.set_result(Sealed(pl.read_ipc(io.BytesIO(debtors)), pl.read_ipc(io.BytesIO(contacts))))


def _ipc(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


def seal(rows: pl.DataFrame, *, country: str) -> Sealed:
    """Return the sealed national IDs of the rows' debtors and their distinct contact values."""
    debtors = rows.select("debtor_ref", value_of("national_id")).unique(
        "debtor_ref", keep="first", maintain_order=True
    )
    national_ids = debtors[value_of("national_id")]
    debtors = debtors.select(
        "debtor_ref",
        national_id=crypto.encrypt_series(national_ids).fill_null(""),
        national_id_hash=crypto.lookup_hash_series("national_id:" + national_ids),
    )
    candidates = _contact_candidates(rows, country=country)
    lookup = candidates.select(pl.concat_str("kind", pl.lit(":"), "value")).to_series()
    contacts = candidates.with_columns(
        value_hash=crypto.lookup_hash_series(lookup), sealed=crypto.encrypt_series(candidates["value"])
    ).drop("value")
    return Sealed(debtors=debtors, contacts=contacts)


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
