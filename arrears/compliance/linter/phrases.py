"""Catalog phrases: a tiny notation, compiled to literal parts found in the skeleton.

Notation (see ``docs/compliance.md``):

- ordinary characters are matched after normalisation, so case, full-width forms, traditional
  characters, letter substitutions and inserted separators do not matter;
- ``(a|b|)`` offers alternatives (an empty one makes the group optional);
- ``…`` is a gap: a few words (English) or characters (Chinese) of anything, within one sentence;
- a leading or trailing ``*`` lifts the English word boundary at that end (``fuck*`` → "fucking").

A phrase expands into one or more :class:`Phrase` values, each a sequence of :class:`Part`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from arrears.compliance.linter.normalize import CJK_CLAUSE_PUNCTUATION, NormalizedText, normalize

GAP = "…"
OPEN_BOUNDARY = "*"
# Separators allowed between two characters of one word, and between two words of a phrase.
MAX_SEPARATORS_IN_WORD = 3
MAX_SEPARATORS_BETWEEN_WORDS = 6
GAP_LENGTH = {"en": 24, "zh": 8}  # skeleton characters
MAX_EXPANSIONS = 256
# A word split once where one side is a common short word is two real words ("the ft" is not
# "theft"); a deliberate split ("ja il") rarely leaves one.
_COMMON_WORDS = frozenset(
    [
        "a",
        "i",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "at",
        "is",
        "it",
        "as",
        "be",
        "by",
        "we",
        "us",
        "so",
        "or",
        "no",
        "do",
        "if",
        "me",
        "my",
        "he",
        "up",
        "and",
        "for",
        "you",
        "our",
        "are",
        "was",
        "not",
        "but",
        "can",
        "all",
        "has",
        "her",
        "his",
        "its",
        "off",
        "out",
        "per",
        "any",
        "now",
        "new",
        "due",
        "pay",
        "ft",
        "st",
        "dr",
        "mr",
        "ms",
        "mrs",
        "jr",
        "co",
        "inc",
        "ltd",
    ]
)


class PhraseError(ValueError):
    """A phrase that cannot be compiled; the message says why."""


@dataclass(frozen=True, slots=True)
class Part:
    """A literal stretch of a phrase, as it appears in the skeleton."""

    skeleton: str
    word_starts: frozenset[int]
    is_latin: tuple[bool, ...]
    open_start: bool
    open_end: bool

    @property
    def checks_start_boundary(self) -> bool:
        """Tell whether the part must begin on an English word boundary."""
        return self.is_latin[0] and not self.open_start

    @property
    def checks_end_boundary(self) -> bool:
        """Tell whether the part must end on an English word boundary."""
        return self.is_latin[-1] and not self.open_end


@dataclass(frozen=True, slots=True)
class Phrase:
    """One expansion of a catalog phrase: parts separated by gaps."""

    text: str
    parts: tuple[Part, ...]
    gap: int


def compile_phrase(text: str, *, language: str) -> list[Phrase]:
    """Expand a catalog phrase into its literal alternatives.

    :raises PhraseError: unbalanced parentheses, too many alternatives, or a part too short.
    """
    if not text.strip():
        raise PhraseError("empty phrase")
    expansions = _expand(text)
    if len(expansions) > MAX_EXPANSIONS:
        raise PhraseError(f"{len(expansions)} alternatives (at most {MAX_EXPANSIONS})")
    phrases: dict[str, Phrase] = {}
    for expansion in expansions:
        parts = tuple(_compile_part(piece) for piece in expansion.split(GAP) if piece.strip())
        if not parts or len(parts[0].skeleton) < 2:
            raise PhraseError(f"{expansion!r} starts with fewer than two letters or characters")
        if any(not part.skeleton for part in parts):
            raise PhraseError(f"{expansion!r} has a part without letters or characters")
        key = GAP.join(part.skeleton for part in parts)
        phrases.setdefault(key, Phrase(expansion, parts, GAP_LENGTH[language]))
    return list(phrases.values())


def _expand(text: str) -> list[str]:
    """Expand ``(a|b)`` groups, innermost first, into every combination."""
    alternatives, position = _parse_sequence(text, 0)
    if position != len(text):
        raise PhraseError(f"unbalanced ')' at position {position}")
    return alternatives


def _parse_sequence(text: str, position: int) -> tuple[list[str], int]:
    """Parse until ``|``, ``)`` or the end; return every expansion and where parsing stopped."""
    results = [""]
    while position < len(text) and text[position] not in "|)":
        if text[position] == "(":
            options: list[str] = []
            position += 1
            while True:
                branch, position = _parse_sequence(text, position)
                options.extend(branch)
                if position >= len(text):
                    raise PhraseError("unclosed '('")
                position += 1
                if text[position - 1] == ")":
                    break
            results = [head + option for head, option in itertools.product(results, options)]
            if len(results) > MAX_EXPANSIONS:
                raise PhraseError(f"more than {MAX_EXPANSIONS} alternatives")
        else:
            results = [head + text[position] for head in results]
            position += 1
    return results, position


def _compile_part(piece: str) -> Part:
    """Normalise a literal stretch and note where its words start."""
    stripped = piece.strip()
    open_start, open_end = stripped.startswith(OPEN_BOUNDARY), stripped.endswith(OPEN_BOUNDARY)
    normalized = normalize(stripped.strip(OPEN_BOUNDARY))
    skeleton = normalized.skeleton
    index = normalized.skeleton_index
    word_starts = frozenset(
        position
        for position in range(1, len(skeleton))
        if index[position] - index[position - 1] > 1
        or _is_latin(skeleton[position]) != _is_latin(skeleton[position - 1])
    )
    return Part(skeleton, word_starts, tuple(_is_latin(char) for char in skeleton), open_start, open_end)


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def find_phrase(normalized: NormalizedText, phrase: Phrase, start: int) -> tuple[int, int] | None:
    """Find ``phrase`` at skeleton position ``start``; return its normalised span, or None."""
    skeleton = normalized.skeleton
    first = phrase.parts[0]
    if not skeleton.startswith(first.skeleton, start) or not _fits(normalized, first, start):
        return None
    end = start + len(first.skeleton)
    for part in phrase.parts[1:]:
        end = _find_after_gap(normalized, part, end, phrase.gap)
        if end < 0:
            return None
    index = normalized.skeleton_index
    return index[start], index[end - 1] + 1


def _find_after_gap(normalized: NormalizedText, part: Part, after: int, gap: int) -> int:
    """Return the skeleton end of ``part`` found within ``gap`` characters after ``after``, or -1."""
    skeleton, index = normalized.skeleton, normalized.skeleton_index
    limit = min(len(skeleton), after + gap + len(part.skeleton))
    position = skeleton.find(part.skeleton, after, limit)
    while position >= 0:
        if normalized.crosses_sentence_end(index[after - 1], index[position]):
            return -1
        if _fits(normalized, part, position):
            return position + len(part.skeleton)
        position = skeleton.find(part.skeleton, position + 1, limit)
    return -1


def _fits(normalized: NormalizedText, part: Part, start: int) -> bool:
    """Check word boundaries and the separators between the characters of a found part."""
    text, index = normalized.text, normalized.skeleton_index
    first, last = index[start], index[start + len(part.skeleton) - 1]
    if part.checks_start_boundary and first > 0 and _is_latin(text[first - 1]):
        return False
    if part.checks_end_boundary and last + 1 < len(text) and _is_latin(text[last + 1]):
        return False
    if last - first + 1 == len(part.skeleton):
        return True
    return all(_word_fits(normalized, part, start, word) for word in _words(part))


def _words(part: Part) -> Iterator[tuple[int, int]]:
    """Yield the ``[start, end)`` skeleton offsets of each word of a part."""
    bounds = [0, *sorted(part.word_starts), len(part.skeleton)]
    yield from itertools.pairwise(bounds)


def _word_fits(normalized: NormalizedText, part: Part, start: int, word: tuple[int, int]) -> bool:
    """Allow a few separators inside a word (and more before it), never a line break inside."""
    text, index = normalized.text, normalized.skeleton_index
    word_start, word_end = word
    if word_start > 0:
        between = index[start + word_start] - index[start + word_start - 1] - 1
        if between > MAX_SEPARATORS_BETWEEN_WORDS:
            return False
    splits = []
    for offset in range(word_start + 1, word_end):
        left, right = index[start + offset - 1], index[start + offset]
        if right - left == 1:
            continue
        separators = text[left + 1 : right]
        if right - left - 1 > MAX_SEPARATORS_IN_WORD or "\n" in separators:
            return False
        if not part.is_latin[offset] and not CJK_CLAUSE_PUNCTUATION.isdisjoint(separators):
            return False
        splits.append(offset)
    if len(splits) != 1 or not part.is_latin[word_start]:
        return True
    left_piece = text[index[start + word_start] : index[start + splits[0] - 1] + 1]
    right_piece = text[index[start + splits[0]] : index[start + word_end - 1] + 1]
    return left_piece not in _COMMON_WORDS and right_piece not in _COMMON_WORDS
