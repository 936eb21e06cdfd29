"""Lint a text against the catalog: find phrases and patterns, apply context, report hits."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from arrears.compliance.linter.loader import Check, Requirement, default_catalog
from arrears.compliance.linter.model import LintContext, LintHit, LintResult
from arrears.compliance.linter.normalize import NormalizedText, normalize
from arrears.compliance.linter.phrases import Phrase, find_phrase

ALL_PACKS = ("cn", "us-regf", "uk-conc")
_DEFAULT_CONTEXT = LintContext()
_CHINESE = re.compile(r"[\u3400-\u9fff]")
_TrieNode = dict[str, "_TrieNode"]


class UnknownPack(ValueError):
    """A pack name the catalog does not have."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(f"Unknown content-linter pack {name!r}; known packs: {', '.join(sorted(known))}")
        self.name = name


class UnknownLanguage(ValueError):
    """A language other than ``zh``, ``en`` or None."""


@dataclass(frozen=True, slots=True)
class _Entry:
    """A phrase in the index: its language, its check, and whether it is an exception."""

    phrase: Phrase
    language: str
    check: Check
    is_exception: bool


@dataclass(frozen=True, slots=True)
class _Index:
    """Every phrase of every pack, indexed for one pass over the skeleton (built once).

    ``starts`` find the longest first part of any phrase that begins at a skeleton position: a
    trie compiled to a regular expression, one for Latin and one for other first characters, so
    that the scan runs in C and skips positions whose character starts no phrase.
    ``by_first_part`` lists the phrases behind each first part, and ``lengths`` the first parts'
    lengths, to find the shorter ones that begin at the same position.
    """

    starts: tuple[re.Pattern[str], ...]
    by_first_part: dict[str, tuple[_Entry, ...]]
    lengths: tuple[int, ...]


@dataclass(frozen=True, slots=True, eq=False)
class _Selection:
    """The checks, patterns and requirements of some packs in some languages."""

    languages: frozenset[str]
    checks: tuple[Check, ...]
    patterns: tuple[tuple[Check, re.Pattern[str]], ...]
    requirements: tuple[Requirement, ...]


def lint(
    text: str,
    *,
    language: str | None = None,
    packs: Iterable[str] = ALL_PACKS,
    context: LintContext | None = None,
) -> LintResult:
    """Lint ``text`` with the rules of ``packs`` in ``language`` (None: both) under ``context``.

    :raises UnknownPack: a pack name the catalog does not have.
    :raises UnknownLanguage: a language other than ``zh``, ``en`` or None.
    """
    selection = _select(frozenset(packs), _languages(language))
    context = context or _DEFAULT_CONTEXT
    active = _active(selection, context)
    normalized = normalize(text)
    found = _find(normalized, selection, active)
    hits = [_hit(normalized, check, span) for check, span in _without_exceptions(found)]
    hits.extend(_missing(normalized, selection.requirements, context, explicit_language=language is not None))
    return LintResult(tuple(sorted(_merged(hits), key=lambda hit: (hit.start, hit.end, hit.rule_id))))


def _languages(language: str | None) -> frozenset[str]:
    if language is None:
        return frozenset({"en", "zh"})
    short = language.lower().split("-")[0].split("_")[0]
    if short not in ("en", "zh"):
        raise UnknownLanguage(f"Unknown content-linter language {language!r}; use zh, en or none for both")
    return frozenset({short})


@lru_cache(maxsize=32)
def _select(packs: frozenset[str], languages: frozenset[str]) -> _Selection:
    """Gather the checks of ``packs`` in ``languages`` (cached per combination)."""
    catalog = default_catalog()
    for name in sorted(packs):
        if name not in catalog:
            raise UnknownPack(name, catalog)
    chosen = [catalog[name] for name in sorted(packs)]
    checks = tuple(check for pack in chosen for check in pack.checks)
    return _Selection(
        languages=languages,
        checks=checks,
        patterns=tuple(
            (check, pattern)
            for check in checks
            for pattern_language, pattern in check.patterns
            if pattern_language in languages
        ),
        requirements=tuple(
            requirement
            for pack in chosen
            for requirement in pack.requirements
            if not requirement.languages or requirement.languages & languages
        ),
    )


@cache
def _index() -> _Index:
    """Index the phrases and exceptions of the whole catalog by their first part."""
    by_first_part: dict[str, list[_Entry]] = defaultdict(list)
    for pack in default_catalog().values():
        for check in pack.checks:
            for is_exception, phrases in ((False, check.phrases), (True, check.exceptions)):
                for language, phrase in phrases:
                    by_first_part[phrase.parts[0].skeleton].append(
                        _Entry(phrase, language, check, is_exception)
                    )
    groups = (
        [key for key in by_first_part if key[0].isascii()],
        [key for key in by_first_part if not key[0].isascii()],
    )
    return _Index(
        starts=tuple(re.compile(f"({_trie_pattern(group)})") for group in groups if group),
        by_first_part={key: tuple(entries) for key, entries in by_first_part.items()},
        lengths=tuple(sorted({len(key) for key in by_first_part})),
    )


@lru_cache(maxsize=256)
def _active(selection: _Selection, context: LintContext) -> frozenset[Check]:
    """Return the checks of ``selection`` whose conditions ``context`` meets (cached)."""
    return frozenset(check for check in selection.checks if check.applies(context))


def _trie_pattern(literals: Iterable[str]) -> str:
    """Compile literals to a regular expression that matches the longest one at a position."""
    root: _TrieNode = {}
    for literal in literals:
        node = root
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(root)


def _node_pattern(node: _TrieNode) -> str:
    branches = []
    for char in sorted(key for key in node if key):
        child = node[char]
        rest = _node_pattern(child) if any(child) else ""
        if rest and "" in child:
            rest = f"(?:{rest})?"
        branches.append(re.escape(char) + rest)
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def _find(
    normalized: NormalizedText, selection: _Selection, active: frozenset[Check]
) -> dict[Check, tuple[list[tuple[int, int]], list[tuple[int, int]]]]:
    """Return, per active check, the normalised spans of its phrases and of its exceptions."""
    found: dict[Check, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = defaultdict(lambda: ([], []))
    skeleton, index, languages = normalized.skeleton, _index(), selection.languages
    for starts in index.starts:
        match = starts.search(skeleton)
        while match is not None:
            position, longest = match.start(), match.group(1)
            for length in index.lengths:
                if length > len(longest):
                    break
                for entry in index.by_first_part.get(longest[:length], ()):
                    if entry.check in active and entry.language in languages:
                        span = find_phrase(normalized, entry.phrase, position)
                        if span is not None:
                            found[entry.check][entry.is_exception].append(span)
            match = starts.search(skeleton, position + 1)
    for check, pattern in selection.patterns:
        if check in active:
            for pattern_match in pattern.finditer(normalized.text):
                if pattern_match.end() > pattern_match.start():
                    found[check][0].append(pattern_match.span())
    return found


def _without_exceptions(
    found: dict[Check, tuple[list[tuple[int, int]], list[tuple[int, int]]]],
) -> list[tuple[Check, tuple[int, int]]]:
    """Drop each hit that overlaps an exception of its own check."""
    kept = []
    for check, (spans, exceptions) in found.items():
        for start, end in spans:
            if not any(start < other_end and other_start < end for other_start, other_end in exceptions):
                kept.append((check, (start, end)))
    return kept


def _hit(normalized: NormalizedText, check: Check, span: tuple[int, int]) -> LintHit:
    start, end = normalized.original_span(*span)
    rule = check.rule
    return LintHit(
        rule.id, check.severity, start, end, normalized.original[start:end], dict(rule.title), rule.source
    )


def _merged(hits: list[LintHit]) -> list[LintHit]:
    """Merge overlapping hits of one rule into one span, keeping the most severe severity."""
    merged: list[LintHit] = []
    by_rule: dict[str, list[LintHit]] = defaultdict(list)
    for hit in hits:
        by_rule[hit.rule_id].append(hit)
    for rule_hits in by_rule.values():
        rule_hits.sort(key=lambda hit: (hit.start, hit.end))
        current = rule_hits[0]
        for hit in rule_hits[1:]:
            if hit.start < current.end and not hit.is_missing:
                end = max(current.end, hit.end)
                severity = max(current.severity, hit.severity, key=lambda severity: severity.rank)
                original = _joined_match(current, hit)
                current = LintHit(
                    current.rule_id, severity, current.start, end, original, current.title, current.source
                )
            else:
                merged.append(current)
                current = hit
        merged.append(current)
    return merged


def _joined_match(first: LintHit, second: LintHit) -> str:
    """Return the matched text of two overlapping hits (sorted by start) joined into one."""
    if second.end <= first.end:
        return first.matched
    return first.matched + second.matched[first.end - second.start :]


def _missing(
    normalized: NormalizedText,
    requirements: tuple[Requirement, ...],
    context: LintContext,
    *,
    explicit_language: bool,
) -> list[LintHit]:
    """Report each requirement for this channel that the text does not satisfy (empty span).

    A requirement limited to Chinese applies to a text linted as ``zh``, or, with no language
    given, to a text that holds Chinese characters.
    """
    hits = []
    is_chinese = explicit_language or bool(_CHINESE.search(normalized.text))
    for requirement in requirements:
        if requirement.languages == {"zh"} and not is_chinese:
            continue
        if requirement.applies(context) and not _satisfies(normalized, requirement, context):
            rule = requirement.rule
            hits.append(
                LintHit(
                    rule.id, requirement.severity, 0, 0, "", dict(rule.title), rule.source, is_missing=True
                )
            )
    return hits


def _satisfies(normalized: NormalizedText, requirement: Requirement, context: LintContext) -> bool:
    if any(pattern.search(normalized.text) for pattern in requirement.patterns):
        return True
    if requirement.accepts_sender_names and any(
        name.strip() and normalize(name).skeleton in normalized.skeleton for name in context.sender_names
    ):
        return True
    return any(_contains(normalized, phrase) for phrase in requirement.phrases)


def _contains(normalized: NormalizedText, phrase: Phrase) -> bool:
    skeleton, first = normalized.skeleton, phrase.parts[0].skeleton
    position = skeleton.find(first)
    while position >= 0:
        if find_phrase(normalized, phrase, position) is not None:
            return True
        position = skeleton.find(first, position + 1)
    return False
