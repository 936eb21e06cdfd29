"""Load and validate the YAML catalogs once; every error names the file, the rule and the field."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml

from arrears.compliance.linter.model import LintContext, Severity
from arrears.compliance.linter.phrases import Phrase, PhraseError, compile_phrase

LANGUAGES = ("en", "zh")
CHANNELS = frozenset({"call", "voicemail", "sms", "email", "app", "letter", "visit", "note"})
CONDITIONS = frozenset(
    field.name for field in dataclasses.fields(LintContext) if field.type in (bool, "bool")
)
_RULE_ID = re.compile(r"^[A-Z]{2}-C\d{2}$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_FILE_KEYS = {"pack", "id_prefix", "description", "rules"}
_RULE_KEYS = {"id", "severity", "title", "source", "checks", "requires", "note"}
_CHECK_KEYS = {"phrases", "patterns", "exceptions", "only_if", "unless", "severity", "note"}
_REQUIREMENT_KEYS = {
    "channels",
    "languages",
    "phrases",
    "patterns",
    "sender_names",
    "only_if",
    "unless",
    "severity",
    "note",
}

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML without libyaml
    _Loader = yaml.SafeLoader


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message names the file, rule and field."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A context flag that must be true (or, written ``not flag``, false)."""

    flag: str
    expected: bool

    def holds(self, context: LintContext) -> bool:
        """Tell whether the context satisfies the condition."""
        return bool(getattr(context, self.flag)) is self.expected


@dataclass(frozen=True, slots=True)
class Rule:
    """A catalog entry: id, severity, title in English and Chinese, and its legal source."""

    id: str
    pack: str
    severity: Severity
    title: dict[str, str]
    source: str


@dataclass(frozen=True, slots=True, eq=False)
class Check:
    """Phrases and patterns that, found in the text, make the rule fire (when its conditions allow)."""

    rule: Rule
    severity: Severity
    phrases: tuple[tuple[str, Phrase], ...]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    exceptions: tuple[tuple[str, Phrase], ...]
    only_if: tuple[Condition, ...]
    unless: tuple[Condition, ...]

    def applies(self, context: LintContext) -> bool:
        """Tell whether the check runs: every ``only_if`` holds and not every ``unless`` does."""
        if not all(condition.holds(context) for condition in self.only_if):
            return False
        return not (self.unless and all(condition.holds(context) for condition in self.unless))


@dataclass(frozen=True, slots=True, eq=False)
class Requirement:
    """An element a text sent through one of ``channels`` must contain; missing, the rule fires.

    ``languages`` limits the requirement to texts in those languages (empty: any text).
    """

    rule: Rule
    severity: Severity
    channels: frozenset[str]
    languages: frozenset[str]
    phrases: tuple[Phrase, ...]
    patterns: tuple[re.Pattern[str], ...]
    accepts_sender_names: bool
    only_if: tuple[Condition, ...]
    unless: tuple[Condition, ...]

    def applies(self, context: LintContext) -> bool:
        """Tell whether the requirement is checked for this context's channel and conditions."""
        if context.channel not in self.channels:
            return False
        if not all(condition.holds(context) for condition in self.only_if):
            return False
        return not (self.unless and all(condition.holds(context) for condition in self.unless))


@dataclass(frozen=True, slots=True)
class Pack:
    """One catalog file: its rules, the checks that find phrases and the required elements."""

    name: str
    rules: tuple[Rule, ...]
    checks: tuple[Check, ...]
    requirements: tuple[Requirement, ...]


@cache
def default_catalog() -> dict[str, Pack]:
    """Return the packs shipped in ``catalog/``, loaded once per process.

    :raises CatalogError: a shipped file is invalid.
    """
    return load_catalog(resources.files(__package__).joinpath("catalog"))


def load_catalog(directory: Traversable) -> dict[str, Pack]:
    """Load every ``*.yaml`` file of ``directory`` into packs, by pack name.

    :raises CatalogError: a file is invalid, or two files declare the same pack.
    """
    packs: dict[str, Pack] = {}
    for entry in sorted(directory.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".yaml"):
            continue
        pack = load_pack(entry.name, entry.read_text(encoding="utf-8"))
        if pack.name in packs:
            raise CatalogError(f"{entry.name}: pack {pack.name!r} is declared by another file too")
        packs[pack.name] = pack
    return packs


def load_pack(filename: str, source: str) -> Pack:
    """Parse and validate one catalog file.

    :raises CatalogError: naming the file, the rule and the field at fault.
    """
    try:
        data = yaml.load(source, Loader=_Loader)  # noqa: S506 - a safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{filename}: not valid YAML: {exc}") from exc
    where = _Where(filename)
    data = _mapping(data, where, _FILE_KEYS, required={"pack", "id_prefix", "rules"})
    name = _text(data["pack"], where.at("pack"))
    prefix = _text(data["id_prefix"], where.at("id_prefix"))
    rules: list[Rule] = []
    checks: list[Check] = []
    requirements: list[Requirement] = []
    for position, raw_rule in enumerate(_list(data["rules"], where.at("rules"))):
        rule_where = where.at(f"rules[{position}]")
        rule_data = _mapping(raw_rule, rule_where, _RULE_KEYS, required={"id", "severity", "title", "source"})
        rule = _rule(rule_data, name, prefix, rule_where)
        rule_where = where.rule(rule.id)
        if any(existing.id == rule.id for existing in rules):
            raise CatalogError(f"{rule_where}: duplicate rule id")
        if "checks" not in rule_data and "requires" not in rule_data:
            raise CatalogError(f"{rule_where}: needs 'checks' or 'requires'")
        rules.append(rule)
        for index, raw in enumerate(_list(rule_data.get("checks", []), rule_where.at("checks"))):
            checks.append(_check(raw, rule, rule_where.at(f"checks[{index}]")))
        for index, raw in enumerate(_list(rule_data.get("requires", []), rule_where.at("requires"))):
            requirements.append(_requirement(raw, rule, rule_where.at(f"requires[{index}]")))
    return Pack(name, tuple(rules), tuple(checks), tuple(requirements))


def _rule(data: Mapping[str, Any], pack: str, prefix: str, where: _Where) -> Rule:
    rule_id = _text(data["id"], where.at("id"))
    if not _RULE_ID.match(rule_id) or not rule_id.startswith(prefix):
        raise CatalogError(f"{where.at('id')}: {rule_id!r} is not an id like {prefix}01")
    where = where.rule(rule_id)
    title = _mapping(data["title"], where.at("title"), set(LANGUAGES), required=set(LANGUAGES))
    return Rule(
        id=rule_id,
        pack=pack,
        severity=_severity(data["severity"], where.at("severity")),
        title={language: _text(title[language], where.at(f"title.{language}")) for language in LANGUAGES},
        source=_text(data["source"], where.at("source")),
    )


def _check(raw: Any, rule: Rule, where: _Where) -> Check:
    data = _mapping(raw, where, _CHECK_KEYS, required=set())
    phrases = _phrases(data.get("phrases", {}), where.at("phrases"))
    patterns = _patterns(data.get("patterns", {}), where.at("patterns"))
    if not phrases and not patterns:
        raise CatalogError(f"{where}: needs 'phrases' or 'patterns'")
    return Check(
        rule=rule,
        severity=_severity(data["severity"], where.at("severity")) if "severity" in data else rule.severity,
        phrases=phrases,
        patterns=patterns,
        exceptions=_phrases(data.get("exceptions", {}), where.at("exceptions")),
        only_if=_conditions(data.get("only_if", []), where.at("only_if")),
        unless=_conditions(data.get("unless", []), where.at("unless")),
    )


def _requirement(raw: Any, rule: Rule, where: _Where) -> Requirement:
    data = _mapping(raw, where, _REQUIREMENT_KEYS, required={"channels"})
    channels = frozenset(
        _text(channel, where.at("channels")) for channel in _list(data["channels"], where.at("channels"))
    )
    if unknown := sorted(channels - CHANNELS):
        raise CatalogError(
            f"{where.at('channels')}: unknown channel {unknown[0]!r}; known: {', '.join(sorted(CHANNELS))}"
        )
    languages = frozenset(
        _text(item, where.at("languages")) for item in _list(data.get("languages", []), where.at("languages"))
    )
    if unknown_languages := sorted(languages - set(LANGUAGES)):
        raise CatalogError(
            f"{where.at('languages')}: unknown language {unknown_languages[0]!r}; known: en, zh"
        )
    accepts_sender_names = data.get("sender_names", False)
    if not isinstance(accepts_sender_names, bool):
        raise CatalogError(f"{where.at('sender_names')}: must be true or false")
    return Requirement(
        rule=rule,
        severity=_severity(data["severity"], where.at("severity")) if "severity" in data else rule.severity,
        channels=channels,
        languages=languages,
        phrases=tuple(phrase for _language, phrase in _phrases(data.get("phrases", {}), where.at("phrases"))),
        patterns=tuple(
            pattern for _language, pattern in _patterns(data.get("patterns", {}), where.at("patterns"))
        ),
        accepts_sender_names=accepts_sender_names,
        only_if=_conditions(data.get("only_if", []), where.at("only_if")),
        unless=_conditions(data.get("unless", []), where.at("unless")),
    )


def _phrases(raw: Any, where: _Where) -> tuple[tuple[str, Phrase], ...]:
    by_language = _mapping(raw, where, set(LANGUAGES), required=set())
    compiled: list[tuple[str, Phrase]] = []
    for language, items in by_language.items():
        for index, item in enumerate(_list(items, where.at(language))):
            item_where = where.at(f"{language}[{index}]")
            text = _text(item, item_where)
            if (language == "zh") != bool(_CJK.search(text)):
                raise CatalogError(
                    f"{item_where}: {text!r} is not written in {'Chinese' if language == 'zh' else 'English'}"
                )
            try:
                compiled.extend((language, phrase) for phrase in compile_phrase(text, language=language))
            except PhraseError as exc:
                raise CatalogError(f"{item_where}: {text!r}: {exc}") from exc
    return tuple(compiled)


def _patterns(raw: Any, where: _Where) -> tuple[tuple[str, re.Pattern[str]], ...]:
    by_language = _mapping(raw, where, set(LANGUAGES), required=set())
    compiled: list[tuple[str, re.Pattern[str]]] = []
    for language, items in by_language.items():
        for index, item in enumerate(_list(items, where.at(language))):
            item_where = where.at(f"{language}[{index}]")
            try:
                compiled.append((language, re.compile(_text(item, item_where))))
            except re.error as exc:
                raise CatalogError(f"{item_where}: not a valid regular expression: {exc}") from exc
    return tuple(compiled)


def _conditions(raw: Any, where: _Where) -> tuple[Condition, ...]:
    conditions = []
    for index, item in enumerate(_list(raw, where)):
        text = _text(item, where.at(f"[{index}]"))
        expected = not text.startswith("not ")
        flag = text.removeprefix("not ").strip()
        if flag not in CONDITIONS:
            raise CatalogError(
                f"{where.at(f'[{index}]')}: unknown context flag {flag!r}; known: {', '.join(sorted(CONDITIONS))}"
            )
        conditions.append(Condition(flag, expected))
    return tuple(conditions)


def _severity(raw: Any, where: _Where) -> Severity:
    try:
        return Severity(raw)
    except ValueError:
        raise CatalogError(f"{where}: {raw!r} is not one of BLOCK, REVIEW, WARN") from None


def _mapping(raw: Any, where: _Where, allowed: set[str], *, required: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: must be a mapping")
    if unknown := sorted(set(map(str, raw)) - allowed):
        raise CatalogError(f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
    if missing := sorted(required - set(raw)):
        raise CatalogError(f"{where}: missing field {missing[0]!r}")
    return raw


def _list(raw: Any, where: _Where) -> list[Any]:
    if not isinstance(raw, list):
        raise CatalogError(f"{where}: must be a list")
    return raw


def _text(raw: Any, where: _Where) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise CatalogError(f"{where}: must be a non-empty string")
    return raw


@dataclass(frozen=True, slots=True)
class _Where:
    """A location in a catalog file, for error messages: ``cn.yaml: rule CN-C02, checks[0].phrases``."""

    filename: str
    rule_id: str | None = None
    path: str = ""

    def at(self, field: str) -> _Where:
        joined = f"{self.path}{'' if field.startswith('[') or not self.path else '.'}{field}"
        return dataclasses.replace(self, path=joined)

    def rule(self, rule_id: str) -> _Where:
        return _Where(self.filename, rule_id, "")

    def __str__(self) -> str:
        location = ", ".join(
            part for part in (f"rule {self.rule_id}" if self.rule_id else "", self.path) if part
        )
        return f"{self.filename}: {location}" if location else self.filename
