"""The content linter holds up against simple evasion, and does not join unrelated words."""

import pytest

from arrears.compliance.linter import lint
from arrears.compliance.linter.normalize import normalize


def spans(text, packs=("cn", "us-regf")):
    return [(hit.rule_id, hit.start, hit.end, hit.matched) for hit in lint(text, packs=packs).hits]


class TestEvasion:
    @pytest.mark.parametrize(
        ("text", "matched"),
        [
            ("JAIL", "JAIL"),
            ("ｊａｉｌ", "ｊａｉｌ"),
            ("j a i l", "j a i l"),
            ("j.a.i.l", "j.a.i.l"),
            ("j-a-i-l", "j-a-i-l"),
            ("j_a_i_l", "j_a_i_l"),
            ("j  a  i  l", "j  a  i  l"),
            ("j\u200ba\u200bi\u200bl", "j\u200ba\u200bi\u200bl"),
            ("ja\u00adil", "ja\u00adil"),
            ("J4IL", "J4IL"),
            ("j 4 i l", "j 4 i l"),
            ("ja1l", "ja1l"),
            ("j@il", "j@il"),
            ("jai|", "jai|"),
            ("jáíl", "jáíl"),
            ("јаil", "јаil"),
            ("you'll go to ja il", "ja il"),
            ("no jail!", "jail"),
        ],
    )
    def test_finds_jail_however_it_is_written(self, text, matched):
        assert [(hit[0], hit[3]) for hit in spans(text, packs=("us-regf",))] == [("US-C09", matched)]

    @pytest.mark.parametrize(
        ("text", "matched"),
        [
            ("坐牢", "坐牢"),
            ("坐 牢", "坐 牢"),
            ("坐-牢", "坐-牢"),
            ("坐\u3000牢", "坐\u3000牢"),
            ("坐\u200b牢", "坐\u200b牢"),
            ("坐★牢", "坐★牢"),
            ("坐😀牢", "坐😀牢"),
        ],
    )
    def test_finds_a_chinese_threat_with_separators_between_the_characters(self, text, matched):
        assert spans(text, packs=("cn",)) == [("CN-C02", 0, len(text), matched)]

    @pytest.mark.parametrize(
        ("text", "matched"),
        [
            ("老賴", "老賴"),
            ("你這個老 賴", "老 賴"),
            ("騙子", "騙子"),
            ("後果自負", "後果自負"),
            ("爆通訊錄", "爆通訊錄"),
        ],
    )
    def test_reads_traditional_characters_as_simplified(self, text, matched):
        assert [hit[3] for hit in spans(text, packs=("cn",))] == [matched]

    def test_reads_the_polite_you_as_the_plain_one(self):
        assert spans("我们知道您孩子在哪上学", packs=("cn",)) == [("CN-C02", 5, 11, "孩子在哪上学")]
        assert spans("通知您的家人", packs=("cn",)) == [("CN-C04", 0, 6, "通知您的家人")]

    @pytest.mark.parametrize(
        ("text", "matched"),
        [
            ("$cum", "$cum"),
            ("a$$hole", "a$$hole"),
            ("sh1t", "sh1t"),
            ("motherfucker", "fuck"),
            ("f.u.c.k", "f.u.c.k"),
            ("L0SER", "L0SER"),
            ("d3adb3at", "d3adb3at"),
        ],
    )
    def test_finds_abuse_behind_letter_substitutions(self, text, matched):
        assert [(hit[0], hit[3]) for hit in spans(text, packs=("us-regf",))] == [("US-C02", matched)]

    def test_finds_multi_word_phrases_across_spaces_lines_and_missing_spaces(self):
        assert [hit[3] for hit in spans("legal   action", packs=("us-regf",))] == ["legal   action"]
        assert [hit[3] for hit in spans("take legal\n\naction", packs=("us-regf",))] == ["legal\n\naction"]
        assert [hit[3] for hit in spans("we'll tellyourboss", packs=("us-regf",))] == ["tellyourboss"]

    def test_a_gap_stays_within_one_sentence(self):
        assert spans("我们将在你小区张贴公告", packs=("cn",)) == [("CN-C07", 5, 11, "小区张贴公告")]
        assert spans("张贴。公告", packs=("cn",)) == []


class TestPrecision:
    @pytest.mark.parametrize(
        "text",
        [
            "Raja illustrates the point.",
            "Our staff are courteous.",
            "Scunthorpe office",
            "Meet me at the ft. Myers office.",
            "The food court is on level 2.",
            "If you suspect identity theft, call us.",
            "Please ask for Sue.",
            "You may receive IRS Form 1099-C.",
            "This is a peculiar case.",
            "The closer you look, the better.",
            "We pursue your best interest.",
            "deadbeating",
            "ja\nil",
            "j     a i l",
        ],
    )
    def test_does_not_join_or_cut_unrelated_words(self, text):
        assert spans(text, packs=("cn", "us-regf", "uk-conc")) == []

    @pytest.mark.parametrize("text", ["坐。牢", "坐，牢", "诈骗，子女", "废物回收站", "谨防骗子"])
    def test_clause_punctuation_and_exceptions_keep_chinese_precise(self, text):
        assert spans(text, packs=("cn",)) == []


class TestOffsets:
    def test_a_span_found_after_normalisation_points_into_the_original_text(self):
        text = "\ufb01ne. ＹＯＵ\u200b ＷＩＬＬ go to ｊ\u200bａｉｌ"

        (hit,) = lint(text, packs=["us-regf"]).hits

        assert (hit.start, hit.end) == (21, 26)
        assert text[hit.start : hit.end] == hit.matched == "ｊ\u200bａｉｌ"

    def test_expanding_and_vanishing_characters_keep_the_map_aligned(self):
        normalized = normalize("ﬁ\u200bA")

        assert normalized.text == "fia"
        assert normalized.origin == [0, 0, 2]
        assert normalized.original_span(2, 3) == (2, 3)

    def test_the_skeleton_drops_separators_and_folds_substitutions(self):
        normalized = normalize("J.4-1L, 坐 牢!")

        assert normalized.skeleton == "jaii坐牢"
        assert normalized.skeleton_index == [0, 2, 4, 5, 8, 10]

    def test_digits_in_a_chinese_text_stay_digits_unless_they_stand_in_a_latin_word(self):
        assert normalize("尾号1234的账户").skeleton == "尾号1234的账户"
        assert normalize("坐牢 j41l").skeleton == "坐牢jaii"
