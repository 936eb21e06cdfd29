"""The field catalog is the one documented to strategy writers."""

from pathlib import Path

from arrears.engine.fields import FIELDS

DOC = Path(__file__).resolve().parents[3] / "docs" / "strategies.md"


class TestFieldCatalog:
    def test_every_condition_field_is_in_the_strategy_guide(self):
        text = DOC.read_text(encoding="utf-8")

        missing = [
            field.name for field in FIELDS if field.kind != "key" and f"| `{field.name}` |" not in text
        ]

        assert missing == []

    def test_every_field_has_an_english_and_a_chinese_meaning(self):
        assert all(field.en and field.zh for field in FIELDS)
