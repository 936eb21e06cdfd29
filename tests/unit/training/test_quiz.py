"""The certification quiz: the shipped one loads, scoring rounds down, bad files name their lines."""

import pytest

from arrears.training.course import default_text
from arrears.training.documents import InvalidDocument
from arrears.training.quiz import load_quiz, score_quiz

QUIZ = """\
quiz: small
version: 1
title: {en: "Small quiz", zh: "小测验"}
pass_mark: 80
questions:
  - id: one
    question: {en: "One?", zh: "一？"}
    choices:
      - {id: a, en: "Yes", zh: "是", correct: true}
      - {id: b, en: "No", zh: "否"}
    explanation: {en: "Because.", zh: "因为。"}
  - id: two
    question: {en: "Two?", zh: "二？"}
    choices:
      - {id: a, en: "Yes", zh: "是"}
      - {id: b, en: "No", zh: "否", correct: true}
    explanation: {en: "Because.", zh: "因为。"}
  - id: three
    question: {en: "Three?", zh: "三？"}
    choices:
      - {id: a, en: "Yes", zh: "是", correct: true}
      - {id: b, en: "No", zh: "否"}
    explanation: {en: "Because.", zh: "因为。"}
"""


class TestShippedQuiz:
    def test_has_between_ten_and_fifteen_questions_each_with_one_answer_and_a_pass_mark(self):
        quiz = load_quiz(default_text("quiz.yaml"))

        assert 10 <= len(quiz.questions) <= 15
        assert quiz.pass_mark == 80
        assert quiz.certification.practice_passed == 1

    def test_all_right_answers_pass_and_no_answers_fail(self):
        quiz = load_quiz(default_text("quiz.yaml"))

        perfect = score_quiz(quiz, {question.id: question.answer for question in quiz.questions})
        empty = score_quiz(quiz, {})

        assert (perfect.correct, perfect.percent, perfect.passed) == (13, 100, True)
        assert (empty.correct, empty.percent, empty.passed) == (0, 0, False)


class TestScoreQuiz:
    def test_two_of_three_is_66_per_cent_rounded_down_and_fails_at_80(self):
        result = score_quiz(load_quiz(QUIZ), {"one": "a", "two": "b", "three": "b"})

        assert (result.correct, result.total, result.percent, result.passed) == (2, 3, 66, False)
        assert result.wrong == ("three",)

    def test_the_pass_mark_itself_passes(self):
        quiz = load_quiz(QUIZ.replace("pass_mark: 80", "pass_mark: 66"))

        assert score_quiz(quiz, {"one": "a", "two": "b"}).passed

    def test_an_unknown_choice_counts_as_wrong(self):
        result = score_quiz(load_quiz(QUIZ), {"one": "z", "two": "b", "three": "a"})

        assert result.wrong == ("one",)


class TestValidation:
    def test_a_question_with_two_correct_choices_names_its_line(self):
        text = QUIZ.replace(
            '{id: b, en: "No", zh: "否"}\n    explanation',
            '{id: b, en: "No", zh: "否", correct: true}\n    explanation',
            1,
        )

        with pytest.raises(InvalidDocument) as caught:
            load_quiz(text)

        assert caught.value.problems == [
            "line 8: questions[0].choices: question 'one' has 2 correct choices; give exactly one"
        ]

    def test_a_repeated_question_id_names_its_line(self):
        with pytest.raises(InvalidDocument) as caught:
            load_quiz(QUIZ.replace("  - id: two", "  - id: one"))

        assert caught.value.problems == ["line 12: questions[1].id: question 'one' is defined twice"]
