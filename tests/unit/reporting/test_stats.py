"""The confidence interval of a difference of proportions (Newcombe 1998, method 10)."""

import pytest

from arrears.reporting.kpis.stats import difference_of_proportions, wilson


class TestWilson:
    def test_matches_the_published_interval(self):
        low, high = wilson(81, 263, 1.959964)

        assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)

    def test_refuses_more_successes_than_trials(self):
        with pytest.raises(ValueError, match=r"within 0\.\.trials"):
            wilson(3, 2, 1.96)


class TestDifferenceOfProportions:
    def test_matches_newcombes_worked_example(self):
        result = difference_of_proportions(56, 70, 48, 80)

        assert round(result.difference, 4) == 0.2
        assert (round(result.low, 4), round(result.high, 4)) == (0.0524, 0.3339)

    def test_stays_within_minus_one_and_one_at_the_extremes(self):
        result = difference_of_proportions(0, 10, 10, 10)

        assert result.difference == -1
        assert -1 <= result.low < result.high <= 0

    def test_refuses_a_confidence_outside_zero_and_one(self):
        with pytest.raises(ValueError, match="between 0 and 1"):
            difference_of_proportions(1, 2, 1, 2, confidence=1.5)
