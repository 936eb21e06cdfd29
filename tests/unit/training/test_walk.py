"""A practice step: the linter, the elements and intents, the branch; the whole conversation on the scorecard."""

from decimal import Decimal

import pytest

from arrears.quality.scoring import Mark, default_spec
from arrears.training.course import default_text
from arrears.training.scenarios import load_scenario
from arrears.training.walk import StepRefused, score_walk, take_step


def scenario(name):
    return load_scenario(default_text(f"scenarios/{name}.yaml"))


def walk(loaded, replies, *, language):
    node, steps = loaded.start, []
    for reply in replies:
        keyword = {"choice": reply[1:]} if reply.startswith("@") else {"reply": reply}
        step = take_step(loaded, node, language=language, **keyword)
        steps.append(step)
        node = step.next_node
    return steps


FORGOT_ZH = (
    "您好，我是明亮消费金融的客服小王。",
    "李女士，温馨提醒您，您尾号为4821的账单已于3月15日到期，金额为3,250.00元。",
    "您可以通过APP还款，或者转账到我们的对公账户。今天方便安排吗？",
    "好的，那我们约定今天晚上还款，感谢您的配合，再见。",
)


class TestTakeStep:
    def test_a_threat_is_blocked_and_leads_to_the_complaint(self):
        loaded = scenario("refusal")
        first = take_step(loaded, "hello", reply="您好，我是明亮消费金融的客服小王。", language="zh-hans")

        step = take_step(loaded, first.next_node, reply="再不还就让你坐牢", language="zh-hans")

        assert step.is_blocked
        assert [hit.rule_id for hit in step.hits] == ["CN-C02"]
        assert step.next_node == "complaint"

    def test_the_elements_shown_choose_the_branch_and_the_missing_ones_are_listed(self):
        step = take_step(scenario("forgot"), "hello", reply="Hello there.", language="en")

        assert step.found == ("greeting",)
        assert step.missing == ("identify_self", "identify_creditor")
        assert step.next_node == "who"

    def test_an_intent_of_the_scenario_is_found_by_its_phrases(self):
        step = take_step(
            scenario("dispute"),
            "objection",
            reply="Let me check that with you: could you send the receipt?",
            language="en",
        )

        assert "verify" in step.found
        assert step.next_node == "proof"

    def test_a_wrong_amount_is_not_shown_but_reported(self):
        step = take_step(
            scenario("forgot"),
            "listening",
            reply="您的账单已于3月15日到期，金额为3,520.00元。",
            language="zh",
        )

        assert "state_amount" not in step.found
        assert step.mismatched == ("state_amount",)
        assert step.next_node == "unclear"

    def test_a_choice_node_refuses_typed_text_and_unknown_choices(self):
        loaded = scenario("clerk")

        with pytest.raises(StepRefused) as typed:
            take_step(loaded, "message", reply="Tell him to call me.", language="en")
        with pytest.raises(StepRefused) as unknown:
            take_step(loaded, "message", choice="shout", language="en")

        assert (typed.value.code, unknown.value.code) == ("choice_needed", "unknown_choice")

    def test_an_empty_reply_and_a_finished_conversation_are_refused(self):
        loaded = scenario("forgot")

        with pytest.raises(StepRefused) as empty:
            take_step(loaded, "hello", reply="   ", language="en")
        with pytest.raises(StepRefused) as over:
            take_step(loaded, "promised", reply="Hello", language="en")

        assert (empty.value.code, over.value.code) == ("empty", "finished")


class TestScoreWalk:
    def test_a_good_call_to_a_customer_who_forgot_scores_100_and_passes(self):
        loaded = scenario("forgot")
        steps = walk(loaded, FORGOT_ZH, language="zh-hans")

        scored = score_walk(loaded, steps, spec=default_spec())

        assert [step.next_node for step in steps] == ["listening", "forgot", "when", "promised"]
        assert (scored.outcome, scored.success, scored.passed) == ("promise", True, True)
        assert scored.result.percent == Decimal("100.00")
        assert scored.marks["propose_solution"] is Mark.NOT_APPLICABLE

    def test_a_threat_fails_the_critical_items_whatever_else_was_said(self):
        loaded = scenario("refusal")
        steps = walk(loaded, ["您好，我是明亮消费金融的客服小王。", "再不还就让你坐牢"], language="zh")

        scored = score_walk(loaded, steps, spec=default_spec())

        assert (scored.outcome, scored.passed) == ("complaint", False)
        assert {"legality", "compliance", "consequences_calmly"} <= set(scored.result.failed_critical)
        assert scored.result.percent == Decimal("8.70")

    def test_the_clerk_escalated_by_choice_passes_without_stating_the_amount(self):
        loaded = scenario("clerk")
        steps = walk(
            loaded,
            [
                "Hello, my name is Wang, calling from Bright Supplies Ltd.",
                "Who decides on payments: is the director in charge?",
                "@callback",
            ],
            language="en",
        )

        scored = score_walk(loaded, steps, spec=default_spec())

        assert (scored.outcome, scored.passed) == ("escalated", True)
        assert scored.result.failed == ("verify_debt_facts",)
        assert scored.result.percent == Decimal("91.30")

    def test_the_wrong_choice_ends_in_a_complaint_and_fails(self):
        loaded = scenario("clerk")
        steps = walk(
            loaded,
            [
                "Hello, my name is Wang, calling from Bright Supplies Ltd.",
                "Who decides on payments here?",
                "@pressure",
            ],
            language="en",
        )

        scored = score_walk(loaded, steps, spec=default_spec())

        assert (scored.outcome, scored.success, scored.passed) == ("complaint", False, False)
