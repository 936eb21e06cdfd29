import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from arrears.core import crypto
from arrears.core.audit.models import AuditEvent
from arrears.portfolio import contact_values
from arrears.portfolio.models import ContactPoint, Debtor
from tests.factories.portfolio import ContactPointFactory, DebtorFactory

pytestmark = pytest.mark.django_db
OLD_FIRST = ["test1:dGVzdC1rZXktb25lLTMyLWJ5dGVzLWxvbmctLS0tLS0="]
NEW_FIRST = ["test2:dGVzdC1rZXktdHdvLTMyLWJ5dGVzLWxvbmctLS0tLS0=", *OLD_FIRST]


def stored(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (test-only names)
        return cursor.fetchone()[0]


class TestEncryptionAtRest:
    def test_stores_phone_and_national_id_as_ciphertext_and_reads_them_back(self):
        debtor = DebtorFactory(national_id="110101199003071234")
        point = ContactPointFactory(debtor=debtor, value="+8613812345678")

        assert "13812345678" not in stored("portfolio_contactpoint", "value", point.pk)
        assert "1234" not in stored("portfolio_debtor", "national_id", debtor.pk)
        assert ContactPoint.objects.get(pk=point.pk).value == "+8613812345678"
        assert Debtor.objects.get(pk=debtor.pk).national_id == "110101199003071234"

    def test_finds_a_contact_point_by_its_keyed_hash(self):
        point = ContactPointFactory(value="+8613812345678")
        wanted = contact_values.lookup_hash_for(
            "phone", contact_values.normalize_phone("138 1234 5678", "CN")
        )

        assert list(ContactPoint.objects.filter(value_hash=wanted)) == [point]

    def test_an_altered_token_does_not_decrypt(self):
        token = crypto.encrypt("secret")
        altered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

        with pytest.raises(crypto.UndecryptableValue):
            crypto.decrypt(altered)


class TestKeyRotation:
    def test_re_encrypts_every_value_under_the_new_key_and_keeps_the_plaintext(self):
        with override_settings(ARREARS_ENCRYPTION_KEYS=OLD_FIRST):
            point = ContactPointFactory(value="+8613812345678")
            debtor = DebtorFactory(national_id="110101199003071234")
        assert stored("portfolio_contactpoint", "value", point.pk).startswith("test1:")

        with override_settings(ARREARS_ENCRYPTION_KEYS=NEW_FIRST):
            call_command("rotate_keys")

            assert stored("portfolio_contactpoint", "value", point.pk).startswith("test2:")
            assert stored("portfolio_debtor", "national_id", debtor.pk).startswith("test2:")
            assert ContactPoint.objects.get(pk=point.pk).value == "+8613812345678"
        with override_settings(ARREARS_ENCRYPTION_KEYS=NEW_FIRST[:1]):
            assert Debtor.objects.get(pk=debtor.pk).national_id == "110101199003071234"
        assert (
            AuditEvent.objects.get(action="core.rotate_encryption_keys").after["portfolio.contactpoint.value"]
            == 1
        )
