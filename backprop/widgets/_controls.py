"""The explorers' shared argument checks and their learning-rate slider (lessons 2, 4 and 5).

Introduced in lesson 2 with `learning_rate_explorer`, whose log-scale learning-rate slider
lesson 5's `optimizer_explorer` shows again; lesson 4's `gradient_norm_explorer` checks its
weight scale with the same `check_rate`.
"""

from __future__ import annotations

import math
from numbers import Real

import ipywidgets as widgets

__all__ = ["check_rate", "check_rates", "rate_slider"]


def check_rate(value: object, name: str) -> float:
    """Return `value` as a float if it is a positive, finite number.

    Args:
        value: What the caller passed.
        name: The argument's name, for the message.

    Returns:
        The value as a float.

    Raises:
        TypeError: If it is not a number (True and False are not).
        ValueError: If it is not finite and positive.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}.")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive learning rate, got {value}.")
    return value


def check_rates(rates: object) -> tuple[float, float]:
    """Return a slider's range (lowest, highest) of learning rates, checked.

    Args:
        rates: The pair (lowest, highest) the caller passed.

    Returns:
        (lowest, highest) as floats.

    Raises:
        TypeError: If a rate is not a number.
        ValueError: If a rate is not positive, or lowest is not below highest.
    """
    low, high = (check_rate(r, f"rates[{i}]") for i, r in enumerate(rates))
    if not low < high:
        raise ValueError(f"rates must be (lowest, highest) with lowest < highest, got {rates!r}.")
    return low, high


def rate_slider(value: float, low: float, high: float, width: str) -> widgets.FloatLogSlider:
    """Build the log-scale learning-rate slider, from `low` to `high` in 200 steps.

    It is logarithmic because learning rates that matter differ by factors (0.001, 0.01,
    0.1), and it reports its value when released, since each move reruns a training.

    Args:
        value: Where the slider starts.
        low: The lowest rate, positive.
        high: The highest rate.
        width: The CSS width of the slider, e.g. "480px".

    Returns:
        An `ipywidgets.FloatLogSlider` labelled "learning rate".
    """
    lo_exp, hi_exp = math.log10(low), math.log10(high)
    return widgets.FloatLogSlider(
        value=value, base=10, min=lo_exp, max=hi_exp, step=(hi_exp - lo_exp) / 200,
        description="learning rate", readout_format=".3g", continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(width=width),
    )
