"""Fast draws from a ``random.Random``: the demo makes millions, and ``randrange`` is slow. Pure."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import TypeVar

T = TypeVar("T")


def below(rng: random.Random, limit: int) -> int:
    """Return an integer in ``[0, limit)``."""
    return int(rng.random() * limit)


def between(rng: random.Random, low: int, high: int) -> int:
    """Return an integer in ``[low, high]``."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """Return one of ``items``, each equally likely."""
    return items[int(rng.random() * len(items))]


def cumulative(weights: Sequence[int]) -> tuple[int, ...]:
    """Return the running totals of ``weights``, for :func:`weighted`."""
    return tuple(accumulate(weights))


def weighted(rng: random.Random, items: Sequence[T], totals: tuple[int, ...]) -> T:
    """Return one of ``items`` with the chances given by ``totals`` (see :func:`cumulative`)."""
    return items[bisect(totals, rng.random() * totals[-1])]
