"""Strategies load from YAML; a bad one is refused with the line and the field of each problem."""

import textwrap

import pytest

from arrears.comms.models import Purpose
from arrears.engine.compile import action_table
from arrears.engine.strategy import InvalidStrategy, default_strategy, load_strategy

GOOD = textwrap.dedent(
    """\
    strategy: test
    version: "1"
    title: {en: Test, zh: 测试}
    segments:
      - id: big
        priority: 10
        when: "balance >= 50000"
        path: main
      - id: everyone
        priority: 20
        when: "TRUE"
        path: main
    paths:
      main:
        stages:
          - id: early
            enter_when: "days_past_due >= 1"
            exit_when: "days_past_due = 0"
            goal: full_payment
            deadline_days: 30
            actions:
              - id: reminder
                day: 0
                channel: sms
                template: early_reminder
          - id: mid
            enter_when: "days_past_due >= 31"
            exit_when: "days_past_due = 0"
            goal: arrangement
            deadline_days: 60
    """
)


def refusal(text: str) -> str:
    with pytest.raises(InvalidStrategy) as error:
        load_strategy(text, source="test.yaml")
    return str(error.value)


class TestDefaultStrategy:
    def test_loads_and_validates(self):
        strategy = default_strategy()

        assert strategy.label == "default@2026.11.1"
        assert [segment.id for segment in strategy.segments_by_priority()] == [
            "dispute", "arrangement", "hardship", "wilful", "forgot", "standard",
        ]  # fmt: skip
        assert [stage.id for stage in strategy.paths["standard"].stages] == [
            "courtesy", "early", "mid", "late", "legal",
        ]  # fmt: skip

    def test_the_good_example_loads(self):
        strategy = load_strategy(GOOD)

        assert strategy.arms == [("test", 1.0)]


class TestRefusals:
    def test_an_unknown_field_names_the_line_and_the_field(self):
        message = refusal(GOOD.replace('when: "balance >= 50000"', 'when: "balanse >= 50000"'))

        assert "test.yaml, line 7: segments[0].when: unknown field 'balanse'" in message

    def test_a_text_field_compared_with_a_number_is_a_type_mismatch(self):
        message = refusal(GOOD.replace('when: "balance >= 50000"', 'when: "product = 3"'))

        assert (
            "line 7: segments[0].when: type mismatch: product is text, compared with the number 3" in message
        )

    def test_a_number_field_compared_with_text_is_a_type_mismatch(self):
        message = refusal(GOOD.replace('"days_past_due >= 31"', "\"days_past_due >= 'thirty'\""))

        assert "line 27: paths.main.stages[1].enter_when: type mismatch: days_past_due is a number" in message

    def test_a_value_a_text_field_never_has_is_refused(self):
        message = refusal(GOOD.replace('when: "balance >= 50000"', "when: \"debtor_kind = 'firm'\""))

        assert (
            "line 7: segments[0].when: debtor_kind is never 'firm'; its values are person, company" in message
        )

    def test_a_value_in_a_list_is_checked_too(self):
        message = refusal(
            GOOD.replace('when: "balance >= 50000"', "when: \"product IN ('mortgage', 'yacht')\"")
        )

        assert "line 7: segments[0].when: product is never 'yacht'" in message

    def test_a_condition_that_is_not_true_or_false_is_refused(self):
        message = refusal(GOOD.replace('when: "balance >= 50000"', 'when: "balance + 1"'))

        assert "line 7: segments[0].when: 'balance + 1' is not a true/false condition" in message

    def test_sql_that_does_not_parse_is_refused(self):
        message = refusal(GOOD.replace('when: "balance >= 50000"', 'when: "balance >= 50000 OR"'))

        assert "line 7: segments[0].when: cannot read 'balance >= 50000 OR'" in message

    def test_an_account_key_cannot_be_a_condition(self):
        message = refusal(GOOD.replace('when: "balance >= 50000"', 'when: "debtor_id = 7"'))

        assert "line 7: segments[0].when: 'debtor_id' identifies an account" in message

    def test_overlapping_segments_sharing_a_priority_are_refused(self):
        message = refusal(GOOD.replace("priority: 20", "priority: 10"))

        assert (
            "line 10: segments[1].priority: segments 'big' and 'everyone' share priority 10; "
            "give overlapping segments distinct priorities (the lowest number wins)"
        ) in message

    def test_a_segment_every_account_of_which_goes_elsewhere_is_unreachable(self):
        message = refusal(GOOD.replace('when: "balance >= 50000"', 'when: "TRUE"'))

        assert "line 11: segments[1].when: segment 'everyone' is unreachable" in message

    def test_a_stage_a_later_stage_always_overtakes_is_unreachable(self):
        message = refusal(GOOD.replace('"days_past_due >= 31"', '"days_past_due >= 0"'))

        assert "line 17: paths.main.stages[0].enter_when: stage 'early' is unreachable" in message

    def test_a_path_no_segment_uses_is_unreachable(self):
        text = (
            GOOD
            + "  spare:\n    stages:\n      - {id: only, enter_when: 'TRUE', goal: full_payment, deadline_days: 5}\n"
        )

        message = refusal(text)

        assert "line 31: paths.spare: path 'spare' is unreachable: no segment uses it" in message

    def test_a_segment_naming_a_missing_path_is_refused(self):
        message = refusal(GOOD.replace("path: main\n  - id: everyone", "path: mian\n  - id: everyone"))

        assert "line 8: segments[0].path: no path named 'mian'" in message

    def test_an_unknown_key_is_refused_at_its_line(self):
        message = refusal(GOOD.replace("deadline_days: 60", "deadline_dayz: 60"))

        assert "line 30: paths.main.stages[1].deadline_dayz: Extra inputs are not permitted" in message

    def test_a_missing_key_names_the_item_it_is_missing_from(self):
        message = refusal(GOOD.replace("goal: arrangement", "goal: someday"))

        assert "line 29: paths.main.stages[1].goal: Input should be 'full_payment'" in message

    def test_an_sms_without_a_template_is_refused(self):
        message = refusal(GOOD.replace("template: early_reminder", "queue: early-calls"))

        assert (
            "line 22: paths.main.stages[0].actions[0]: Value error, a sms action needs a template" in message
        )

    def test_a_duplicate_key_is_refused(self):
        text = GOOD.replace("title: {en: Test, zh: 测试}", 'version: "2"')

        message = refusal(text)

        assert message == "test.yaml, line 3: version: duplicate key"

    def test_challengers_must_leave_the_champion_a_share(self):
        text = GOOD.replace(
            "title: {en: Test, zh: 测试}",
            "title: {en: Test, zh: 测试}\nchallengers: [{strategy: b, weight: 0.6}, {strategy: c, weight: 0.4}]",
        )

        message = refusal(text)

        assert "line 4: challengers: the weights add up to 1; the champion needs a share above 0" in message

    def test_yaml_that_does_not_parse_names_its_line(self):
        message = refusal(GOOD.replace("    stages:\n", "    stages: [\n"))

        assert message.startswith("test.yaml, line ")
        assert "not valid YAML" in message


class TestDefaultStrategyMessages:
    def test_every_message_it_plans_uses_a_purpose_the_message_templates_know(self):
        table = action_table(default_strategy())
        messages = table.filter(table.get_column("channel").is_in(["sms", "email", "app", "letter"]))

        assert set(messages.get_column("template").to_list()) <= set(Purpose.values)
