"""Model fields for personal data: encrypted at rest, decrypted on load."""

from __future__ import annotations

from typing import Any

from django.db import models

from arrears.core import crypto


class EncryptedTextField(models.TextField):
    """Text stored as an AES-GCM token; pair it with a ``*_hash`` field for exact lookup.

    Lookups on this field are meaningless (every encryption differs): filter on the hash field.
    """

    description = "Encrypted text"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))
