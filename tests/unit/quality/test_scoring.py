"""The scorecard arithmetic: weights, not-applicable items, critical items, the pass mark."""

from decimal import Decimal

import pytest

from arrears.quality import scoring
from arrears.quality.scoring import Mark, ScorecardItem, ScorecardSpec, Section

SECTIONS = (Section("principles", "Principles", "基本原则"), Section("skills", "Skills", "沟通技巧"))


def item(key, weight, *, critical=False, allows_not_applicable=False, section="skills"):
    return ScorecardItem(
        key=key,
        label_en=key.title(),
        label_zh="项目",
        weight=Decimal(weight),
        section=section,
        critical=critical,
        allows_not_applicable=allows_not_applicable,
    )


SPEC = ScorecardSpec(
    sections=SECTIONS,
    items=(
        item("legality", "30", critical=True, section="principles"),
        item("greeting", "12.5"),
        item("solution", "27.5", allows_not_applicable=True),
        item("closing", "30"),
    ),
    pass_percent=Decimal(80),
)


def marks(**overrides):
    return {key: overrides.get(key, Mark.PASS) for key in ("legality", "greeting", "solution", "closing")}


class TestScore:
    def test_all_passed_scores_every_point(self):
        result = scoring.score(SPEC, marks())

        assert result.points == Decimal("100.0")
        assert result.percent == Decimal("100.00")
        assert result.passed is True
        assert result.failed == ()

    def test_a_failed_item_loses_its_weight(self):
        result = scoring.score(SPEC, marks(greeting=Mark.FAIL))

        assert result.points == Decimal("87.5")
        assert result.possible == Decimal("100.0")
        assert result.percent == Decimal("87.50")
        assert result.passed is True
        assert result.failed == ("greeting",)

    def test_a_not_applicable_item_leaves_the_denominator(self):
        result = scoring.score(SPEC, marks(solution=Mark.NOT_APPLICABLE, greeting=Mark.FAIL))

        assert result.possible == Decimal("72.5")
        assert result.points == Decimal("60.0")
        # 60 / 72.5 = 82.758… → 82.76
        assert result.percent == Decimal("82.76")
        assert result.passed is True

    def test_a_failed_critical_item_fails_the_contact_whatever_the_score(self):
        result = scoring.score(SPEC, marks(legality=Mark.FAIL))

        assert result.percent == Decimal("70.00")
        assert result.failed_critical == ("legality",)
        assert result.passed is False

    def test_a_failed_critical_item_fails_even_above_the_pass_mark(self):
        spec = ScorecardSpec(
            sections=SECTIONS,
            items=(item("privacy", "5", critical=True), item("rest", "95")),
            pass_percent=Decimal(80),
        )

        result = scoring.score(spec, {"privacy": Mark.FAIL, "rest": Mark.PASS})

        assert result.percent == Decimal("95.00")
        assert result.passed is False
        assert result.failed_critical == ("privacy",)

    def test_below_the_pass_mark_fails_without_a_critical_item(self):
        result = scoring.score(SPEC, marks(closing=Mark.FAIL))

        assert result.percent == Decimal("70.00")
        assert result.failed_critical == ()
        assert result.passed is False

    def test_exactly_the_pass_mark_passes(self):
        spec = ScorecardSpec(
            sections=SECTIONS, items=(item("a", "80"), item("b", "20")), pass_percent=Decimal(80)
        )

        result = scoring.score(spec, {"a": Mark.PASS, "b": Mark.FAIL})

        assert result.percent == Decimal("80.00")
        assert result.passed is True

    def test_one_third_rounds_down(self):
        spec = ScorecardSpec(sections=SECTIONS, items=(item("a", "1"), item("b", "2")))

        assert scoring.score(spec, {"a": Mark.PASS, "b": Mark.FAIL}).percent == Decimal("33.33")

    def test_two_thirds_rounds_up(self):
        spec = ScorecardSpec(sections=SECTIONS, items=(item("a", "2"), item("b", "1")))

        assert scoring.score(spec, {"a": Mark.PASS, "b": Mark.FAIL}).percent == Decimal("66.67")

    def test_everything_not_applicable_scores_full_marks(self):
        spec = ScorecardSpec(sections=SECTIONS, items=(item("a", "100", allows_not_applicable=True),))

        result = scoring.score(spec, {"a": Mark.NOT_APPLICABLE})

        assert result.possible == Decimal(0)
        assert result.percent == Decimal("100.00")
        assert result.passed is True

    def test_refuses_marks_that_leave_an_item_out_or_name_an_unknown_one(self):
        with pytest.raises(scoring.InvalidMarks) as caught:
            scoring.score(
                SPEC, {"legality": Mark.PASS, "greeting": Mark.PASS, "solution": Mark.PASS, "tone": Mark.PASS}
            )

        assert [(p.code, p.key) for p in caught.value.problems] == [
            ("unmarked", "closing"),
            ("unknown_item", "tone"),
        ]

    def test_refuses_not_applicable_on_an_item_that_always_applies(self):
        with pytest.raises(scoring.InvalidMarks) as caught:
            scoring.score(SPEC, marks(legality=Mark.NOT_APPLICABLE))

        assert [(p.code, p.key) for p in caught.value.problems] == [("not_applicable_refused", "legality")]


class TestValidateSpec:
    def test_the_default_scorecard_is_valid_and_follows_the_manual(self):
        spec = scoring.default_spec()

        assert scoring.validate_spec(spec) == []
        assert [i.key for i in spec.items if i.section == "principles"] == [
            "legality",
            "compliance",
            "professionalism",
            "customer_orientation",
            "confidentiality",
        ]
        assert [i.key for i in spec.items if i.section == "skills"] == [
            "identification_greeting",
            "verify_debt_facts",
            "listening_clarifying",
            "consequences_calmly",
            "propose_solution",
            "agree_next_step",
            "closing",
        ]
        assert {i.key for i in spec.items if i.critical} == {
            "legality",
            "compliance",
            "confidentiality",
            "consequences_calmly",
        }

    def test_weights_that_do_not_add_up_to_100_are_named_with_their_total(self):
        spec = ScorecardSpec(sections=SECTIONS, items=(item("a", "60"), item("b", "30.5")))

        problems = scoring.validate_spec(spec)

        assert problems == [scoring.Problem("weights_total", params={"total": "90.5", "expected": "100"})]

    def test_repeated_keys_unknown_sections_and_bad_weights_are_each_reported(self):
        spec = ScorecardSpec(
            sections=SECTIONS,
            items=(
                item("a", "50"),
                item("a", "50"),
                item("b", "0", section="tone"),
                item("c", "0.001"),
                item("Bad Key", "-0.001"),
            ),
        )

        codes = [(p.code, p.key) for p in scoring.validate_spec(spec)]

        assert codes == [
            ("duplicate_key", "a"),
            ("weight_not_positive", "b"),
            ("unknown_section", "b"),
            ("weight_precision", "c"),
            ("item_key_format", "Bad Key"),
            ("weight_not_positive", "Bad Key"),
        ]

    def test_an_empty_scorecard_and_a_pass_mark_out_of_range(self):
        spec = ScorecardSpec(sections=SECTIONS, items=(), pass_percent=Decimal(120))

        codes = [p.code for p in scoring.validate_spec(spec)]

        assert codes == ["no_items", "pass_percent_range"]

    def test_a_label_missing_in_one_language(self):
        spec = ScorecardSpec(
            sections=SECTIONS,
            items=(ScorecardItem("a", "A", " ", Decimal(100), "skills"),),
        )

        assert [(p.code, p.key) for p in scoring.validate_spec(spec)] == [("item_label_missing", "a")]


class TestSpecData:
    def test_round_trips_through_plain_data(self):
        spec = scoring.default_spec()

        assert scoring.spec_from_data(scoring.spec_to_data(spec)) == spec

    def test_reading_data_that_is_not_a_scorecard_names_each_field(self):
        with pytest.raises(scoring.InvalidSpec) as caught:
            scoring.spec_from_data(
                {"sections": [], "items": [{"key": "a", "weight": "ten"}], "pass_percent": True}
            )

        assert [(p.code, p.key) for p in caught.value.problems] == [
            ("field_missing", "items[0].label_en"),
            ("field_missing", "items[0].label_zh"),
            ("not_a_number", "items[0].weight"),
            ("field_missing", "items[0].section"),
            ("not_a_number", "pass_percent"),
        ]

    def test_refuses_something_that_is_not_a_mapping(self):
        with pytest.raises(scoring.InvalidSpec):
            scoring.spec_from_data(["items"])
