"""Scenario files: the shipped personas load; unknown targets, unreachable nodes and dead ends name their lines."""

import textwrap

import pytest

from arrears.training.course import default_text
from arrears.training.documents import InvalidDocument
from arrears.training.scenarios import PERSONAS, load_scenario

HEAD = """\
scenario: practice
version: 1
persona: forgot
title: {en: "Practice", zh: "练习"}
brief: {en: "A brief", zh: "简介"}
facts:
  creditor: {en: "Bright Finance", zh: "明亮金融"}
  amount: "100.00"
  currency: CNY
  due_date: 2026-03-15
start: hello
nodes:
"""


def scenario(nodes: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(nodes), "  ")


def problems(text: str) -> list[str]:
    with pytest.raises(InvalidDocument) as caught:
        load_scenario(text, source="practice.yaml")
    return caught.value.problems


GOOD = """\
hello:
  debtor: {en: "Hello?", zh: "喂？"}
  expect: [greeting]
  branches:
    - violation: true
      goto: complaint
    - shows: [greeting]
      goto: paid
    - otherwise: true
      goto: complaint
paid:
  debtor: {en: "I will pay.", zh: "我会还。"}
  outcome: promise
  success: true
complaint:
  debtor: {en: "I will complain.", zh: "我要投诉。"}
  outcome: complaint
"""


class TestShippedScenarios:
    @pytest.mark.parametrize("name", ["forgot", "hardship", "dispute", "refusal", "clerk"])
    def test_each_persona_loads_with_both_languages_on_every_line(self, name):
        loaded = load_scenario(default_text(f"scenarios/{name}.yaml"), source=f"{name}.yaml")

        assert loaded.persona == name
        assert all(node.debtor.en and node.debtor.zh for node in loaded.nodes.values())

    def test_the_five_personas_are_covered(self):
        assert PERSONAS == ("forgot", "hardship", "dispute", "refusal", "clerk")


class TestValidation:
    def test_a_well_formed_scenario_loads(self):
        loaded = load_scenario(scenario(GOOD))

        assert loaded.start == "hello"
        assert loaded.node("paid").is_terminal

    def test_an_unknown_target_names_its_line(self):
        text = scenario(GOOD.replace("goto: paid", "goto: payed"))

        assert problems(text) == ["line 20: nodes.hello.branches[1].goto: no node named 'payed'"]

    def test_an_unreachable_node_names_its_line(self):
        text = scenario(GOOD + 'orphan:\n  debtor: {en: "Hm", zh: "嗯"}\n  outcome: hung_up\n')

        assert problems(text) == ["line 30: nodes.orphan: node 'orphan' is unreachable from start 'hello'"]

    def test_a_node_without_branches_or_outcome_is_a_dead_end(self):
        text = scenario(GOOD.replace("  outcome: complaint\n", ""))

        assert problems(text) == [
            "line 27: nodes.complaint: node 'complaint' is a dead end: it has neither branches nor an outcome"
        ]

    def test_a_reply_that_matches_no_branch_is_a_dead_end(self):
        text = scenario(GOOD.replace("    - otherwise: true\n      goto: complaint\n", ""))

        assert problems(text) == [
            "line 16: nodes.hello.branches: node 'hello' is a dead end for a reply that matches no branch: "
            "end its branches with `otherwise`"
        ]

    def test_a_loop_that_never_reaches_an_outcome_is_a_dead_end(self):
        looping = """\
        hello:
          debtor: {en: "Hello?", zh: "喂？"}
          branches:
            - shows: [greeting]
              goto: paid
            - otherwise: true
              goto: again
        again:
          debtor: {en: "Again?", zh: "再说一遍？"}
          branches:
            - otherwise: true
              goto: again
        paid:
          debtor: {en: "Paid.", zh: "还了。"}
          outcome: paid
          success: true
        """

        assert problems(scenario(looping)) == [
            "line 20: nodes.again: node 'again' is a dead end: no outcome can be reached from it"
        ]

    def test_an_unknown_element_names_its_line_and_the_known_names(self):
        text = scenario(GOOD.replace("shows: [greeting]", "shows: [greting]"))

        (problem,) = problems(text)
        assert problem.startswith(
            "line 19: nodes.hello.branches[1].shows[0]: unknown element or intent 'greting'"
        )
        assert "greeting" in problem

    def test_a_node_with_an_outcome_and_branches_is_refused(self):
        text = scenario(
            GOOD.replace(
                "  outcome: promise\n",
                "  outcome: promise\n  branches:\n    - otherwise: true\n      goto: hello\n",
            )
        )

        assert problems(text)[0].startswith("line 26: nodes.paid.branches: node 'paid' has an outcome")

    def test_a_line_missing_its_chinese_text_is_refused(self):
        text = scenario(GOOD.replace('debtor: {en: "Hello?", zh: "喂？"}', 'debtor: {en: "Hello?"}'))

        assert problems(text) == ["line 14: nodes.hello.debtor.zh: Field required"]

    def test_a_branch_with_two_conditions_is_refused(self):
        text = scenario(
            GOOD.replace("    - violation: true\n", "    - violation: true\n      otherwise: true\n")
        )

        assert "exactly one of shows, shows_any, choice, violation or otherwise" in problems(text)[0]

    def test_invalid_yaml_names_the_line(self):
        assert problems(HEAD + "  hello: [unclosed\n")[0].startswith("line 14: not valid YAML")

    def test_a_duplicate_node_is_refused(self):
        text = scenario(GOOD + 'paid:\n  debtor: {en: "x", zh: "x"}\n  outcome: paid\n')

        assert problems(text) == ["line 30: nodes.paid: duplicate key"]
