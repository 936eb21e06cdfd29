"""A confidence interval for the difference of two proportions. Pure (no Django).

Newcombe's hybrid score interval (method 10 of Newcombe 1998): each proportion's Wilson interval,
combined; it stays inside [-1, 1] and behaves with small counts and rates near 0 or 1, where the
plain Wald interval does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class Difference:
    """``first - second`` of two proportions, with its interval at ``confidence``."""

    first: float
    second: float
    difference: float
    low: float
    high: float
    confidence: float


def wilson(successes: int, trials: int, z: float) -> tuple[float, float]:
    """Return the Wilson score interval of ``successes`` out of ``trials``.

    :raises ValueError: when ``trials`` is not positive or ``successes`` is outside 0..trials.
    """
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError("successes must be within 0..trials and trials positive")
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return (centre - spread) / denominator, (centre + spread) / denominator


def difference_of_proportions(
    first_successes: int,
    first_trials: int,
    second_successes: int,
    second_trials: int,
    *,
    confidence: float = 0.95,
) -> Difference:
    """Return the difference of two proportions with Newcombe's hybrid score interval.

    :raises ValueError: when a count is impossible or ``confidence`` is not between 0 and 1.
    """
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p1, p2 = first_successes / max(first_trials, 1), second_successes / max(second_trials, 1)
    low1, high1 = wilson(first_successes, first_trials, z)
    low2, high2 = wilson(second_successes, second_trials, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = difference + math.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2)
    return Difference(first=p1, second=p2, difference=difference, low=low, high=high, confidence=confidence)
