"""Update rules for gradient descent, behind one interface, and learning-rate schedules.

`sgd` is introduced in lesson 2 (one step) and used from lesson 3; lesson 5 adds
`sgd_momentum`, `nesterov`, `adam` (with its bias correction), `rmsprop` ("going
further"), decoupled weight decay (the `weight_decay` config entry), `clip_by_norm` and
the schedules.

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

"momentum" is the momentum coefficient β of `sgd_momentum` and `nesterov` (lesson 6's
batch norm has a different β, a shift parameter); Adam's two averaging coefficients are
"beta1" and "beta2".

**Decoupled weight decay** (lesson 5). `sgd`, `sgd_momentum`, `nesterov` and `adam` also
read an optional "weight_decay" λ >= 0 (absent or 0: none; it is not filled in as a
default). The step then also shrinks the weight directly, w ← w − learning_rate · λ · w,
outside the gradient, the velocity and Adam's averages (Loshchilov and Hutter's AdamW,
SGDW). This is not the same as L2 regularisation, which adds λ · w to dw: under `sgd`
the two coincide; under momentum the L2 term is amplified by the velocity, about
1/(1 − β) times; under `adam` it is divided by each weight's √v̂, so weights with large
gradients are barely regularised. Lesson 5 measures it.

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
    "clip_by_norm",
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


def _decay(next_w: np.ndarray, w: np.ndarray, config: Config) -> np.ndarray:
    """Apply decoupled weight decay, if config holds a "weight_decay" λ > 0 (lesson 5)."""
    if "weight_decay" not in config:
        return next_w
    lam = config["weight_decay"] = scalar_arg(
        config["weight_decay"], "config['weight_decay']", "a number >= 0",
        lambda v: 0 <= v < np.inf, "Try 1e-4 to 1e-2; 0 turns it off.")
    # The shrink is taken from the weight before the step: w ← w − lr·(step + λ·w).
    return next_w - config["learning_rate"] * lam * w if lam else next_w


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
        config: "learning_rate" (default 1e-2); optionally "weight_decay" (see the
            module docstring).

    Returns:
        next_w: The updated parameter, a new array of w's shape.
        config: The same dict, with defaults filled in.

    Raises:
        TypeError: If w or dw is not a float array.
        ValueError: If the shapes differ, dw holds NaN, or the learning rate is not positive.
    """
    config = _start(w, dw, config, {"learning_rate": 1e-2})
    # Step against the gradient: it points uphill, and we want the loss to go down.
    return _decay(w - config["learning_rate"] * dw, w, config), config


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
        config: "learning_rate" (default 1e-2), "momentum" β in [0, 1) (default 0.9),
            optionally "weight_decay" (decoupled), and the state "velocity" (w's shape;
            zeros on the first step).

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
    return _decay(w + v, w, config), config


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
        config: "learning_rate" (default 1e-2), "momentum" β in [0, 1) (default 0.9),
            optionally "weight_decay" (decoupled), and the state "velocity" (w's shape;
            zeros on the first step).

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
    return _decay(w - beta * v_prev + (1 + beta) * v, w, config), config


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

    Introduced in lesson 5 (Kingma and Ba, 2015). With t counting steps from 1:
    m ← β1·m + (1 − β1)·dw, v ← β2·v + (1 − β2)·dw², m̂ = m/(1 − β1^t),
    v̂ = v/(1 − β2^t), w ← w − lr·m̂/(√v̂ + ε). The corrections undo the pull toward the
    zeros m and v start from: E[m_t] = (1 − β1^t)·E[dw]. With "weight_decay" λ this is
    AdamW: w ← w − lr·(m̂/(√v̂ + ε) + λ·w).

    Args:
        w: A parameter, any shape.
        dw: dL/dw, the same shape as w.
        config: "learning_rate" (default 1e-3), "beta1" (0.9), "beta2" (0.999), "epsilon"
            (1e-8), optionally "weight_decay" λ (decoupled, AdamW), and the state "m",
            "v" (w's shape) and "t" (the number of steps taken, 0 before the first).

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
    step = config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    return _decay(w - step, w, config), config


def clip_by_norm(
    grads: dict[str, np.ndarray], max_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Scale all gradients together so that their global norm is at most max_norm.

    Introduced in lesson 5. The global norm is the length of every parameter's gradient
    laid end to end, sqrt(sum over parameters of sum(g**2)). When it exceeds max_norm,
    every gradient is multiplied by the same factor max_norm / norm, which keeps the
    step's direction and caps its length; otherwise the gradients are returned unchanged.
    Apply it between backpropagation and the update rule.

    Args:
        grads: Parameter name -> gradient array (any shapes), as `MLP.loss` returns.
        max_norm: The largest global norm allowed, > 0.

    Returns:
        clipped: A new dict with new arrays, the same keys and shapes; `grads` is left as
            it was.
        norm: The global norm before clipping, a float (worth logging: spikes show
            when clipping acts).

    Raises:
        TypeError: If grads is not a dict of float arrays.
        ValueError: If max_norm is not a positive number, or a gradient holds NaN.

    Example:
        >>> clipped, norm = clip_by_norm({"W": np.array([3.0]), "b": np.array([4.0])}, 1.0)
        >>> print(norm, clipped["W"], clipped["b"])
        5.0 [0.6] [0.8]
    """
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict of name -> gradient array, got "
                        f"{type(grads).__name__}; e.g. the grads of "
                        "`loss, grads = net.loss(X, y)`.")
    max_norm = scalar_arg(max_norm, "max_norm", "a positive number", lambda v: 0 < v < np.inf,
                          "Try 1.0 to 10.0.")
    for name, g in grads.items():
        as_float(g, f"grads[{name!r}]")
        no_nan(g, f"grads[{name!r}]")
    norm = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))
    scale = max_norm / norm if norm > max_norm else 1.0
    return {name: np.asarray(g, dtype=np.float64) * scale for name, g in grads.items()}, norm


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
