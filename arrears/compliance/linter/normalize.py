"""Normalise a text for matching, keeping the way back to the original characters.

Two views are built from the original text:

- the **normalised** text: each character decomposed (NFKD: full-width letters and digits →
  half-width, ligatures split, accents dropped), format characters (zero-width spaces, joiners,
  BOM, soft hyphen) removed, case folded, look-alike Cyrillic/Greek letters mapped to Latin,
  traditional Chinese characters mapped to simplified ones (OpenCC ``t2s``, character by
  character), 您 read as 你. Spaces and punctuation stay (full-width punctuation as it is).
- the **skeleton**: the normalised text without separators (anything that is not a letter or a
  digit), with common letter substitutions folded back (``0→o``, ``1 | ! → i``, ``3→e``,
  ``4 @ → a``, ``5 $ → s``; ``l`` and ``i`` are one letter there) in every run of Latin letters
  and digits that holds a letter. Phrases are found in the skeleton, then checked against the
  normalised text (word boundaries, how many separators, sentence ends).

``origin[j]`` is the index in the original text of the character that produced normalised
character ``j``; ``skeleton_index[k]`` the normalised index of skeleton character ``k``. Both are
built on first use: a clean text never needs them.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from functools import cache

import opencc

# Latin look-alikes from other scripts, after case folding.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
        "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x",
    }
)  # fmt: skip
# Substitutions folded in the skeleton; ``l`` joins ``i`` because ``1`` and ``|`` stand for either.
# Numbers are matched by patterns on the normalised text, never in the skeleton, so folding the
# digits of an all-ASCII text wholesale is harmless (phrases are folded the same way).
_FOLD = str.maketrans(
    {"0": "o", "1": "i", "|": "i", "!": "i", "l": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s"}
)
# A substitution symbol stands for a letter when a letter or digit follows it ("j@il", "a$$hole",
# "$cum"), and a pipe also after one ("jai|"); otherwise it is punctuation ("jail!").
_SYMBOL_FOR_LETTER = re.compile(r"[$@!|]+(?=[a-z0-9])|(?<=[a-z0-9])\|+")
_WORD_RUN = re.compile(r"[^\W_]+")
_SEPARATORS = re.compile(r"[\W_]+")
_LATIN_RUN = re.compile(r"[0-9]*[a-z][0-9a-z]*")
# Where a sentence or a line ends: gaps inside a phrase may not cross it.
_SENTENCE_END = re.compile(r"[。！？!?;；\n]|\.(?=\s|$)")
# Clause punctuation splits Chinese text for real; it does not count as an inserted separator.
CJK_CLAUSE_PUNCTUATION = frozenset(",，。!！?？;；:：、\n")
_CJK_BLOCKS = ((0x3400, 0xA000), (0xF900, 0xFB00))
# Chinese variants that say the same thing: the polite "you" reads as the plain one.
_CHINESE_VARIANTS = {"您": "你", "妳": "你"}


@cache
def _traditional_to_simplified() -> dict[str, str]:
    """Map each traditional character OpenCC knows to its simplified form (built once, ~0.1 s)."""
    converter = opencc.OpenCC("t2s")
    table: dict[str, str] = {}
    for first, stop in _CJK_BLOCKS:
        for chunk_start in range(first, stop, 256):
            chunk = "".join(chr(code) for code in range(chunk_start, min(chunk_start + 256, stop)))
            converted: list[str] = list(converter.convert(chunk))
            if len(converted) != len(chunk):  # a phrase rule changed the length: one by one instead
                converted = [converter.convert(char) for char in chunk]
            table.update(
                (char, simple)
                for char, simple in zip(chunk, converted, strict=True)
                if simple != char and len(simple) == 1
            )
    return table


def normalize_char(char: str) -> str:
    """Return the normalised form of one character: possibly empty, possibly several characters."""
    simplified = _traditional_to_simplified()
    out = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.category(part) in ("Mn", "Me", "Cf"):
            continue
        out.append(part.casefold().translate(_CONFUSABLES))
    simple = "".join(simplified.get(piece, piece) for piece in "".join(out))
    return "".join(_CHINESE_VARIANTS.get(piece, piece) for piece in simple)


@cache
def _cached_char(char: str) -> str:
    return normalize_char(char)


@cache
def _unstable_characters() -> re.Pattern[str]:
    """Match every character that normalisation may change (all but the common stable ones).

    Stable: ASCII other than capitals, CJK ideographs with no traditional form to simplify, the
    CJK and general punctuation that NFKD leaves alone, and full-width punctuation (kept as is: it
    separates either way, and is far too common in Chinese text to replace one by one).
    Everything else goes through :func:`normalize_char` (cached).
    """
    simplified = _traditional_to_simplified()
    stable = [code for code in range(0x80) if not chr(code).isupper()]
    for first, stop in ((0x3400, 0x4DC0), (0x4E00, 0xA000)):
        stable.extend(code for code in range(first, stop) if chr(code) not in simplified)
    stable.extend(
        code
        for code in (*range(0x2000, 0x2070), *range(0x3000, 0x3040))
        if normalize_char(chr(code)) == chr(code)
    )
    stable.extend(code for code in range(0xFF01, 0xFF66) if not chr(code).isalnum())
    stable = [code for code in stable if chr(code) not in _CHINESE_VARIANTS]
    ranges: list[list[int]] = []
    for code in sorted(stable):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    body = "".join(
        re.escape(chr(low)) + ("-" + re.escape(chr(high)) if high > low else "") for low, high in ranges
    )
    return re.compile(f"[^{body}]")


class NormalizedText:
    """A text in its three forms, with the maps from the matching views back to the original.

    The maps are built on first use: a clean text never needs them.
    """

    __slots__ = ("_origin", "_sentence_ends", "_skeleton_index", "is_resized", "original", "skeleton", "text")

    def __init__(self, original: str, text: str, skeleton: str, *, is_resized: bool) -> None:
        self.original = original
        self.text = text
        self.skeleton = skeleton
        self.is_resized = is_resized
        self._origin: list[int] | None = None
        self._skeleton_index: list[int] | None = None
        self._sentence_ends: list[int] | None = None

    @property
    def origin(self) -> list[int]:
        """Return, for each normalised character, the index of the original one it came from."""
        if self._origin is None:
            self._origin = _origin(self.original) if self.is_resized else list(range(len(self.text)))
        return self._origin

    @property
    def skeleton_index(self) -> list[int]:
        """Return, for each skeleton character, its index in the normalised text."""
        if self._skeleton_index is None:
            index: list[int] = []
            for match in _WORD_RUN.finditer(_mark_symbols(self.text)):
                index.extend(range(*match.span()))
            self._skeleton_index = index
        return self._skeleton_index

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original-text span of the normalised span ``[start, end)`` (non-empty)."""
        origin = self.origin
        return origin[start], origin[end - 1] + 1

    def crosses_sentence_end(self, start: int, end: int) -> bool:
        """Tell whether a sentence or line ends inside the normalised span ``[start, end)``."""
        if self._sentence_ends is None:
            self._sentence_ends = [match.start() for match in _SENTENCE_END.finditer(self.text)]
        index = bisect_left(self._sentence_ends, start)
        return index < len(self._sentence_ends) and self._sentence_ends[index] < end


def normalize(original: str) -> NormalizedText:
    """Build the normalised text and the skeleton of ``original``; the offset maps follow lazily."""
    if original.isascii():
        text, is_resized = original.lower(), False
    else:
        resized: list[bool] = []

        def replace(match: re.Match[str]) -> str:
            normalised = _cached_char(match.group())
            if len(normalised) != 1:
                resized.append(True)
            return normalised

        text = _unstable_characters().sub(replace, original)
        is_resized = bool(resized)
    marked = _SEPARATORS.sub("", _mark_symbols(text))
    skeleton = marked.translate(_FOLD) if marked.isascii() else _LATIN_RUN.sub(_fold_match, marked)
    return NormalizedText(original, text, skeleton, is_resized=is_resized)


def _origin(original: str) -> list[int]:
    """Map each normalised character to its original index, replaying :func:`normalize`."""
    origin: list[int] = []
    last = 0
    for match in _unstable_characters().finditer(original):
        start = match.start()
        origin.extend(range(last, start))
        origin.extend([start] * len(_cached_char(match.group())))
        last = start + 1
    origin.extend(range(last, len(original)))
    return origin


def _mark_symbols(text: str) -> str:
    """Turn the substitution symbols that stand for letters into those letters."""
    return _SYMBOL_FOR_LETTER.sub(_fold_match, text)


def _fold_match(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD)
