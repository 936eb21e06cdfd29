"""The template language of messages: sandboxed Jinja with a fixed, documented set of variables.

No code runs from a template. It may print the variables of :data:`CATALOG`, use ``{% if %}``,
``{% for %}`` and ``{% set %}``, and the filters of :data:`FILTERS`; it may not call anything,
reach attributes other than the documented ones, compute (amounts are computed by Arrears, not
by a template), include or import other templates. :func:`validate_template` reports every
breach with its line; :func:`render` refuses a template that has one, so a stored text that was
never validated still cannot run code. Pure: no Django. See ``docs/communications.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.meta import find_undeclared_variables
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import pass_context

from arrears.core.money import MINOR_UNITS, Money, round_money

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONEY_ATTRIBUTES = ("amount", "currency")
DATE_ATTRIBUTES = ("year", "month", "day")
LOOP_ATTRIBUTES = ("index", "index0", "first", "last", "length", "revindex", "revindex0")
# Jinja's own filters that cannot reach code or data beyond their argument.
SAFE_BUILTIN_FILTERS = (
    "capitalize", "default", "first", "indent", "join", "last", "length", "lower", "replace",
    "title", "trim", "truncate", "upper", "wordwrap",
)  # fmt: skip
_FORBIDDEN_NODES: tuple[tuple[type[nodes.Node], str], ...] = (
    (nodes.Call, "a call"),
    (nodes.Extends, "extends"),
    (nodes.Include, "include"),
    (nodes.Import, "import"),
    (nodes.FromImport, "import"),
    (nodes.Macro, "a macro"),
    (nodes.CallBlock, "a call block"),
    (nodes.Add, "arithmetic"),
    (nodes.Sub, "arithmetic"),
    (nodes.Mul, "arithmetic"),
    (nodes.Div, "arithmetic"),
    (nodes.FloorDiv, "arithmetic"),
    (nodes.Mod, "arithmetic"),
    (nodes.Pow, "arithmetic"),
    (nodes.Neg, "arithmetic"),
    (nodes.Pos, "arithmetic"),
    (nodes.Slice, "a slice"),
)


@dataclass(frozen=True, slots=True)
class Variable:
    """One variable a template may print: its type, an example per language and what it means.

    ``per_message`` variables describe the event a message confirms (a promise, a payment …):
    the sender supplies them; a preview uses the example.
    """

    name: str
    type: str
    example_en: Any
    example_zh: Any
    description_en: str
    description_zh: str
    per_message: bool = False

    @property
    def attributes(self) -> tuple[str, ...]:
        """Return the attributes a template may read: amount/currency of money, year/month/day of a date."""
        return {"money": MONEY_ATTRIBUTES, "date": DATE_ATTRIBUTES}.get(self.type, ())

    def example(self, language: str) -> Any:
        """Return the example value in ``language``."""
        return self.example_zh if language_key(language) == "zh" else self.example_en


def _cny(text: str) -> Money:
    return Money(Decimal(text), "CNY")


CATALOG: tuple[Variable, ...] = (
    Variable("salutation", "text", "Dear Zhang Wei", "张伟先生/女士",
             "How the message greets the addressee: “Dear <name>”; a company by its name.",
             "称呼：个人为“姓名先生/女士”，公司为“尊敬的公司名”"),
    Variable("debtor_name", "text", "Zhang Wei", "张伟", "The debtor's name (person or company).",
             "债务人姓名或公司名称"),
    Variable("account_tail", "text", "5678", "5678",
             "The last four characters of the account (the debt's reference), never more.",
             "账户（债务编号）尾号后四位，不显示完整号码"),
    Variable("product", "text", "Credit card", "信用卡", "The product the debt comes from.", "产品类型"),
    Variable("contract_date", "date", date(2025, 9, 1), date(2025, 9, 1), "When the contract was signed.",
             "合同签订日期"),
    Variable("original_principal", "money", _cny("10000.00"), _cny("10000.00"),
             "The principal lent under the contract.", "合同本金"),
    Variable("principal_due", "money", _cny("1000.00"), _cny("1000.00"), "Principal owed today.",
             "当前应还本金"),
    Variable("interest_due", "money", _cny("184.50"), _cny("184.50"), "Interest owed today.",
             "当前应还利息"),
    Variable("penalty_due", "money", _cny("40.00"), _cny("40.00"), "Penalty interest owed today.",
             "当前应还罚息"),
    Variable("fee_due", "money", _cny("10.00"), _cny("10.00"), "Fees owed today.", "当前应还费用"),
    Variable("total_due", "money", _cny("1234.50"), _cny("1234.50"),
             "Everything owed today: principal, interest, penalty and fees.", "当前应还总额（本金、利息、罚息、费用）"),
    Variable("currency", "text", "CNY", "CNY", "The debt's currency (ISO 4217).", "币种"),
    Variable("due_date", "date", date(2026, 3, 31), date(2026, 3, 31),
             "When the oldest unpaid amount fell due (or the next due date when nothing is late).",
             "最早一笔未还款项的到期日（未逾期时为下一个到期日）"),
    Variable("days_past_due", "integer", 12, 12, "Days past due today.", "逾期天数"),
    Variable("today", "date", date(2026, 4, 12), date(2026, 4, 12), "The date of the message.", "发送日期"),
    Variable("deadline", "date", date(2026, 4, 19), date(2026, 4, 19),
             "The date by which to pay or get in touch (seven days after the message by default).",
             "还款或联系的截止日期（默认为发送日后七天）"),
    Variable("payment_link", "text", "the official app or bank transfer", "官方App或银行转账",
             "Where to pay: the debtor portal's address, or the neutral text when none is set.",
             "还款入口：债务人门户网址；未配置时为中性文字"),
    Variable("payment_channels", "text",
             "our official app, our official website or a bank transfer to our company account",
             "本机构官方App、官方网站或银行转账至本机构对公账户",
             "The designated payment channels, and only those.", "指定的还款渠道（仅限这些渠道）"),
    Variable("creditor_name", "text", "Example Bank", "示例银行", "The creditor (the portfolio's owner).",
             "债权机构名称"),
    Variable("creditor_contact", "text", "our official customer service line", "本机构官方客服热线",
             "How to reach the creditor (setting ARREARS_CREDITOR_CONTACT).",
             "债权机构联系方式（配置项 ARREARS_CREDITOR_CONTACT）"),
    Variable("collector_name", "text", "Example Bank", "示例银行",
             "Who collects: the portfolio's collector entity, else the creditor.", "催收方：组合指定的催收机构，否则为债权机构"),
    Variable("language", "text", "en", "zh-hans", "The language of the message.", "消息语言"),
    Variable("promised_amount", "money", _cny("500.00"), _cny("500.00"), "The amount promised.", "承诺还款金额",
             per_message=True),
    Variable("promised_date", "date", date(2026, 4, 15), date(2026, 4, 15), "The date promised.", "承诺还款日期",
             per_message=True),
    Variable("instalment_amount", "money", _cny("411.50"), _cny("411.50"), "Each instalment of the arrangement.",
             "还款安排的每期金额", per_message=True),
    Variable("instalment_count", "integer", 3, 3, "How many instalments the arrangement has.", "还款安排的期数",
             per_message=True),
    Variable("first_instalment_date", "date", date(2026, 4, 20), date(2026, 4, 20),
             "When the arrangement's first instalment is due.", "还款安排首期还款日", per_message=True),
    Variable("dispute_reference", "text", "D-2026-0042", "D-2026-0042", "The reference of the dispute.",
             "异议受理编号", per_message=True),
    Variable("dispute_received_date", "date", date(2026, 4, 10), date(2026, 4, 10),
             "When the dispute was received.", "异议受理日期", per_message=True),
    Variable("dispute_outcome", "text", "rejected", "rejected",
             "The outcome of the dispute, a code for {% if %}: corrected (upheld, the balance corrected), "
             "rejected (not upheld) or withdrawn.",
             "异议处理结果代码，供 {% if %} 判断：corrected（异议成立，已更正欠款）、rejected（异议不成立）、"
             "withdrawn（已撤回）", per_message=True),
    Variable("dispute_resolved_date", "date", date(2026, 4, 12), date(2026, 4, 12),
             "When the dispute was resolved.", "异议处理完成日期", per_message=True),
    Variable("payment_amount", "money", _cny("300.00"), _cny("300.00"),
             "The payment received (the debt's latest payment unless the sender says).", "收到的还款金额（默认为最近一笔）",
             per_message=True),
    Variable("payment_date", "date", date(2026, 4, 11), date(2026, 4, 11), "When the payment was received.",
             "还款到账日期", per_message=True),
    Variable("payment_reference", "text", "P-88231", "P-88231", "The payment's reference.", "还款流水号",
             per_message=True),
)  # fmt: skip
VARIABLES: dict[str, Variable] = {variable.name: variable for variable in CATALOG}


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """Something that keeps a template from being saved: where it is and what it is.

    ``kind`` is ``syntax`` (Jinja's own message in ``detail``), ``unknown_variable``,
    ``unknown_attribute`` (``detail`` is ``name.attribute``), ``unknown_filter``, ``unknown_test`` or
    ``forbidden``
    (``detail`` names the construct).
    """

    part: str
    line: int
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """The exact text of a message: subject (empty for SMS and app) and body."""

    subject: str
    body: str


class TemplateInvalid(Exception):
    """A template with problems was given to :func:`render`."""

    def __init__(self, problems: tuple[TemplateProblem, ...]) -> None:
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        return "; ".join(f"{item.part} line {item.line}: {item.kind} {item.detail}" for item in self.problems)


class RenderFailed(Exception):
    """A valid template failed on the values given (a value missing or of the wrong type)."""


def language_key(language: str) -> str:
    """Return ``zh`` for any Chinese language code, else ``en``."""
    return "zh" if language.lower().startswith("zh") else "en"


def format_money(value: Money, language: str) -> str:
    """Format money with thousands separators: ``1,234.50 CNY``; in Chinese, yuan as ``1,234.50元``."""
    number = format_number(value)
    if language_key(language) == "zh" and value.currency == "CNY":
        return f"{number}元"
    return f"{number} {value.currency}"


def format_date(value: date, language: str) -> str:
    """Format a date in full: ``2026年3月31日`` or ``31 March 2026``."""
    if language_key(language) == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def format_month_day(value: date, language: str) -> str:
    """Format a date without the year, as the seed's reminder does: ``3月31日`` or ``31 March``."""
    if language_key(language) == "zh":
        return f"{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]}"


def display_value(value: Any, language: str) -> Any:
    """Return money and dates formatted in ``language``; any other value as it is."""
    if isinstance(value, Money):
        return format_money(value, language)
    if isinstance(value, date):
        return format_date(value, language)
    return value


def _language_of(context: Context) -> str:
    return str(context.get("language") or "en")


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    """Print money and dates in the message's language when a template prints them bare."""
    return display_value(value, _language_of(context))


def _language_filter(format_value: Callable[[Any, str], str], accepts: type) -> Callable[..., str]:
    @pass_context
    def apply(context: Context, value: Any) -> str:
        if not isinstance(value, accepts):
            return str(display_value(value, _language_of(context)))
        return format_value(value, _language_of(context))

    return apply


def format_number(value: Money) -> str:
    """Format the number of a sum of money without its currency: ``1,234.50``."""
    return f"{round_money(value.amount, value.currency):,.{MINOR_UNITS[value.currency]}f}"


def _amount(value: Any) -> str:
    return format_number(value) if isinstance(value, Money) else str(value)


FILTERS: dict[str, Callable[..., str]] = {
    "money": _language_filter(format_money, Money),
    "amount": _amount,
    "date": _language_filter(format_date, date),
    "month_day": _language_filter(format_month_day, date),
}


def _environment() -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, finalize=_finalize
    )
    environment.globals.clear()
    environment.filters = {
        **{name: environment.filters[name] for name in SAFE_BUILTIN_FILTERS},
        **FILTERS,
    }
    return environment


ENVIRONMENT = _environment()


def validate_template(subject: str, body: str) -> list[TemplateProblem]:
    """Return every problem of a template's subject and body, each with its line (empty: valid)."""
    return [*_problems("subject", subject), *_problems("body", body)]


def used_variables(subject: str, body: str) -> frozenset[str]:
    """Return the catalog variables a valid template reads."""
    names: set[str] = set()
    for source in (subject, body):
        names |= find_undeclared_variables(ENVIRONMENT.parse(source))
    return frozenset(names & VARIABLES.keys())


def literal_text(source: str) -> str:
    """Return the fixed text of a template — every branch, without its tags — one piece a line."""
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateSyntaxError:
        return source
    return "\n".join(node.data for node in tree.find_all(nodes.TemplateData))


def render(subject: str, body: str, variables: Mapping[str, Any]) -> Rendered:
    """Render a template with ``variables`` (money and dates printed in ``variables["language"]``).

    :raises TemplateInvalid: when the template has a problem :func:`validate_template` reports.
    :raises RenderFailed: when a variable it reads is missing or cannot be printed.
    """
    try:
        return Rendered(
            subject=" ".join(_compiled("subject", subject).render(variables).split()),
            body=_compiled("body", body).render(variables).strip(),
        )
    except TemplateError as exc:
        raise RenderFailed(str(exc)) from exc


@lru_cache(maxsize=256)
def _compiled(part: str, source: str) -> Any:
    problems = _problems(part, source)
    if problems:
        raise TemplateInvalid(tuple(problems))
    return ENVIRONMENT.from_string(source)


def _problems(part: str, source: str) -> list[TemplateProblem]:
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateSyntaxError as exc:
        return [TemplateProblem(part, exc.lineno or 1, "syntax", exc.message or str(exc))]
    problems = [*_forbidden(part, tree), *_unknown_filters(part, tree)]
    if not problems:
        try:
            undeclared = find_undeclared_variables(tree)
        except TemplateSyntaxError as exc:
            return [TemplateProblem(part, exc.lineno or 1, "syntax", exc.message or str(exc))]
        problems.extend(_unknown_variables(part, tree, undeclared))
        problems.extend(_bad_attributes(part, tree, undeclared))
    return sorted(set(problems), key=lambda problem: (problem.line, problem.kind, problem.detail))


def _unknown_variables(part: str, tree: nodes.Template, undeclared: set[str]) -> Iterator[TemplateProblem]:
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name in undeclared and name.name not in VARIABLES:
            yield TemplateProblem(part, name.lineno, "unknown_variable", name.name)


def _forbidden(part: str, tree: nodes.Template) -> Iterator[TemplateProblem]:
    for node_type, label in _FORBIDDEN_NODES:
        for node in tree.find_all(node_type):
            yield TemplateProblem(part, node.lineno, "forbidden", label)


def _unknown_filters(part: str, tree: nodes.Template) -> Iterator[TemplateProblem]:
    for node in tree.find_all(nodes.Filter):
        if node.name not in ENVIRONMENT.filters:
            yield TemplateProblem(part, node.lineno, "unknown_filter", node.name)
    for test in tree.find_all(nodes.Test):
        if test.name not in ENVIRONMENT.tests:
            yield TemplateProblem(part, test.lineno, "unknown_test", test.name)


def _bad_attributes(part: str, tree: nodes.Template, undeclared: set[str]) -> Iterator[TemplateProblem]:
    """Allow only a catalog variable's documented attributes; anything else reaches into objects."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        base, attribute = _access(node)
        name = base.name if isinstance(base, nodes.Name) else None
        if name == "loop" and attribute in LOOP_ATTRIBUTES:
            continue
        variable = VARIABLES.get(name) if name in undeclared else None
        if variable is None or attribute is None:
            yield TemplateProblem(part, node.lineno, "forbidden", "attribute access")
        elif attribute not in variable.attributes:
            yield TemplateProblem(part, node.lineno, "unknown_attribute", f"{variable.name}.{attribute}")


def _access(node: nodes.Node) -> tuple[nodes.Node, str | None]:
    """Return what an attribute or item access reads from, and the name it reads (None: computed)."""
    if isinstance(node, nodes.Getattr):
        return node.node, node.attr
    assert isinstance(node, nodes.Getitem)
    return node.node, _constant(node.arg)


def _constant(node: nodes.Expr) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None
