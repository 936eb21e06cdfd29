"""The hash of one audit event: canonical JSON of its fields and the previous hash. Pure."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64


def to_json_safe(value: Any) -> Any:
    """Return ``value`` with Decimals, dates and other scalars as strings, ready to store and hash."""
    if isinstance(value, dict):
        return {str(key): to_json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json_safe(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def event_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """Return the SHA-256 over the canonical JSON of ``fields`` and ``prev_hash``."""
    payload = json.dumps(
        {**fields, "prev_hash": prev_hash}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def hashed_fields(
    *,
    sequence: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    portfolio_id: int | None,
    reason: str,
    before: Any,
    after: Any,
) -> dict[str, Any]:
    """Return the fields of an event that its hash covers, in their canonical form."""
    return {
        "sequence": sequence,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "portfolio_id": portfolio_id,
        "reason": reason,
        "before": before,
        "after": after,
    }
