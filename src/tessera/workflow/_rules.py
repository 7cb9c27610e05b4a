"""The stop rules of DESIGN §10 as pure functions over the recorded history.

Each rule returns the reason to stop, naming the rule and the numbers, or
``None`` when it does not apply. :class:`QualityMonitor` checks them in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tessera.workflow import _format as fmt
from tessera.workflow._iteration import QualityIteration

#: Float slack for every comparison, so 0.3 * 3 (0.8999999999999999) meets a 0.90 target
#: and a 0.01 quality gain computed as 0.83 - 0.82 still counts as 0.01.
EPSILON = 1e-9

#: A quality drop larger than this from one iteration to the next is a regression.
#: Scores from a reviewer model jitter by a few thousandths between identical runs;
#: that noise alone should not end a loop.
REGRESSION_TOLERANCE = 0.005


def max_reached(iteration: int, max_iterations: int) -> str | None:
    """Stop once iteration ``max_iterations`` is done."""
    if iteration >= max_iterations:
        return f"maximum iterations reached: iteration {iteration} ≥ max {max_iterations}"
    return None


def targets_met(
    last: QualityIteration, target_coverage: float, target_quality: float
) -> str | None:
    """Stop when the latest iteration meets both targets (equal counts as met)."""
    if last.coverage >= target_coverage - EPSILON and last.quality_score >= (
        target_quality - EPSILON
    ):
        return (
            f"coverage {fmt.coverage(last.coverage)} ≥ {fmt.coverage(target_coverage)} and "
            f"quality {fmt.quality(last.quality_score)} ≥ {fmt.quality(target_quality)}: "
            "targets met"
        )
    return None


def budget_spent(spent: Decimal, cap: Decimal, source: str) -> str | None:
    """Stop when ``spent`` has reached the cap (exactly at the cap counts as spent)."""
    if spent >= cap:
        return f"budget spent: {source} {fmt.usd(spent)} ≥ cap {fmt.usd(cap)}"
    return None


def quality_regressed(history: Sequence[QualityIteration]) -> str | None:
    """Stop when quality fell by more than :data:`REGRESSION_TOLERANCE` since the previous one."""
    if len(history) < 2:
        return None
    previous, last = history[-2], history[-1]
    drop = previous.quality_score - last.quality_score
    if drop > REGRESSION_TOLERANCE + EPSILON:
        return (
            f"quality regressed: {fmt.quality(last.quality_score)} at iteration "
            f"{last.iteration} < {fmt.quality(previous.quality_score)} at iteration "
            f"{previous.iteration} (drop {fmt.quality(drop)} > tolerance "
            f"{fmt.quality(REGRESSION_TOLERANCE)})"
        )
    return None


def _window_gains(
    history: Sequence[QualityIteration], patience: int
) -> tuple[QualityIteration, float, float]:
    base = history[max(0, len(history) - 1 - patience)]
    last = history[-1]
    return base, last.coverage - base.coverage, last.quality_score - base.quality_score


def _improved(coverage_gain: float, quality_gain: float, min_improvement: float) -> bool:
    return (
        coverage_gain >= min_improvement - EPSILON
        or quality_gain >= min_improvement / 100 - EPSILON
    )


def plateau(
    history: Sequence[QualityIteration], patience: int, min_improvement: float
) -> str | None:
    """Stop when neither metric gained enough over the last ``patience`` iterations.

    The latest iteration is compared with the one recorded ``patience`` iterations
    before it; coverage must gain ``min_improvement`` points or quality
    ``min_improvement / 100``. Fewer than ``patience + 1`` iterations: no verdict.
    """
    if len(history) < patience + 1:
        return None
    base, coverage_gain, quality_gain = _window_gains(history, patience)
    if _improved(coverage_gain, quality_gain, min_improvement):
        return None
    quality_needed = min_improvement / 100
    rounds = "iteration" if patience == 1 else "iterations"
    return (
        f"plateau: coverage {fmt.signed(fmt.coverage(coverage_gain))} < "
        f"{fmt.coverage(min_improvement)} and quality {fmt.signed(fmt.quality(quality_gain))} < "
        f"{fmt.quality(quality_needed)} over the last {patience} {rounds} "
        f"(since iteration {base.iteration})"
    )


def continue_reason(
    history: Sequence[QualityIteration],
    iteration: int,
    max_iterations: int,
    target_coverage: float,
    target_quality: float,
    patience: int,
    min_improvement: float,
) -> str:
    """Why another iteration is worth it, with where each metric stands."""
    if not history:
        return f"no iterations recorded yet, iteration {iteration} < max {max_iterations}: continue"
    last = history[-1]
    cov_sign = "≥" if last.coverage >= target_coverage - EPSILON else "<"
    qual_sign = "≥" if last.quality_score >= target_quality - EPSILON else "<"
    standing = (
        f"coverage {fmt.coverage(last.coverage)} {cov_sign} {fmt.coverage(target_coverage)}, "
        f"quality {fmt.quality(last.quality_score)} {qual_sign} {fmt.quality(target_quality)}"
    )
    if len(history) == 1:
        return f"{standing}; first iteration recorded: continue"
    base, coverage_gain, quality_gain = _window_gains(history, patience)
    gains = (
        f"coverage {fmt.signed(fmt.coverage(coverage_gain))}, "
        f"quality {fmt.signed(fmt.quality(quality_gain))} since iteration {base.iteration}"
    )
    if _improved(coverage_gain, quality_gain, min_improvement):
        return f"{standing}; improving ({gains}): continue"
    # plateau() did not fire, so the window is not full yet.
    return f"{standing}; {gains}, too few iterations to call a plateau: continue"
