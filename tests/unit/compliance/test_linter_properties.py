"""Properties of the content linter over generated texts."""

from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.compliance.linter import lint

CHINESE_PHRASES = [("CN-C02", "坐牢"), ("CN-C03", "老赖"), ("CN-C02", "后果自负"), ("CN-C04", "爆通讯录")]
ENGLISH_PHRASES = [("US-C09", "jail"), ("US-C02", "deadbeat"), ("US-C10", "lawsuit"), ("US-C06", "sheriff")]
SEPARATORS = st.text(alphabet=" -.*_~·\u200b\u3000★", max_size=3)
CHINESE_FILLER = st.text(alphabet="您好请按时还款谢谢，。", max_size=12)
ENGLISH_FILLER = st.sampled_from(["", "Hello, ", "Please note: ", "We said "])


def spaced(phrase: str, separators: list[str]) -> str:
    return "".join(char + separator for char, separator in zip(phrase, [*separators, ""], strict=False))


class TestProperties:
    @settings(max_examples=150, deadline=None)
    @given(st.text(max_size=200))
    def test_hits_are_ordered_and_point_into_any_text(self, text):
        result = lint(text)

        assert [hit.start for hit in result.hits] == sorted(hit.start for hit in result.hits)
        assert all(hit.start < hit.end and text[hit.start : hit.end] == hit.matched for hit in result.hits)

    @settings(max_examples=100, deadline=None)
    @given(
        st.sampled_from(CHINESE_PHRASES),
        st.lists(SEPARATORS, min_size=3, max_size=3),
        CHINESE_FILLER,
        CHINESE_FILLER,
    )
    def test_separators_between_chinese_characters_do_not_hide_a_phrase(
        self, rule_and_phrase, separators, before, after
    ):
        rule_id, phrase = rule_and_phrase
        text = before + spaced(phrase, separators) + after

        assert rule_id in {hit.rule_id for hit in lint(text, packs=["cn"]).hits}

    @settings(max_examples=100, deadline=None)
    @given(
        st.sampled_from(ENGLISH_PHRASES),
        st.sampled_from(["", " ", ".", "-", "_", "\u200b", " . "]),
        st.booleans(),
        ENGLISH_FILLER,
    )
    def test_spacing_case_and_width_do_not_hide_an_english_phrase(
        self, rule_and_phrase, separator, upper, before
    ):
        rule_id, phrase = rule_and_phrase
        word = separator.join(phrase.upper() if upper else phrase)
        wide = "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in word)

        for written in (word, wide):
            assert rule_id in {hit.rule_id for hit in lint(before + written + "!", packs=["us-regf"]).hits}
