"""The Chinese catalogue is complete, compiled, and used by the pages."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def po_entries() -> list[dict[str, object]]:
    """Return each entry of the .po file: flags, msgid and its translations (plural forms included)."""
    entries = []
    for block in LOCALE.joinpath("django.po").read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        flags = {flag.strip() for line in lines if line.startswith("#,") for flag in line[2:].split(",")}
        fields: dict[str, str] = {}
        current = ""
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = json.loads(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += json.loads(line)
        if "msgid" in fields:
            strs = [value for key, value in fields.items() if key.startswith("msgstr")]
            entries.append({"flags": flags, "msgid": fields["msgid"], "msgstrs": strs})
    return entries


class TestCatalogue:
    def test_has_no_fuzzy_entry(self):
        fuzzy = [entry["msgid"] for entry in po_entries() if "fuzzy" in entry["flags"]]

        assert fuzzy == []

    def test_translates_every_message(self):
        untranslated = [
            entry["msgid"] for entry in po_entries()[1:] if not all(entry["msgstrs"]) or not entry["msgstrs"]
        ]

        assert untranslated == []

    def test_the_compiled_catalogue_holds_every_message(self):
        with LOCALE.joinpath("django.mo").open("rb") as compiled:
            catalogue = gettext.GNUTranslations(compiled)
        msgids = {str(entry["msgid"]) for entry in po_entries()[1:]}

        same_in_both = {"API", "SHA-256", "PDF SHA-256"}  # the same words in Chinese text
        missing = [
            msgid for msgid in msgids if catalogue.gettext(msgid) == msgid and msgid not in same_in_both
        ]

        assert missing == []


class TestKeyStringsInChinese:
    @pytest.mark.parametrize(
        ("english", "chinese"),
        [
            ("Debtors", "债务人"),
            ("Days past due", "逾期天数"),
            ("Bucket", "账龄段"),
            ("Write-off", "核销"),
            ("Waiver", "减免"),
            ("Record payment", "登记还款"),
            ("Field visit", "上门催收"),
        ],
    )
    def test_translates_the_collection_vocabulary(self, english, chinese):
        with translation.override("zh-hans"):
            assert _(english) == chinese

    def test_renders_the_not_found_page_in_chinese(self):
        with translation.override("zh-hans"):
            page = render_to_string("404.html")

        assert "页面不存在" in page
        assert "返回资产包列表" in page
        assert '<html lang="zh-hans">' in page
