"""The linter's catalog: what ships, how bad files are refused, the phrase notation, the speed."""

import time

import pytest

from arrears.compliance.linter import CatalogError, lint
from arrears.compliance.linter.loader import default_catalog, load_pack
from arrears.compliance.linter.phrases import PhraseError, compile_phrase

# RULES.md §4 rules that are not about wording, so not in the linter's catalog.
NOT_LEXICAL = {"US-C15", "US-C20", "US-C23", "CN-C13"}
RULES_IDS = (
    {f"US-C{number:02d}" for number in range(1, 26)}
    | {f"CN-C{number:02d}" for number in range(1, 15)}
    | {f"UK-C{number:02d}" for number in range(1, 8)}
)

GOOD_RULE = """
  - id: CN-C03
    severity: BLOCK
    title: {en: Abuse, zh: 辱骂}
    source: RULES.md §4.2
    checks:
      - phrases:
          zh: [老赖]
"""


def pack_file(rules: str) -> str:
    return "pack: cn\nid_prefix: CN-C\nrules:" + rules


class TestTheShippedCatalog:
    def test_holds_every_lexical_rule_of_rules_md(self):
        shipped = {rule.id for pack in default_catalog().values() for rule in pack.rules}

        assert shipped == RULES_IDS - NOT_LEXICAL

    def test_names_its_packs_after_the_rule_packs(self):
        assert sorted(default_catalog()) == ["cn", "uk-conc", "us-regf"]

    def test_every_rule_has_a_title_in_english_and_chinese_and_cites_rules_md(self):
        rules = [rule for pack in default_catalog().values() for rule in pack.rules]

        assert all(rule.title["en"] and rule.title["zh"] for rule in rules)
        assert all(rule.source.startswith("RULES.md §4.") for rule in rules)

    def test_lints_a_two_thousand_character_message_in_well_under_five_milliseconds(self):
        text = (
            "Dear customer, your account ending 1234 is 30 days past due; the amount due is $250.00. "
            "请通过本行App或官方渠道还款，或致电95xxx协商还款方案。If you are struggling, we can help. "
        ) * 20
        text = text[:2000]
        lint(text)
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            lint(text)
            timings.append(time.perf_counter() - started)

        assert min(timings) < 0.005


class TestLoadingAPack:
    def test_loads_a_valid_file(self):
        pack = load_pack("cn.yaml", pack_file(GOOD_RULE))

        assert pack.name == "cn"
        assert [rule.id for rule in pack.rules] == ["CN-C03"]
        assert [phrase.text for _language, phrase in pack.checks[0].phrases] == ["老赖"]

    @pytest.mark.parametrize(
        ("rules", "message"),
        [
            (
                GOOD_RULE.replace("severity: BLOCK", "severity: STOP"),
                "cn.yaml: rule CN-C03, severity: 'STOP' is not",
            ),
            (GOOD_RULE.replace("    source:", "    sorce:"), "cn.yaml: rules[0]: unknown field 'sorce'"),
            (
                GOOD_RULE.replace("{en: Abuse, zh: 辱骂}", "{en: Abuse}"),
                "cn.yaml: rule CN-C03, title: missing field 'zh'",
            ),
            (
                GOOD_RULE.replace("id: CN-C03", "id: US-C03"),
                "cn.yaml: rules[0].id: 'US-C03' is not an id like CN-C01",
            ),
            (GOOD_RULE + GOOD_RULE, "cn.yaml: rule CN-C03: duplicate rule id"),
            (
                GOOD_RULE.replace("      - phrases:", "      - unless: [is_lawyer]\n        phrases:"),
                "cn.yaml: rule CN-C03, checks[0].unless[0]: unknown context flag 'is_lawyer'",
            ),
            (
                GOOD_RULE.replace("zh: [老赖]", "zh: ['(老赖']"),
                "cn.yaml: rule CN-C03, checks[0].phrases.zh[0]: '(老赖': unclosed '('",
            ),
            (
                GOOD_RULE.replace("zh: [老赖]", "en: [老赖]"),
                "cn.yaml: rule CN-C03, checks[0].phrases.en[0]: '老赖' is not written in English",
            ),
            (
                GOOD_RULE.replace("phrases:\n          zh: [老赖]", "patterns:\n          zh: ['[老赖']"),
                "cn.yaml: rule CN-C03, checks[0].patterns.zh[0]: not a valid regular expression",
            ),
            (
                GOOD_RULE.replace("          zh: [老赖]", "          zh: []"),
                "cn.yaml: rule CN-C03, checks[0]: needs",
            ),
        ],
    )
    def test_refuses_a_bad_file_naming_the_file_rule_and_field(self, rules, message):
        with pytest.raises(CatalogError) as caught:
            load_pack("cn.yaml", pack_file(rules))

        assert str(caught.value).startswith(message)

    def test_refuses_a_requirement_on_an_unknown_channel(self):
        rules = GOOD_RULE.replace(
            "    checks:\n      - phrases:\n          zh: [老赖]", "    requires:\n      - channels: [fax]"
        )

        with pytest.raises(
            CatalogError, match=r"rule CN-C03, requires\[0\]\.channels: unknown channel 'fax'"
        ):
            load_pack("cn.yaml", pack_file(rules))

    def test_refuses_a_file_that_is_not_yaml(self):
        with pytest.raises(CatalogError, match=r"^cn\.yaml: not valid YAML"):
            load_pack("cn.yaml", "rules: [")


class TestPhraseNotation:
    def test_expands_alternatives_and_optional_groups(self):
        phrases = compile_phrase("(we'll|we will) (come |)take your (tv|car)", language="en")

        assert sorted(phrase.text for phrase in phrases) == [
            "we will come take your car",
            "we will come take your tv",
            "we will take your car",
            "we will take your tv",
            "we'll come take your car",
            "we'll come take your tv",
            "we'll take your car",
            "we'll take your tv",
        ]

    def test_compiles_parts_to_the_folded_skeleton(self):
        (phrase,) = compile_phrase("Legal action", language="en")

        assert [part.skeleton for part in phrase.parts] == ["iegaiaction"]
        assert phrase.parts[0].word_starts == frozenset({5})

    def test_a_gap_splits_a_phrase_into_parts(self):
        (phrase,) = compile_phrase("张贴…公告", language="zh")

        assert [part.skeleton for part in phrase.parts] == ["张贴", "公告"]
        assert phrase.gap == 8

    def test_a_star_lifts_the_word_boundary_at_its_end(self):
        (phrase,) = compile_phrase("*fuck*", language="en")

        assert not phrase.parts[0].checks_start_boundary
        assert not phrase.parts[0].checks_end_boundary

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("a)", "unbalanced"),
            ("(a|b", "unclosed"),
            ("x…老赖", "fewer than two"),
            ("   ", "empty phrase"),
            ("(a|b|c|d)(a|b|c|d)(a|b|c|d)(a|b|c|d)(a|b)", "alternatives"),
        ],
    )
    def test_refuses_a_phrase_it_cannot_compile(self, text, message):
        with pytest.raises(PhraseError, match=message):
            compile_phrase(text, language="en")
