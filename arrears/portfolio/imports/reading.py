"""Read an import file into a frame of trimmed strings: CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX."""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from arrears.portfolio.imports.errors import ImportFileUnreadable

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls"})
# Excel stores whole numbers and dates as floats and datetimes; give them back as they were typed.
_EXCEL_WHOLE = r"^(-?\d+)\.0+$"
_EXCEL_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$"


def read_table(path: Path) -> pl.DataFrame:
    """Return the file's rows as strings, blanks as nulls, column names and values trimmed.

    :raises ImportFileUnreadable: when the file is missing, empty, broken or in an unknown encoding.
    """
    if not path.is_file():
        raise ImportFileUnreadable(_("There is no file %(name)s.") % {"name": path})
    try:
        frame = _read_excel(path) if path.suffix.lower() in EXCEL_SUFFIXES else _read_csv(path)
    except ImportFileUnreadable:
        raise
    except Exception as exc:  # polars, fastexcel/calamine and OS errors alike: the file is unusable
        raise ImportFileUnreadable(
            _("The file %(name)s cannot be read: %(reason)s") % {"name": path.name, "reason": _short(exc)}
        ) from None
    if not frame.columns:
        raise ImportFileUnreadable(_("The file %(name)s has no header row.") % {"name": path.name})
    return tidy(frame)


def tidy(frame: pl.DataFrame) -> pl.DataFrame:
    """Return ``frame`` with trimmed column names, every value a trimmed string and blanks as nulls.

    Each column comes back as one contiguous chunk: the CSV reader's many chunks would make every
    later column operation pay per chunk (seconds at a million rows).
    """
    frame = frame.rename({name: name.strip().lstrip("\ufeff").strip() for name in frame.columns})
    return frame.with_columns(
        pl.col(name).cast(pl.String).str.strip_chars().replace("", None) for name in frame.columns
    ).rechunk()


def decode_csv(data: bytes) -> bytes:
    """Return ``data`` as UTF-8 without a byte-order mark: UTF-8 when it strictly is, else GB18030.

    :raises ImportFileUnreadable: when it is neither.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError:
            raise ImportFileUnreadable(
                _("The file is neither UTF-8 nor GB18030/GBK text; save it as UTF-8 CSV.")
            ) from None
    return data.removeprefix(b"\xef\xbb\xbf")


def _read_csv(path: Path) -> pl.DataFrame:
    data = decode_csv(path.read_bytes())
    if not data.strip():
        raise ImportFileUnreadable(_("The file %(name)s is empty.") % {"name": path.name})
    return pl.read_csv(io.BytesIO(data), infer_schema=False)


def _read_excel(path: Path) -> pl.DataFrame:
    with warnings.catch_warnings():
        # Polars' own use of from_arrow inside read_excel warns about a 2.0 change; not ours to fix.
        warnings.simplefilter("ignore", FutureWarning)
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    return frame.with_columns(
        pl.col(name).cast(pl.String).str.replace(_EXCEL_WHOLE, "${1}").str.replace(_EXCEL_MIDNIGHT, "${1}")
        for name in frame.columns
    )


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def frame_from_records(records: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """Return JSON-like records (one mapping per row) as a frame of strings, columns in first-seen order."""
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    data = {
        name: [None if record.get(name) is None else str(record.get(name)) for record in records]
        for name in columns
    }
    return pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))


def digest_of(source: Path | pl.DataFrame) -> str:
    """Return the SHA-256 (hex) of the file, or of a frame's CSV text."""
    if isinstance(source, Path):
        with source.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    return hashlib.sha256(source.write_csv().encode("utf-8")).hexdigest()
