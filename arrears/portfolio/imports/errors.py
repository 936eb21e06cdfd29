"""Errors of the import: a file that cannot be read at all."""

from __future__ import annotations

from arrears.core.errors import DomainError


class ImportFileUnreadable(DomainError):
    """The file is not a readable CSV or XLSX table (wrong encoding, broken, empty)."""
