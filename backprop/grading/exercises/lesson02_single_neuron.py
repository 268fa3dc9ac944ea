"""Lesson 02_single_neuron: one sigmoid neuron on a batch, its losses and a gradient step.

Its exercises, in notebook order:
- neuron_forward: y_hat = sigmoid(x @ w + b);
- sigmoid_backward: the backward pass of the sigmoid, from its cached output;
- mse_gradients: the mean squared error of the neuron, and its gradients dw and db;
- gd_step: one step of gradient descent on w and b;
- bce_gradients: the mean binary cross-entropy of the neuron, and its gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from backprop.activations import sigmoid_backward, sigmoid_forward
from backprop.grading.exercise import Case, Exercise, Mistake, register
from backprop.losses import binary_cross_entropy_with_logits, mse_loss
from backprop.optim import sgd
from backprop.scalar import Value

LESSON = "02_single_neuron"

_GRADCHECK = (
    "Then compare your dw and db with grad_check, as in section 'Check the gradients "
    "numerically' of lesson 2."
)

# (N, D) of the visible cases. N is never 1 or 2, so that a missing or extra 1/N (or a
# factor 2) changes the answer, and each factor shows as a different known mistake.
_SHAPES = ((4, 2), (5, 3), (6, 2), (4, 3))
_HIDDEN_SHAPES = ((5, 2), (3, 3), (6, 3), (4, 2), (5, 1), (3, 2))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return sigmoid_forward(z)[0]


def _neuron_inputs(
    rng: np.random.Generator, n: int, d: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Random (x, w, b) for one neuron: x (n, d), w (d,), b a float away from 0."""
    x = np.round(rng.normal(0.0, 1.0, (n, d)), 3)
    w = np.round(rng.normal(0.0, 1.0, d), 3)
    b = float(np.round(rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 1.2), 3))
    return x, w, b


def _labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """0/1 targets as float64, with both classes present whenever n >= 2."""
    y = rng.integers(0, 2, n).astype(np.float64)
    if n >= 2:
        y[:2] = (0.0, 1.0)
        rng.shuffle(y)
    return y


def _note(x: np.ndarray, b: float, extra: str = "") -> str:
    n, d = x.shape
    return f"x of shape ({n}, {d}), b = {b:g}{extra}"


# Edge cases of one neuron, N = 1 (or a few rows with z = 0): exactly z = 0, and a
# saturated sigmoid (|z| = 30), where sigmoid'(z) is about 1e-13 and a sign slip inside
# exp() is as far from right as it can be.
_EDGES: tuple[tuple[np.ndarray, np.ndarray, float, str], ...] = (
    (np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]]), np.zeros(2), 0.0,
     "w = 0 and b = 0, so z = 0"),
    (np.array([[3.0, -1.0]]), np.array([10.0, 0.0]), 0.0, "one sample with z = 30 (saturated)"),
    (np.array([[1.0, 2.0]]), np.array([-10.0, -10.0]), 0.0, "one sample with z = -30 (saturated)"),
)


# -- neuron_forward ------------------------------------------------------------------


def _ref_neuron_forward(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """One sigmoid neuron on a batch: y_hat = sigmoid(x @ w + b), shape (N,)."""
    return _sigmoid(x @ w + b)


def _cases_neuron_forward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    cases = []
    for n, d in _SHAPES + (_HIDDEN_SHAPES if hidden else ()):
        x, w, b = _neuron_inputs(rng, n, d)
        cases.append(Case((x, w, b), _note(x, b)))
    if hidden:
        cases += [Case((x, w, b), note) for x, w, b, note in _EDGES]
    return cases


register(Exercise(
    id="neuron_forward",
    lesson=LESSON,
    reference=_ref_neuron_forward,
    cases=_cases_neuron_forward,
    outputs=("y_hat",),
    seed=201,
    mistakes=(
        Mistake(
            "no_sigmoid",
            lambda x, w, b: x @ w + b,
            "you returned z = x @ w + b, the weighted sum before the activation. Pass it "
            "through the sigmoid, which turns it into a probability between 0 and 1.",
        ),
        Mistake(
            "sign_in_exp",
            lambda x, w, b: 1.0 / (1.0 + np.exp(x @ w + b)),
            "the sign inside the exponential is flipped: 1 / (1 + exp(z)) is sigmoid(-z), which "
            "falls as z grows. Look at the sign in the exponent of the formula again.",
        ),
        Mistake(
            "minus_binds_to_xw",
            lambda x, w, b: 1.0 / (1.0 + np.exp(-x @ w + b)),
            "the minus sign applies to x @ w only, so this is sigmoid(x @ w - b): "
            "np.exp(-x @ w + b) negates the weighted sum but not the bias. The minus must "
            "negate all of z, bias included.",
        ),
        Mistake(
            "no_bias",
            lambda x, w, b: _sigmoid(x @ w),
            "you left out the bias. The neuron computes z = x @ w + b, then the sigmoid; "
            "without b its boundary always passes through the origin.",
        ),
        Mistake(
            "bias_after_sigmoid",
            lambda x, w, b: _sigmoid(x @ w) + b,
            "the bias goes inside the sigmoid, with the weighted sum, not after it (added "
            "afterwards, it can push y_hat out of the range 0 to 1).",
        ),
        Mistake(
            "tanh",
            lambda x, w, b: np.tanh(x @ w + b),
            "that is tanh, the activation of lesson 1. This neuron uses the sigmoid, whose "
            "output between 0 and 1 reads as a probability.",
        ),
    ),
    hints=(
        "two steps: first the weighted sum of every sample at once (which product of x, shape "
        "(N, D), and w, shape (D,), has shape (N,)?), then the sigmoid, element by element.",
        "z = x @ w + b, shape (N,): the bias is added to every sample's sum (broadcasting). "
        "Then apply the sigmoid to z with np.exp; check one row by hand against the worked "
        "example.",
        "y_hat = 1 / (1 + np.exp(-z)) with z = x @ w + b. Mind the parentheses: the minus "
        "negates all of z, np.exp(-(x @ w + b)).",
    ),
))


# -- sigmoid_backward ----------------------------------------------------------------


def _cases_sigmoid_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    cases = []
    for n, _ in _SHAPES + (_HIDDEN_SHAPES if hidden else ()):
        z = np.round(rng.normal(0.0, 2.0, n), 3)
        dout = np.round(rng.normal(0.0, 1.0, n), 3)
        cases.append(Case((dout, _sigmoid(z)), f"dout and cache of shape ({n},)"))
    if hidden:
        z = rng.normal(0.0, 2.0, (3, 2))
        cases += [
            Case((rng.normal(0.0, 1.0, (3, 2)), _sigmoid(z)), "dout and cache of shape (3, 2)"),
            Case((np.ones(3), np.full(3, 0.5)), "dout = 1, cache = sigmoid(0) = 0.5"),
            Case((np.ones(3), _sigmoid(np.array([30.0, -30.0, 0.0]))),
                 "dout = 1, cache = sigmoid of [30, -30, 0] (saturated)"),
            Case((np.zeros(4), _sigmoid(rng.normal(0.0, 2.0, 4))), "dout = 0"),
        ]
    return cases


register(Exercise(
    id="sigmoid_backward",
    lesson=LESSON,
    reference=sigmoid_backward,
    equivalents=(Value.backward,),
    cases=_cases_sigmoid_backward,
    outputs=("dx",),
    seed=202,
    mistakes=(
        Mistake(
            "sigmoid_of_cache",
            lambda dout, out: dout * _sigmoid(out) * (1 - _sigmoid(out)),
            "the cache already holds out = sigmoid(z). Applying the sigmoid to it again "
            "computes the slope at the wrong place. Write your local derivative with the "
            "cached output itself.",
        ),
        Mistake(
            "tanh_rule",
            lambda dout, out: dout * (1 - out * out),
            "that is the local derivative of tanh, 1 - out², from lesson 1. The sigmoid's is "
            "different: derive dσ/dz from σ = 1 / (1 + e^(-z)) and write it with out.",
        ),
        Mistake(
            "no_upstream",
            lambda dout, out: out * (1 - out),
            "you returned the local derivative only. Multiply it by dout: the chain rule is "
            "upstream × local.",
        ),
        Mistake(
            "no_one_minus",
            lambda dout, out: dout * out,
            "your local derivative is out alone, and a factor is missing: it would make the "
            "slope largest where out is near 1, yet the sigmoid is flat there. Finish the "
            "derivation of dσ/dz.",
        ),
        Mistake(
            "sign",
            lambda dout, out: dout * out * (out - 1),
            "your gradient has the wrong sign: the sigmoid is increasing, so its local "
            "derivative is positive for every z.",
        ),
    ),
    hints=(
        "write σ(z) = 1 / (1 + e^(-z)) = u^(-1) with u = 1 + e^(-z), and use the chain rule: "
        "the derivative of u^(-1) with respect to u, times du/dz.",
        "dσ/dz = e^(-z) / (1 + e^(-z))². Split it as 1 / (1 + e^(-z)) times "
        "e^(-z) / (1 + e^(-z)), and write the second factor in terms of σ: what is 1 - σ?",
        "dσ/dz = σ(1 - σ), that is out * (1 - out) with out = cache. Upstream × local: "
        "dx = dout * out * (1 - out), element by element.",
    ),
))


# -- mse_gradients -------------------------------------------------------------------


def _ref_mse_gradients(
    x: np.ndarray, w: np.ndarray, b: float, y: np.ndarray
) -> tuple[float, np.ndarray, float]:
    """Loss and gradients of L = mean((sigmoid(x @ w + b) - y)**2); returns (loss, dw, db)."""
    y_hat, cache = sigmoid_forward(x @ w + b)
    loss, dy_hat = mse_loss(y_hat, y)
    dz = sigmoid_backward(dy_hat, cache)
    return loss, x.T @ dz, float(np.sum(dz))


def _cases_mse_gradients(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """(x, w, b, y) cases shared by the two loss exercises (bce_gradients too)."""
    cases = []
    for n, d in _SHAPES + (_HIDDEN_SHAPES if hidden else ()):
        x, w, b = _neuron_inputs(rng, n, d)
        y = _labels(rng, n)
        cases.append(Case((x, w, b, y), _note(x, b, f", y = {y.astype(int).tolist()}")))
    if hidden:
        # Saturated neurons that are right (y agrees with the sign of z): the loss is tiny
        # but positive. Confidently wrong ones are in the random cases' range only, so that
        # a learner's log(1 - y_hat) stays exact.
        x0, w0, b0, note0 = _EDGES[0]
        cases.append(Case((x0, w0, b0, np.array([1.0, 0.0, 1.0])), note0 + ", y = [1, 0, 1]"))
        for (x, w, b, note), label in zip(_EDGES[1:], (1.0, 0.0), strict=True):
            cases.append(Case((x, w, b, np.array([label])), f"{note}, y = [{label:g}]"))
        x = np.array([[2.0, -1.0]])
        cases.append(Case((x, np.array([3.0, -2.0]), 0.0, np.array([0.0])),
                          "one sample with z = 8, y = [0] (confidently wrong)"))
    return cases


def _variant_mse_gradients(
    dz_rule: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
    *,
    mean: bool = False,
    db_summed: bool = True,
) -> Callable[..., tuple[float, np.ndarray, Any]]:
    """A wrong mse_gradients: the right loss, dz = dz_rule(y_hat, y, N).

    With mean=True, dw and db are means over the batch instead of sums; with
    db_summed=False, db is dz itself, one entry per sample.
    """
    def compute(x: np.ndarray, w: np.ndarray, b: float, y: np.ndarray):
        y_hat = _sigmoid(x @ w + b)
        dz = dz_rule(y_hat, y, len(y))
        scale = 1.0 / len(y) if mean else 1.0
        db = scale * float(np.sum(dz)) if db_summed else dz
        return float(np.mean((y_hat - y) ** 2)), scale * (x.T @ dz), db
    return compute


register(Exercise(
    id="mse_gradients",
    lesson=LESSON,
    reference=_ref_mse_gradients,
    equivalents=(Value.backward,),
    cases=_cases_mse_gradients,
    outputs=("loss", "dw", "db"),
    seed=203,
    mistakes=(
        Mistake(
            "no_sigmoid_derivative",
            _variant_mse_gradients(lambda p, y, n: 2 * (p - y) / n),
            "you skipped the sigmoid on the way back: your dz is dL/dy_hat. Between y_hat "
            "and z there is the sigmoid gate, whose local derivative you derived in "
            "exercise 2.",
        ),
        Mistake(
            "tanh_derivative",
            _variant_mse_gradients(lambda p, y, n: 2 * (p - y) / n * (1 - p * p)),
            "you used tanh's local derivative, 1 - y_hat², on the way from y_hat to z. This "
            "neuron's activation is the sigmoid: use the local derivative of exercise 2.",
        ),
        Mistake(
            "sign",
            _variant_mse_gradients(lambda p, y, n: 2 * (y - p) / n * p * (1 - p)),
            "your gradients have the wrong sign: the loss grows when y_hat rises above y, "
            "so dL/dy_hat is positive there. (y - y_hat) is the error of another convention, "
            "which goes with an update that adds; see section 'Two ways to write the same "
            "step'.",
        ),
        Mistake(
            "no_mean",
            _variant_mse_gradients(lambda p, y, n: 2 * (p - y) * p * (1 - p)),
            "your gradients are N times too large: the loss is the mean over the N samples, "
            "so each sample's share of the gradient carries a 1/N.",
        ),
        Mistake(
            "no_factor_2",
            _variant_mse_gradients(lambda p, y, n: (p - y) / n * p * (1 - p)),
            "your gradients are half the right size: the derivative of a square brings down "
            "a factor 2, and the loss here is mean((y_hat - y)**2), without a ½ in front.",
        ),
        Mistake(
            "db_not_summed",
            _variant_mse_gradients(lambda p, y, n: 2 * (p - y) / n * p * (1 - p), db_summed=False),
            "db is not summed over the batch: dz has one entry per sample, but b is a single "
            "number that was added to every z, and a value used in several places collects "
            "the gradients of all its uses (lesson 1). db must be one number.",
        ),
        Mistake(
            "averaged_twice",
            _variant_mse_gradients(lambda p, y, n: 2 * (p - y) / n * p * (1 - p), mean=True),
            "the 1/N of the mean is applied twice: dz already carries it, so dw and db "
            "collect the samples' shares as sums, not means.",
        ),
    ),
    hints=(
        "draw the chain of one sample, w, b → z_i → y_hat_i → L, and take the local "
        "derivative of each link: the mean of squares (how much does one y_hat_i move the "
        "mean?), then the sigmoid gate of exercise 2. Then: w and b are used by every sample.",
        "dL/dy_hat_i = 2 (y_hat_i - y_i) / N; multiply by the sigmoid's local derivative to "
        "get dz_i. Every sample uses w and b, so their gradients sum over the samples: "
        "dw_j = Σ_i dz_i x_ij, db = Σ_i dz_i. " + _GRADCHECK,
        "dz = 2 * (y_hat - y) / N * y_hat * (1 - y_hat), dw = x.T @ dz (shape (D,)), "
        "db = dz.sum() (one number).",
    ),
))


# -- gd_step -------------------------------------------------------------------------


def _ref_gd_step(
    w: np.ndarray, b: float, dw: np.ndarray, db: float, learning_rate: float
) -> tuple[np.ndarray, float]:
    """One step of gradient descent, against the gradient; w itself is left unchanged."""
    return w - learning_rate * dw, b - learning_rate * db


def _cases_gd_step(rng: np.random.Generator, hidden: bool) -> list[Case]:
    rates = (0.1, 0.5, 0.05, 2.0) + ((0.3, 0.01, 1.5, 0.2, 0.8, 0.02) if hidden else ())
    cases = []
    for (_, d), lr in zip(_SHAPES + (_HIDDEN_SHAPES if hidden else ()), rates, strict=True):
        w = np.round(rng.normal(0.0, 1.0, d), 3)
        dw = np.round(rng.normal(0.0, 1.0, d), 3)
        b = float(np.round(rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 1.2), 3))
        db = float(np.round(rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 1.2), 3))
        cases.append(Case((w, b, dw, db, lr), f"w of shape ({d},), b = {b:g}, db = {db:g}, "
                                              f"learning_rate = {lr:g}"))
    if hidden:
        w = np.array([0.5, -1.0])
        cases += [
            Case((w, 0.25, np.array([0.2, 0.4]), -0.1, 1.0), "learning_rate = 1"),
            Case((w, 0.25, np.zeros(2), 0.0, 0.1), "dw = 0 and db = 0: nothing should move"),
        ]
    return cases


register(Exercise(
    id="gd_step",
    lesson=LESSON,
    reference=_ref_gd_step,
    equivalents=(sgd,),
    cases=_cases_gd_step,
    outputs=("w_new", "b_new"),
    seed=204,
    mistakes=(
        Mistake(
            "ascent",
            lambda w, b, dw, db, lr: (w + lr * dw, b + lr * db),
            "this is gradient *ascent*: the gradient points uphill, where the loss grows, "
            "and your step follows it. Descent goes the other way.",
        ),
        Mistake(
            "no_learning_rate",
            lambda w, b, dw, db, lr: (w - dw, b - db),
            "the learning rate is missing: you stepped by the whole gradient. The learning "
            "rate sets how far each step goes.",
        ),
        Mistake(
            "bias_not_updated",
            lambda w, b, dw, db, lr: (w - lr * dw, b),
            "w moves but b does not: the bias is a parameter too, and takes the same kind of "
            "step with its own gradient db.",
        ),
        Mistake(
            "step_only",
            lambda w, b, dw, db, lr: (-lr * dw, -lr * db),
            "you returned only the step, not the new parameters: the step starts from the "
            "current w and b.",
        ),
    ),
    hints=(
        "dw points the way in which the loss grows fastest. Which way do you want to go, "
        "and what sets how far? Do the same for b with db.",
        "each parameter moves by learning_rate times its gradient, against the gradient, "
        "starting from its current value. Build a new array rather than changing w in place.",
        "w_new = w - learning_rate * dw and b_new = b - learning_rate * db.",
    ),
))


# -- bce_gradients -------------------------------------------------------------------


def _ref_bce_gradients(
    x: np.ndarray, w: np.ndarray, b: float, y: np.ndarray
) -> tuple[float, np.ndarray, float]:
    """Loss and gradients of the mean binary cross-entropy of sigmoid(x @ w + b)."""
    loss, dz = binary_cross_entropy_with_logits(x @ w + b, y)  # dz = (y_hat - y) / N
    return loss, x.T @ dz, float(np.sum(dz))


def _variant_bce_gradients(
    dz_rule: Callable[[np.ndarray, np.ndarray, int], np.ndarray] | None = None,
    loss_rule: Callable[[np.ndarray, np.ndarray], float] | None = None,
    *,
    mean: bool = False,
) -> Callable[..., tuple[float, np.ndarray, float]]:
    """A wrong bce_gradients: the right answer, except the given loss or dz rule.

    With mean=True, dw and db are means over the batch instead of sums.
    """
    def compute(x: np.ndarray, w: np.ndarray, b: float, y: np.ndarray):
        z = x @ w + b
        loss, dz = binary_cross_entropy_with_logits(z, y)
        y_hat = _sigmoid(z)
        if loss_rule is not None:
            loss = loss_rule(y_hat, y)
        if dz_rule is not None:
            dz = dz_rule(y_hat, y, len(y))
        scale = 1.0 / len(y) if mean else 1.0
        return loss, scale * (x.T @ dz), scale * float(np.sum(dz))
    return compute


_cases_bce_gradients = _cases_mse_gradients  # the same inputs as mse_gradients


register(Exercise(
    id="bce_gradients",
    lesson=LESSON,
    reference=_ref_bce_gradients,
    equivalents=(Value.backward,),
    cases=_cases_bce_gradients,
    outputs=("loss", "dw", "db"),
    seed=205,
    # A learner who clips y_hat to [1e-7, 1 - 1e-7] before the log (a common guard) is
    # off by up to ~1e-7 in the loss of a saturated neuron: that is not a mistake.
    atol=1e-6,
    mistakes=(
        Mistake(
            "mse_gradients",
            _variant_bce_gradients(lambda p, y, n: 2 * (p - y) / n * p * (1 - p)),
            "your loss is the cross-entropy, but your gradients are still those of the MSE. "
            "Differentiate the cross-entropy itself: its dL/dy_hat is not the MSE's.",
        ),
        Mistake(
            "extra_sigmoid_derivative",
            _variant_bce_gradients(lambda p, y, n: (p - y) / n * p * (1 - p)),
            "you multiplied by the sigmoid's slope y_hat * (1 - y_hat) once too often. Write "
            "the cross-entropy's dL/dy_hat over one common denominator, then multiply by the "
            "sigmoid's local derivative once, and simplify.",
        ),
        Mistake(
            "sign",
            _variant_bce_gradients(lambda p, y, n: (y - p) / n),
            "your gradients have the wrong sign: a neuron whose y_hat is above its label must "
            "get a positive dz, so that descent lowers z. Check the minus in front of the loss "
            "and the inner derivative of log(1 - y_hat).",
        ),
        Mistake(
            "no_mean",
            _variant_bce_gradients(lambda p, y, n: p - y),
            "your gradients are N times too large: the loss is a mean over the N samples, so "
            "each sample's share of the gradient carries a 1/N.",
        ),
        Mistake(
            "averaged_twice",
            _variant_bce_gradients(mean=True),
            "the 1/N of the mean is applied twice: dz already carries it, so dw and db "
            "collect the samples' shares as sums, not means.",
        ),
        Mistake(
            "loss_sign",
            _variant_bce_gradients(loss_rule=lambda p, y: float(np.mean(y * np.log(p)
                                                               + (1 - y) * np.log(1 - p)))),
            "your loss is negative: the log of a probability is at most 0, so the "
            "cross-entropy has a minus sign in front, L = -mean(y log(y_hat) + "
            "(1 - y) log(1 - y_hat)).",
        ),
        Mistake(
            "loss_one_term",
            _variant_bce_gradients(loss_rule=lambda p, y: float(-np.mean(y * np.log(p)))),
            "your loss only counts the samples with y = 1. Add the term for y = 0: "
            "L = -mean(y log(y_hat) + (1 - y) log(1 - y_hat)).",
        ),
    ),
    hints=(
        "for one sample, split the chain at y_hat: first dL/dy_hat_i of "
        "-(1/N)(y_i log y_hat_i + (1 - y_i) log(1 - y_hat_i)) (d log u / du = 1/u, and mind "
        "the inner derivative of 1 - y_hat), then the sigmoid gate of exercise 2. Put "
        "dL/dy_hat_i over one common denominator before you multiply.",
        "dL/dy_hat_i = (1/N) (y_hat_i - y_i) / (y_hat_i (1 - y_hat_i)). Multiply by the "
        "sigmoid's local derivative: what is left of dz_i? From dz on, dw and db are as in "
        "mse_gradients. " + _GRADCHECK,
        "dz = (y_hat - y) / N, dw = x.T @ dz, db = dz.sum(), and "
        "loss = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)).",
    ),
))
