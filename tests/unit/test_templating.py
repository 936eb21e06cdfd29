"""The template language: validation with lines, the sandbox, money and dates per language."""

from datetime import date
from decimal import Decimal

import pytest

from arrears.comms import templating
from arrears.core.money import Money


def sample(language="en", **overrides):
    values = {variable.name: variable.example(language) for variable in templating.CATALOG}
    values["language"] = language
    return {**values, **overrides}


class TestValidateTemplate:
    def test_accepts_a_template_that_uses_documented_variables_filters_and_branches(self):
        body = "{{ salutation }}\n{% if days_past_due %}{{ total_due|money }} {{ due_date|month_day }}{% endif %}"

        assert templating.validate_template("{{ creditor_name }}", body) == []

    def test_refuses_an_unknown_variable_with_its_line(self):
        problems = templating.validate_template("", "Hello {{ salutation }}\n\nYou owe {{ balance }}.")

        assert problems == [templating.TemplateProblem("body", 3, "unknown_variable", "balance")]

    def test_refuses_a_syntax_error_with_its_line(self):
        problems = templating.validate_template("", "line one\nline two\nyou owe {{ total_due }")

        assert [(problem.part, problem.line, problem.kind) for problem in problems] == [("body", 3, "syntax")]

    def test_an_unclosed_block_is_reported_where_it_opens(self):
        problems = templating.validate_template("", "line one\n{% if total_due %}\nno end")

        assert [(problem.line, problem.kind) for problem in problems] == [(2, "syntax")]

    def test_names_the_subject_when_the_problem_is_there(self):
        problems = templating.validate_template("{{ nickname }}", "fine")

        assert problems == [templating.TemplateProblem("subject", 1, "unknown_variable", "nickname")]

    @pytest.mark.parametrize(
        ("body", "detail"),
        [
            ("{{ ''.__class__ }}", "attribute access"),
            ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "a call"),
            ("{{ salutation.upper() }}", "a call"),
            ("{{ total_due.__class__ }}", "unknown_attribute"),
            ("{% include 'secrets.txt' %}", "include"),
            ("{% import 'macros' as m %}", "import"),
            ("{{ 'x' * 1000000000 }}", "arithmetic"),
            ("{{ salutation|attr('__class__') }}", "unknown_filter"),
            ("{{ cycler }}", "unknown_variable"),
        ],
    )
    def test_refuses_code_and_reaching_into_objects(self, body, detail):
        problems = templating.validate_template("", body)

        assert problems
        assert any(detail in (problem.detail, problem.kind) for problem in problems)

    def test_allows_the_documented_attributes_of_money_and_dates_and_the_loop(self):
        body = "{{ total_due.amount }} {{ total_due.currency }} {{ due_date.year }}{% for c in account_tail %}{{ loop.index }}{% endfor %}"

        assert templating.validate_template("", body) == []


class TestRender:
    def test_prints_amounts_to_the_cent_with_the_currency(self):
        values = sample(total_due=Money(Decimal("1234.5"), "USD"), fee_due=Money(Decimal("0.05"), "USD"))

        rendered = templating.render(
            "", "{{ total_due }} / {{ fee_due|money }} / {{ total_due|amount }}", values
        )

        assert rendered.body == "1,234.50 USD / 0.05 USD / 1,234.50"

    def test_prints_yuan_and_chinese_dates_in_chinese(self):
        values = sample("zh-hans", total_due=Money(Decimal("1234.50"), "CNY"), due_date=date(2026, 3, 31))

        rendered = templating.render(
            "", "金额为{{ total_due }}，{{ due_date }}，{{ due_date|month_day }}", values
        )

        assert rendered.body == "金额为1,234.50元，2026年3月31日，3月31日"

    def test_prints_english_dates_day_month_year(self):
        rendered = templating.render(
            "{{ due_date }}", "{{ due_date|month_day }}", sample(due_date=date(2026, 2, 28))
        )

        assert rendered == templating.Rendered(subject="28 February 2026", body="28 February")

    def test_refuses_to_run_a_template_that_reaches_into_objects(self):
        with pytest.raises(templating.TemplateInvalid):
            templating.render("", "{{ ''.__class__.__mro__ }}", sample())

    def test_a_missing_value_fails_instead_of_printing_nothing(self):
        values = sample()
        del values["total_due"]

        with pytest.raises(templating.RenderFailed):
            templating.render("", "You owe {{ total_due }}", values)

    def test_prints_text_as_it_is_without_html_escaping(self):
        rendered = templating.render("", "{{ debtor_name }}", sample(debtor_name="O'Brien & <Sons>"))

        assert rendered.body == "O'Brien & <Sons>"

    def test_the_sandbox_refuses_unsafe_attributes_even_past_validation(self):
        compiled = templating.ENVIRONMENT.from_string("{{ value.__class__ }}")

        with pytest.raises(Exception, match="__class__"):
            compiled.render(value="text")


class TestCatalog:
    def test_every_variable_has_a_type_examples_and_both_descriptions(self):
        for variable in templating.CATALOG:
            assert variable.type in {"text", "money", "date", "integer"}
            assert variable.description_en and variable.description_zh
            assert variable.example_en is not None and variable.example_zh is not None
