"""Update rules for gradient descent, behind one interface, and learning-rate schedules.

`sgd` is introduced in lesson 2 (one step) and used from lesson 3; lesson 5 adds
`sgd_momentum`, `nesterov`, the "going further" rules `rmsprop` and `adam`, and the
schedules.

Every rule has the signature

    update(w, dw, config) -> (next_w, config)

- `w`: a parameter array of any shape;
- `dw`: dL/dw, the same shape;
- `config`: a dict of hyperparameters (`learning_rate`, ...) and of the rule's state,
  such as a velocity, which it carries from one step to the next. Pass None on the first
  step to get the defaults; keep one config per parameter. A hyperparameter may be any
  one real number (a Python int or float, a NumPy scalar such as np.float32(0.1), or a
  0-d array): the rule stores it back in config as a Python float.

The rule returns a new array and leaves `w` as it was, so a caller can still compare
the step before and after. The state lives in `config` (never in the rule), so one
function serves every parameter and a run can be paused and resumed.

| rule | config keys (default) | state kept in config |
|---|---|---|
| `sgd` | learning_rate (1e-2) | none |
| `sgd_momentum` | learning_rate (1e-2), momentum (0.9) | velocity |
| `nesterov` | learning_rate (1e-2), momentum (0.9) | velocity |
| `rmsprop` | learning_rate (1e-3), decay_rate (0.99), epsilon (1e-8) | cache |
| `adam` | learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8) | m, v, t |

A schedule has the signature

    schedule(epoch, lr0, **params) -> learning_rate

with `epoch` counted from 0, so that epoch 0 trains at `lr0`. `constant`, `step_decay`
and `exponential_decay` are here; the Trainer accepts any function of this shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from backprop._checks import as_float, no_nan, same_shape, scalar_arg

__all__ = [
    "SCHEDULES",
    "adam",
    "constant",
    "exponential_decay",
    "nesterov",
    "rmsprop",
    "sgd",
    "sgd_momentum",
    "step_decay",
]

Config = dict[str, Any]


def _start(w: np.ndarray, dw: np.ndarray, config: Config | None, defaults: Config) -> Config:
    as_float(w, "w")
    as_float(dw, "dw")
    same_shape(dw, "dw", w, "w")
    no_nan(dw, "dw")
    config = {} if config is None else config
    for key, value in defaults.items():
        config.setdefault(key, value)
    config["learning_rate"] = scalar_arg(
        config["learning_rate"], "config['learning_rate']", "a positive number",
        lambda v: 0 < v < np.inf, f"Try {defaults['learning_rate']:g}.")
    for key, low, high in _RANGES:
        if key in config:
            config[key] = scalar_arg(
                config[key], f"config[{key!r}]", f"a number in [{low}, {high})",
                lambda v, low=low, high=high: low <= v < high,
                f"The usual value is {defaults.get(key, '?')}.")
    return config


# Hyperparameters that must lie in [low, high): a decay of 1 would never forget, and a
# momentum of 1 or more makes the velocity grow without bound.
_RANGES = (("momentum", 0.0, 1.0), ("decay_rate", 0.0, 1.0), ("beta1", 0.0, 1.0),
           ("beta2", 0.0, 1.0), ("epsilon", 0.0, 1.0))


def _state(config: Config, key: str, w: np.ndarray) -> np.ndarray:
    """The state array `key` of config, zeros of w's shape on the first step."""
    state = config.get(key)
    if state is None:
        return np.zeros_like(w, dtype=np.float64)
    state = np.asarray(state)
    if state.shape != w.shape:
        raise ValueError(
            f"config[{key!r}] has shape {state.shape} but w has shape {w.shape}: a config "
            "belongs to one parameter. Keep one config per parameter (the Trainer does).")
    return state


def sgd(w: np.ndarray, dw: np.ndarray, config: Config | None = None) -> tuple[np.ndarray, Config]:
    """Plain (stochastic) gradient descent: w ← w − learning_rate · dw.

    Introduced in lesson 2 (one gradient-descent step); used by the Trainer from lesson 3.

    Args:
        w: A parameter, any shape.
        dw: dL/dw, the same shape as w.
        config: "learning_rate" (default 1e-2).

    Returns:
        next_w: The updated parameter, a new array of w's shape.
        config: The same dict, with defaults filled in.

    Raises:
        TypeError: If w or dw is not a float array.
        ValueError: If the shapes differ, dw holds NaN, or the learning rate is not positive.
    """
    config = _start(w, dw, config, {"learning_rate": 1e-2})
    # Step against the gradient: it points uphill, and we want the loss to go down.
    return w - config["learning_rate"] * dw, config


def sgd_momentum(
    w: np.ndarray, dw: np.ndarray, config: Config | None = None
) -> tuple[np.ndarray, Config]:
    """Gradient descent with momentum: v ← β·v − lr·dw, then w ← w + v.

    Introduced in lesson 5. The velocity v is a running sum of past steps that fades by
    β each step: along a direction where the gradient keeps its sign, the steps add up
    (to about lr/(1 − β) per unit gradient, 10× for β = 0.9); where it flips sign, they
    cancel. With β = 0 this is `sgd`.

    Args:
        w: A parameter, any shape.
        dw: dL/dw, the same shape as w.
        config: "learning_rate" (default 1e-2), "momentum" β in [0, 1) (default 0.9) and
            the state "velocity" (w's shape; zeros on the first step).

    Returns:
        next_w: The updated parameter, a new array of w's shape.
        config: The same dict, holding the new velocity.

    Raises:
        TypeError: If w or dw is not a float array.
        ValueError: On mismatched shapes, NaN in dw, or a hyperparameter out of range.

    Example:
        >>> w, config = np.array([1.0]), {"learning_rate": 0.1, "momentum": 0.9}
        >>> w, config = sgd_momentum(w, np.array([1.0]), config)   # v = -0.1
        >>> w, config = sgd_momentum(w, np.array([1.0]), config)   # v = 0.9·(-0.1) - 0.1
        >>> print(w, config["velocity"])
        [0.71] [-0.19]
    """
    config = _start(w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9})
    v = _state(config, "velocity", w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v  # the state must survive until the next call
    return w + v, config


def nesterov(
    w: np.ndarray, dw: np.ndarray, config: Config | None = None
) -> tuple[np.ndarray, Config]:
    """Nesterov momentum: the gradient is taken where the velocity is about to carry w.

    Introduced in lesson 5. Written for a gradient at w itself (the form Sutskever et al.
    2013 use, as CS231n does): with the look-ahead point as the stored parameter,
    v_new = β·v − lr·dw and w ← w − β·v + (1 + β)·v_new.

    Args:
        w: A parameter, any shape.
        dw: dL/dw, the same shape as w.
        config: "learning_rate" (default 1e-2), "momentum" β in [0, 1) (default 0.9) and
            the state "velocity" (w's shape; zeros on the first step).

    Returns:
        next_w: The updated parameter, a new array of w's shape.
        config: The same dict, holding the new velocity.

    Raises:
        TypeError: If w or dw is not a float array.
        ValueError: On mismatched shapes, NaN in dw, or a hyperparameter out of range.
    """
    config = _start(w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9})
    beta = config["momentum"]
    v_prev = _state(config, "velocity", w)
    v = beta * v_prev - config["learning_rate"] * dw
    config["velocity"] = v
    # Undo the look-ahead of the last step and make the next one: a correction that
    # arrives one step earlier than plain momentum's.
    return w - beta * v_prev + (1 + beta) * v, config


def rmsprop(
    w: np.ndarray, dw: np.ndarray, config: Config | None = None
) -> tuple[np.ndarray, Config]:
    """RMSProp: divide each step by a running root mean square of that weight's gradient.

    Introduced in lesson 5 ("going further"). cache ← ρ·cache + (1 − ρ)·dw², then
    w ← w − lr·dw / (√cache + ε). Steep directions get small steps and flat ones large
    steps, one scale per weight.

    Args:
        w: A parameter, any shape.
        dw: dL/dw, the same shape as w.
        config: "learning_rate" (default 1e-3), "decay_rate" ρ (default 0.99), "epsilon"
            (default 1e-8) and the state "cache" (w's shape).

    Returns:
        next_w: The updated parameter, a new array of w's shape.
        config: The same dict, holding the new cache.

    Raises:
        TypeError: If w or dw is not a float array.
        ValueError: On mismatched shapes, NaN in dw, or a hyperparameter out of range.
    """
    config = _start(w, dw, config,
                    {"learning_rate": 1e-3, "decay_rate": 0.99, "epsilon": 1e-8})
    rho = config["decay_rate"]
    cache = rho * _state(config, "cache", w) + (1 - rho) * dw * dw
    config["cache"] = cache
    return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config


def adam(
    w: np.ndarray, dw: np.ndarray, config: Config | None = None
) -> tuple[np.ndarray, Config]:
    """Adam: momentum on the gradient plus RMSProp's per-weight scale, bias-corrected.

    Introduced in lesson 5 ("going further"). With t counting steps from 1:
    m ← β1·m + (1 − β1)·dw, v ← β2·v + (1 − β2)·dw², m̂ = m/(1 − β1^t),
    v̂ = v/(1 − β2^t), w ← w − lr·m̂/(√v̂ + ε). The corrections undo the pull toward the
    zeros m and v start from.

    Args:
        w: A parameter, any shape.
        dw: dL/dw, the same shape as w.
        config: "learning_rate" (default 1e-3), "beta1" (0.9), "beta2" (0.999), "epsilon"
            (1e-8) and the state "m", "v" (w's shape) and "t" (the step count).

    Returns:
        next_w: The updated parameter, a new array of w's shape.
        config: The same dict, holding m, v and t.

    Raises:
        TypeError: If w or dw is not a float array.
        ValueError: On mismatched shapes, NaN in dw, or a hyperparameter out of range.
    """
    config = _start(w, dw, config, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999,
                                    "epsilon": 1e-8})
    b1, b2 = config["beta1"], config["beta2"]
    t = int(config.get("t", 0)) + 1
    m = b1 * _state(config, "m", w) + (1 - b1) * dw
    v = b2 * _state(config, "v", w) + (1 - b2) * dw * dw
    config["m"], config["v"], config["t"] = m, v, t
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


# Learning-rate schedules ------------------------------------------------------------


def _epoch_and_rate(epoch: int, lr0: float) -> float:
    """Check a schedule's epoch and starting rate; return the rate as a float."""
    if isinstance(epoch, bool) or not isinstance(epoch, int | np.integer) or epoch < 0:
        raise ValueError(f"epoch must be a whole number >= 0 (counted from 0), got {epoch!r}.")
    return scalar_arg(lr0, "lr0", "a positive number", lambda v: 0 < v < np.inf)


def constant(epoch: int, lr0: float) -> float:
    """The same learning rate every epoch (lesson 5).

    Args:
        epoch: The epoch, counted from 0.
        lr0: The learning rate.

    Returns:
        lr0.
    """
    return _epoch_and_rate(epoch, lr0)


def step_decay(epoch: int, lr0: float, drop: float = 0.5, every: int = 10) -> float:
    """Multiply the learning rate by `drop` once every `every` epochs (lesson 5).

    lr = lr0 · drop^⌊epoch / every⌋: epochs 0 … every−1 train at lr0, the next `every` at
    lr0·drop, and so on. The rate changes between epochs, never inside one.

    Args:
        epoch: The epoch, counted from 0.
        lr0: The starting learning rate.
        drop: The factor, in (0, 1].
        every: Epochs between drops, >= 1.

    Returns:
        The learning rate of that epoch.

    Example:
        >>> [step_decay(e, 0.1, drop=0.5, every=2) for e in range(5)]
        [0.1, 0.1, 0.05, 0.05, 0.025]
    """
    lr0 = _epoch_and_rate(epoch, lr0)
    drop = scalar_arg(drop, "drop", "in (0, 1]", lambda v: 0 < v <= 1, "0.5 halves the rate.")
    if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1:
        raise ValueError(f"every must be a whole number of epochs >= 1, got {every!r}.")
    return float(lr0 * drop ** (epoch // every))


def exponential_decay(epoch: int, lr0: float, decay: float = 0.9) -> float:
    """Multiply the learning rate by `decay` every epoch: lr = lr0 · decay^epoch (lesson 5).

    Args:
        epoch: The epoch, counted from 0.
        lr0: The starting learning rate.
        decay: The factor per epoch, in (0, 1].

    Returns:
        The learning rate of that epoch.

    Example:
        >>> round(exponential_decay(2, 0.1, decay=0.5), 6)
        0.025
    """
    lr0 = _epoch_and_rate(epoch, lr0)
    decay = scalar_arg(decay, "decay", "in (0, 1]", lambda v: 0 < v <= 1, "Try 0.9.")
    return float(lr0 * decay**epoch)


SCHEDULES: dict[str, Callable[..., float]] = {
    "constant": constant,
    "step": step_decay,
    "exponential": exponential_decay,
}
