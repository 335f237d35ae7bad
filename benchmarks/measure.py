"""What every figure shares: timing, and one measured line of the results table."""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable


def timed(function: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``repeat`` calls after ``warmup`` unmeasured ones, in seconds."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One line of the results: ours against the raw baseline measured in the same run.

    ``ours`` and ``baseline`` are seconds (``unit="s"``) or requests per second
    (``unit="req/s"``). ``ratio`` is stated the way the target is: how many times faster the
    baseline is for times (ours ÷ baseline), the share of the baseline's rate for rates.
    """

    key: str
    title: str
    ours: float
    baseline: float
    unit: str
    target: str
    met: bool
    baseline_title: str
    note: str = ""

    @property
    def ratio(self) -> float:
        """ours ÷ baseline (times: how much slower; rates: the share of the baseline's rate)."""
        return self.ours / self.baseline if self.baseline else float("inf")

    def ratio_text(self) -> str:
        """The ratio as the table shows it."""
        if self.unit == "req/s":
            return f"{self.ratio:.0%} of baseline"
        if self.ratio < 1:
            return f"{1 / self.ratio:,.0f}× faster"
        return f"{self.ratio:,.2f}× slower"

    def value_text(self, value: float) -> str:
        """A measured value with its unit."""
        if self.unit == "req/s":
            return f"{value:,.0f} req/s"
        if value >= 10:
            return f"{value:,.1f} s"
        return f"{value * 1000:,.1f} ms"
