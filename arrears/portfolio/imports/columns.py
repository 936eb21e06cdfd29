"""The columns of the import files (docs/import.md describes them for users)."""

from __future__ import annotations

DEBT_REQUIRED: tuple[str, ...] = (
    "debt_ref",
    "debtor_ref",
    "debtor_type",
    "debtor_name",
    "product",
    "currency",
    "principal",
    "contract_date",
    "due_date",
)
DEBT_OPTIONAL: tuple[str, ...] = (
    "national_id",
    "birth_date",
    "language",
    "region",
    "phone",
    "phone2",
    "email",
    "address",
    "interest_rate",
    "penalty_rate",
    "interest",
    "penalty",
    "fee",
    "instalments",
    "status",
)
DEBT_COLUMNS: tuple[str, ...] = DEBT_REQUIRED + DEBT_OPTIONAL
CHARGE_COLUMNS: tuple[str, ...] = ("principal", "interest", "penalty", "fee")
# A debtor's own columns, as written to the debtor (its national ID is sealed apart: imports/sealing.py).
DEBTOR_COLUMNS: tuple[str, ...] = ("debtor_type", "debtor_name", "birth_date", "language", "region")
PHONE_COLUMNS: tuple[str, ...] = ("phone", "phone2")

PAYMENT_REQUIRED: tuple[str, ...] = ("payment_ref", "debt_ref", "amount", "currency", "received_date")
PAYMENT_OPTIONAL: tuple[str, ...] = ("channel",)
PAYMENT_COLUMNS: tuple[str, ...] = PAYMENT_REQUIRED + PAYMENT_OPTIONAL

LANGUAGES: tuple[str, ...] = ("en", "zh-hans")
MAX_INSTALMENTS = 360
