"""Index the optional links (a ledger entry's payment, a contact point's person, a debt's verifier) only where set.

Most rows have none of these, so a full index is mostly NULL entries that every bulk import writes
and never reads. The old indexes are dropped by name: Django's own AlterField would rebuild the
three tables on SQLite, and the names are the same on both databases.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_INDEXES = (
    ("portfolio_contactpoint_contact_person_id_ecbcf426", "portfolio_contactpoint", "contact_person_id"),
    ("portfolio_debt_verified_by_id_7980c4cc", "portfolio_debt", "verified_by_id"),
    ("portfolio_ledgerentry_payment_id_53b37323", "portfolio_ledgerentry", "payment_id"),
)


def _field(to, on_delete, related_name, verbose_name):
    return models.ForeignKey(
        blank=True, db_index=False, null=True, on_delete=on_delete, related_name=related_name, to=to,
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0004_contact_person_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="contactpoint",
                    name="contact_person",
                    field=_field("portfolio.contactperson", django.db.models.deletion.CASCADE, "contact_points",
                                 "contact person"),
                ),
                migrations.AlterField(
                    model_name="debt",
                    name="verified_by",
                    field=_field(settings.AUTH_USER_MODEL, django.db.models.deletion.PROTECT, "+", "verified by"),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="payment",
                    field=_field("portfolio.payment", django.db.models.deletion.PROTECT, "entries", "payment"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"', reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")'
                )
                for name, table, column in OLD_INDEXES
            ],
        ),
        migrations.AddIndex(
            model_name="contactpoint",
            index=models.Index(
                condition=models.Q(("contact_person__isnull", False)), fields=["contact_person"],
                name="contact_point_person_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="debt",
            index=models.Index(
                condition=models.Q(("verified_by__isnull", False)), fields=["verified_by"], name="debt_verified_by_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("payment__isnull", False)), fields=["payment"], name="ledger_entry_payment_idx"
            ),
        ),
    ]
