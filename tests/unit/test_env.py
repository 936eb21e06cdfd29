import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env


class TestEnvBool:
    @pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("0", False)])
    def test_reads_the_usual_spellings(self, monkeypatch, raw, expected):
        monkeypatch.setenv("ARREARS_TEST_FLAG", raw)

        assert env.env_bool("ARREARS_TEST_FLAG", not expected) is expected

    def test_an_empty_value_means_the_default(self, monkeypatch):
        monkeypatch.setenv("ARREARS_TEST_FLAG", "")

        assert env.env_bool("ARREARS_TEST_FLAG", True) is True

    def test_refuses_anything_else_naming_the_variable(self, monkeypatch):
        monkeypatch.setenv("ARREARS_TEST_FLAG", "perhaps")

        with pytest.raises(ImproperlyConfigured, match="ARREARS_TEST_FLAG"):
            env.env_bool("ARREARS_TEST_FLAG", False)


class TestEnvSecret:
    def test_reads_a_secret_from_the_file_named_by_the_file_variable(self, monkeypatch, tmp_path):
        secret = tmp_path / "key"
        secret.write_text("s3cret\n", encoding="utf-8")
        monkeypatch.setenv("ARREARS_TEST_SECRET_FILE", str(secret))

        assert env.env_secret("ARREARS_TEST_SECRET") == "s3cret"

    def test_refuses_a_missing_secret_without_a_default(self, monkeypatch):
        monkeypatch.delenv("ARREARS_TEST_SECRET", raising=False)

        with pytest.raises(ImproperlyConfigured, match="ARREARS_TEST_SECRET"):
            env.env_secret("ARREARS_TEST_SECRET")


class TestEnvStr:
    def test_an_empty_value_means_the_default(self, monkeypatch):
        monkeypatch.setenv("ARREARS_TEST_TEXT", "")

        assert env.env_str("ARREARS_TEST_TEXT", "sqlite:///x") == "sqlite:///x"
