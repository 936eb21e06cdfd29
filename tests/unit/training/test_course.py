"""The built-in course, written from the seed: every lesson in both languages, its examples checked by the linter."""

import pytest

from arrears.compliance.linter import LintContext, lint
from arrears.training.course import default_course, load_course
from arrears.training.documents import InvalidDocument

COURSE = default_course()
SAY = [(lesson.id, example) for lesson in COURSE.lessons for example in lesson.say]
NEVER = [(lesson.id, example) for lesson in COURSE.lessons for example in lesson.never_say]


class TestDefaultCourse:
    def test_covers_the_principles_the_three_stages_and_the_service_skills(self):
        assert [lesson.id for lesson in COURSE.lessons] == [
            "principles",
            "preparation",
            "early",
            "mid",
            "late",
            "service",
        ]

    def test_the_principles_lesson_names_the_five_principles_in_both_languages(self):
        lesson = COURSE.lesson("principles")

        for word in ("Legality", "Compliance", "Professionalism", "Customer orientation", "Confidentiality"):
            assert word in lesson.body.en
        for word in ("合法性原则", "合规性原则", "专业性原则", "客户导向原则", "保密原则"):
            assert word in lesson.body.zh

    def test_the_early_lesson_quotes_the_seeds_reminder(self):
        assert "温馨提醒您，您尾号为XXXX的账单已于X月X日到期" in COURSE.lesson("early").body.zh

    @pytest.mark.parametrize(
        ("lesson", "example"), NEVER, ids=[f"{lid}-{n}" for n, (lid, _e) in enumerate(NEVER)]
    )
    def test_every_never_say_example_is_blocked_by_the_linter_in_both_languages(self, lesson, example):
        for language in ("en", "zh"):
            result = lint(
                getattr(example.text, language),
                language=language,
                packs=["cn"],
                context=LintContext(channel="call"),
            )

            assert result.is_blocked, (lesson, language)

    @pytest.mark.parametrize(
        ("lesson", "example"), SAY, ids=[f"{lid}-{n}" for n, (lid, _e) in enumerate(SAY)]
    )
    def test_every_say_example_passes_the_linter_for_a_creditor_that_reports_to_the_bureau(
        self, lesson, example
    ):
        context = LintContext(channel="call", reports_to_credit_bureaus=True)
        for language in ("en", "zh"):
            assert (
                lint(getattr(example, language), language=language, packs=["cn"], context=context).hits == ()
            )

    def test_paragraphs_split_on_blank_lines(self):
        assert len(COURSE.lesson("principles").paragraphs("zh")) == 6


class TestValidation:
    def test_a_repeated_lesson_names_its_line(self):
        text = """\
course: c
version: 1
title: {en: T, zh: T}
lessons:
  - {id: a, title: {en: A, zh: A}, body: {en: x, zh: x}}
  - {id: a, title: {en: B, zh: B}, body: {en: y, zh: y}}
"""
        with pytest.raises(InvalidDocument) as caught:
            load_course(text)

        assert caught.value.problems == ["line 6: lessons[1].id: lesson 'a' is defined twice"]
