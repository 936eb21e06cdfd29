"""Re-encrypt personal data with the current key, so an old key can be retired."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from arrears.core import crypto
from arrears.core.audit.actions import record_event
from arrears.core.fields import EncryptedTextField


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """Return every (model, field name) stored encrypted."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_encryption_keys(*, actor: Any, now: datetime, batch_size: int = 2000) -> dict[str, int]:
    """Re-encrypt every value not under the current key; return how many per ``model.field``.

    Each batch commits on its own, so an interrupted run resumes where it stopped.
    """
    current = crypto.current_key_id()
    counts: dict[str, int] = {}
    for model, field_name in encrypted_fields():
        label = f"{model._meta.label_lower}.{field_name}"
        counts[label] = 0
        while batch := _stale_batch(model, field_name, current, batch_size):
            with transaction.atomic():
                objects = [model(pk=pk, **{field_name: crypto.decrypt(token)}) for pk, token in batch]
                model._default_manager.bulk_update(objects, [field_name])
            counts[label] += len(batch)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="core.rotate_encryption_keys",
            target=("core.encryption", current),
            now=now,
            after=counts,
        )
    return counts


def _stale_batch(
    model: type[models.Model], field_name: str, current: str, size: int
) -> list[tuple[Any, str]]:
    """Return up to ``size`` (pk, token) pairs still encrypted under another key."""
    raw = (
        model._default_manager.annotate(token=Cast(field_name, models.TextField()))
        .exclude(token="")
        .exclude(token__startswith=f"{current}:")
        .order_by("pk")
        .values_list("pk", "token")[:size]
    )
    return list(raw)
