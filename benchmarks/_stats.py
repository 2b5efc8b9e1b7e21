"""Paired statistics: a ratio per repetition, summarised by its median and interquartile range."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import attrs


@attrs.frozen
class Spread:
    """Quartiles of a sample (the median is the middle one)."""

    low: float
    median: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if len(values) == 1:
            return cls(values[0], values[0], values[0])
        low, median, high = statistics.quantiles(values, n=4, method="inclusive")
        return cls(low, median, high)

    def text(self, digits: int = 2) -> str:
        return f"{self.median:.{digits}f} [{self.low:.{digits}f}-{self.high:.{digits}f}]"


def ratios(numerator: Sequence[float], denominator: Sequence[float]) -> Spread:
    """The ratio of each repetition's pair of measurements, summarised."""
    if len(numerator) != len(denominator) or not numerator:
        raise ValueError("paired samples must have the same, non-zero length")
    return Spread.of([a / b for a, b in zip(numerator, denominator, strict=True)])


@attrs.frozen
class Target:
    """One pass line of the issue: a ratio and the goal it must meet on its losing side."""

    name: str
    spread: Spread
    goal: float
    at_most: bool  # True: the ratio must be <= goal (its upper quartile is checked); False: >= (lower quartile)

    @property
    def met(self) -> bool:
        return self.spread.high <= self.goal if self.at_most else self.spread.low >= self.goal

    @property
    def goal_text(self) -> str:
        return f"{'<=' if self.at_most else '>='} {self.goal:g}"
