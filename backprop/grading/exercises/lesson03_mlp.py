"""Lesson 03_mlp: layers with forward and backward passes, and a two-layer network.

Its exercises, in notebook order:
- affine_forward: out = x @ W + b (and a cache);
- affine_backward: dx, dW and db of the affine layer;
- relu_backward: the backward pass of the ReLU;
- softmax_cross_entropy: the mean softmax cross-entropy loss and its gradient dscores;
- two_layer_loss: affine, ReLU, affine, softmax: the loss and every weight's gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop.activations import relu_backward
from backprop.grading.exercise import Case, Exercise, Mistake, register
from backprop.grading.messages import shapes as _shapes
from backprop.layers import affine_backward, affine_forward
from backprop.losses import softmax_cross_entropy

LESSON = "03_mlp"

_GRADCHECK = (
    "Write the shape of every array next to each line, then compare your gradients with "
    "grad_check, as in section 'A gradient check of the whole network' of lesson 3."
)


# --- affine_forward ----------------------------------------------------------------


def _cases_affine_forward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # N, D and H differ, so that a transposed W or a misplaced bias fails on its shape.
    sizes = [(4, 3, 5), (2, 6, 3), (5, 2, 4)]
    if hidden:
        sizes += [(1, 3, 2), (7, 4, 6), (3, 5, 1)]
    cases = []
    for n, d, h in sizes:
        x, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=h)
        cases.append(Case((x, W, b), _shapes(x=x, W=W, b=b)))
    if hidden:
        x, W, b = np.zeros((3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
        cases.append(Case((x, W, b), _shapes(x=x, W=W, b=b) + ", x all zeros (so out = b)"))
        x, W, b = rng.normal(size=(3, 2)), rng.normal(size=(2, 4)), np.zeros(4)
        cases.append(Case((x, W, b), _shapes(x=x, W=W, b=b) + ", b all zeros"))
    return cases


register(Exercise(
    id="affine_forward",
    lesson=LESSON,
    reference=affine_forward,
    cases=_cases_affine_forward,
    outputs=("out", "cache"),
    free=("cache",),
    seed=301,
    mistakes=(
        Mistake(
            "no_bias",
            lambda x, W, b: (x @ W, (x, W, b)),
            "the bias is missing: out = x @ W + b. b has shape (H,), and NumPy adds it to every "
            "row of x @ W (broadcasting), one bias per output unit.",
        ),
        Mistake(
            "bias_subtracted",
            lambda x, W, b: (x @ W - b, (x, W, b)),
            "the bias is subtracted: out = x @ W + b, with a plus. (Training would learn a bias of "
            "the opposite sign, but every later layer and check expects + b.)",
        ),
        Mistake(
            "relu_inside",
            lambda x, W, b: (np.maximum(x @ W + b, 0.0), (x, W, b)),
            "you applied a ReLU inside the affine layer. The affine layer is linear, out = "
            "x @ W + b; the ReLU is its own layer, with its own forward and backward pass.",
        ),
    ),
    hint="out = x @ W + b: a matrix product, then the bias added to every row.",
))


# --- affine_backward ---------------------------------------------------------------


def _cases_affine_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # N, D and H all differ: a transposed dW, or a db that isn't summed over the batch,
    # then has the wrong shape, and the check says so.
    sizes = [(4, 3, 5), (6, 2, 3), (3, 5, 2)]
    if hidden:
        sizes += [(1, 4, 3), (8, 6, 7), (5, 3, 4)]
    cases = []
    for n, d, h in sizes:
        x, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=h)
        dout = rng.normal(size=(n, h))
        cases.append(Case((dout, (x, W, b)), _shapes(dout=dout, x=x, W=W, b=b)))
    if hidden:
        x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
        dout = rng.normal(size=(5, 2))
        dout[[1, 3]] = 0.0
        cases.append(Case((dout, (x, W, b)),
                          _shapes(dout=dout, x=x, W=W, b=b) + ", two rows of dout zero"))
    return cases


def _variant_affine_backward(dW_scale: Callable[[int], float], db_scale: Callable[[int], float],
                            sign: float = 1.0):
    """A wrong affine_backward: dW and db multiplied by a factor that depends on N."""
    def compute(dout, cache):
        x, W, _b = cache
        n = x.shape[0]
        return (sign * (dout @ W.T), sign * dW_scale(n) * (x.T @ dout),
                sign * db_scale(n) * dout.sum(axis=0))
    return compute


register(Exercise(
    id="affine_backward",
    lesson=LESSON,
    reference=affine_backward,
    cases=_cases_affine_backward,
    outputs=("dx", "dW", "db"),
    seed=302,
    mistakes=(
        Mistake(
            "dW_transposed",
            lambda dout, cache: (dout @ cache[1].T, dout.T @ cache[0], dout.sum(axis=0)),
            "dW has the transpose on the wrong side: dout.T @ x has shape (H, D), the shape of "
            "W.T. A gradient has the shape of its variable, W (D, H), so the product must be "
            "x.T @ dout: (D, N) @ (N, H).",
        ),
        Mistake(
            "db_wrong_axis",
            lambda dout, cache: (dout @ cache[1].T, cache[0].T @ dout, dout.sum(axis=1)),
            "db is summed over the wrong axis: dout.sum(axis=1) adds up the H units of each "
            "sample, giving shape (N,). The bias gets every sample's gradient, so sum over the "
            "batch, axis 0: db = dout.sum(axis=0), shape (H,).",
        ),
        Mistake(
            "db_not_summed",
            lambda dout, cache: (dout @ cache[1].T, cache[0].T @ dout, dout.copy()),
            "db is not summed over the batch: dout has one row per sample, shape (N, H), but b "
            "has shape (H,). b is added to every row, so each row's gradient flows into it: "
            "db = dout.sum(axis=0).",
        ),
        Mistake(
            "averaged",
            _variant_affine_backward(lambda n: 1 / n, lambda n: 1 / n),
            "dW and db are N times too small: you averaged over the batch. The 1/N of the mean "
            "loss is already inside dout (the loss's backward pass put it there), so here the "
            "samples' contributions are summed: dW = x.T @ dout, db = dout.sum(axis=0).",
        ),
        Mistake(
            "db_mean",
            _variant_affine_backward(lambda n: 1.0, lambda n: 1 / n),
            "db is N times too small: sum dout over the batch (axis 0), don't average it. b is "
            "added to every row, so it receives the gradient of every row, and those add up; "
            "any 1/N is already inside dout.",
        ),
        Mistake(
            "dW_over_N",
            _variant_affine_backward(lambda n: 1 / n, lambda n: 1.0),
            "dW is N times too small. x.T @ dout already adds up the contributions of the N "
            "samples, and that sum is the gradient; dividing by N averages a second time (the "
            "1/N of a mean loss is already inside dout).",
        ),
        Mistake(
            "sign",
            _variant_affine_backward(lambda n: 1.0, lambda n: 1.0, sign=-1.0),
            "your gradients have the wrong sign. The backward pass returns dL/dx, dL/dW and "
            "dL/db as they are; the minus sign of gradient descent belongs to the update step, "
            "W ← W − lr · dW.",
        ),
    ),
    hint="each gradient has the shape of its variable: dx (N, D) = dout @ W.T, dW (D, H) = "
         "x.T @ dout, db (H,) = dout summed over the batch. " + _GRADCHECK,
))


# --- relu_backward -----------------------------------------------------------------


def _kinked(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Normal values with every third entry exactly 0: ReLU's kink."""
    x = rng.normal(size=shape)
    x.flat[::3] = 0.0
    return x


def _cases_relu_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    shapes: list[tuple[int, ...]] = [(4, 5), (3, 3), (2, 6)]
    if hidden:
        shapes += [(1, 7), (5, 4), (6,)]
    cases = []
    for shape in shapes:
        x, dout = _kinked(rng, shape), rng.normal(size=shape)
        zeros = int(np.sum(x == 0))
        cases.append(Case((dout, x), f"{_shapes(dout=dout, x=x)}, {zeros} entries of x exactly 0"))
    if hidden:
        x, dout = -np.abs(rng.normal(size=(3, 4))), rng.normal(size=(3, 4))
        cases.append(Case((dout, x), f"{_shapes(dout=dout, x=x)}, every x negative"))
        x, dout = np.abs(rng.normal(size=(3, 4))) + 1e-3, rng.normal(size=(3, 4))
        cases.append(Case((dout, x), f"{_shapes(dout=dout, x=x)}, every x positive"))
        x, dout = rng.choice([-1e-12, 1e-12], size=(2, 5)), rng.normal(size=(2, 5))
        cases.append(Case((dout, x), f"{_shapes(dout=dout, x=x)}, x = ±1e-12, next to the kink"))
    return cases


register(Exercise(
    id="relu_backward",
    lesson=LESSON,
    reference=relu_backward,
    cases=_cases_relu_backward,
    outputs=("dx",),
    seed=303,
    mistakes=(
        Mistake(
            "kink_ge",
            lambda dout, x: dout * (x >= 0),
            "at x = 0 exactly you let the gradient through. ReLU has a kink there, and the "
            "convention (PyTorch's too) is the slope 0: use x > 0, not x >= 0.",
        ),
        Mistake(
            "mask_from_dout",
            lambda dout, x: dout * (dout > 0),
            "the mask must come from the forward input x (the cache), not from dout: ReLU lets "
            "the gradient through wherever x > 0, whatever the gradient's sign.",
        ),
        Mistake(
            "mask_only",
            lambda dout, x: (x > 0) * 1.0,
            "you returned the local derivative, the 0/1 mask, alone. Multiply it by the upstream "
            "gradient: dx = dout * (x > 0).",
        ),
        Mistake(
            "times_forward",
            lambda dout, x: dout * np.maximum(x, 0.0),
            "you multiplied dout by relu(x), the forward output. The local derivative is ReLU's "
            "slope: 1 where x > 0 and 0 elsewhere, so dx = dout * (x > 0).",
        ),
        Mistake(
            "forward",
            lambda dout, x: np.maximum(x, 0.0),
            "that is the forward pass, relu(x) = max(0, x). The backward pass returns dout where "
            "x > 0, and 0 elsewhere.",
        ),
        Mistake(
            "inverted",
            lambda dout, x: dout * (x < 0),
            "the mask is the wrong way round: the gradient passes where x > 0 (the unit was "
            "active) and is blocked where x < 0.",
        ),
    ),
    hint="dx is dout where the forward input x was positive, and 0 elsewhere (also at x = 0).",
))


# --- softmax_cross_entropy ---------------------------------------------------------


def _probs_onehot(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stable softmax of each row, and the one-hot matrix of y (for the mistakes)."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    onehot = np.zeros_like(probs)
    onehot[np.arange(len(y)), y] = 1.0
    return probs, onehot


def _variant_softmax_cross_entropy(loss_kind: str = "mean", grad_kind: str = "right"):
    """A wrong softmax_cross_entropy, from a loss variant and a gradient variant."""
    def compute(scores, y):
        probs, onehot = _probs_onehot(scores, y)
        n = scores.shape[0]
        logp = np.log(probs[np.arange(n), y])
        loss = {
            "mean": -logp.mean(),
            "sum": -logp.sum(),
            "no_minus": logp.mean(),
            "all_entries": -np.mean(onehot * np.log(probs)),
        }[loss_kind]
        dscores = {
            "right": (probs - onehot) / n,
            "no_n": probs - onehot,
            "no_onehot": probs / n,
            "sign": (onehot - probs) / n,
        }[grad_kind]
        return float(loss), dscores
    return compute


def _softmax_ce_columns(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """A wrong softmax_cross_entropy that indexes probs[:, y]: whole columns, not one per row."""
    probs, _ = _probs_onehot(scores, y)
    n = scores.shape[0]
    loss = -np.mean(np.log(probs[:, y]))
    dscores = probs.copy()
    dscores[:, y] -= 1.0
    return float(loss), dscores / n


def _cases_softmax_cross_entropy(rng: np.random.Generator, hidden: bool) -> list[Case]:
    sizes = [(4, 3), (5, 4), (3, 5)]
    if hidden:
        sizes += [(1, 3), (8, 10), (6, 2)]
    cases = []
    for n, c in sizes:
        scores, y = rng.normal(0.0, 2.0, size=(n, c)), rng.integers(0, c, size=n)
        cases.append(Case((scores, y), f"{_shapes(scores=scores, y=y)}, labels {y.tolist()}"))
    # Large scores in the visible check too: an unshifted exp must fail before grading.
    scores, y = 1000.0 + rng.normal(size=(3, 4)), rng.integers(0, 4, size=3)
    cases.append(Case((scores, y), f"{_shapes(scores=scores, y=y)}, scores near 1000 (exp "
                                   "overflows unless the row's max is subtracted first)"))
    if hidden:
        for offset in (1000.0, -1000.0):
            scores, y = offset + rng.normal(size=(4, 3)), rng.integers(0, 3, size=4)
            cases.append(Case((scores, y), f"{_shapes(scores=scores, y=y)}, scores near "
                                           f"{offset:g} (exp overflows unless the max is "
                                           "subtracted first)"))
        scores, y = np.zeros((3, 4)), np.array([0, 3, 1])
        cases.append(Case((scores, y), f"{_shapes(scores=scores, y=y)}, all scores equal"))
    return cases


register(Exercise(
    id="softmax_cross_entropy",
    lesson=LESSON,
    reference=softmax_cross_entropy,
    cases=_cases_softmax_cross_entropy,
    outputs=("loss", "dscores"),
    seed=304,
    mistakes=(
        Mistake(
            "no_1_over_N",
            _variant_softmax_cross_entropy("mean", "no_n"),
            "dscores is N times too large. The loss is the mean over the batch, so each "
            "sample's gradient carries a factor 1/N: dscores = (softmax(scores) - onehot(y)) / N.",
        ),
        Mistake(
            "loss_summed_only",
            _variant_softmax_cross_entropy("sum", "right"),
            "dscores is right, but the loss is summed over the batch: average it, "
            "-log_probs[np.arange(N), y].mean(), so that it doesn't grow with the batch size.",
        ),
        Mistake(
            "columns",
            _softmax_ce_columns,
            "probs[:, y] picks whole columns, an (N, N) array with one column per label, not "
            "one entry per row. Use probs[np.arange(N), y] to pick each sample's probability of "
            "its own label (and the same index to subtract the one-hot in dscores).",
        ),
        Mistake(
            "summed",
            _variant_softmax_cross_entropy("sum", "no_n"),
            "you summed the loss over the batch (and left the 1/N out of dscores to match). The "
            "convention here is the mean: divide the loss and dscores by N, so that the size of "
            "a step doesn't depend on the batch size.",
        ),
        Mistake(
            "no_onehot",
            _variant_softmax_cross_entropy("mean", "no_onehot"),
            "dscores is softmax(scores) / N without the one-hot subtracted. At each sample's "
            "true class the gradient is (p - 1) / N: subtract 1 there.",
        ),
        Mistake(
            "sign",
            _variant_softmax_cross_entropy("mean", "sign"),
            "dscores has the wrong sign: it is (softmax(scores) - onehot(y)) / N, positive for "
            "the wrong classes, so that gradient descent lowers their scores.",
        ),
        Mistake(
            "loss_no_minus",
            _variant_softmax_cross_entropy("no_minus", "right"),
            "your loss is negative: the cross-entropy is minus the log-probability of the true "
            "class, L = -mean(log p_y). A probability is at most 1, so its log is at most 0.",
        ),
        Mistake(
            "loss_all_entries",
            _variant_softmax_cross_entropy("all_entries", "right"),
            "your loss is C times too small: you averaged onehot * log(p) over all N·C entries. "
            "Only one entry per row is nonzero; average over the N samples only.",
        ),
    ),
    hint="p = softmax of each row (subtract the row's max before exp), loss = -mean(log p[i, "
         "y[i]]), dscores = (p - onehot(y)) / N.",
))


# --- two_layer_loss ----------------------------------------------------------------


def _ref_two_layer_loss(X, y, W1, b1, W2, b2):
    """Affine, ReLU, affine, softmax cross-entropy; returns (loss, dW1, db1, dW2, db2)."""
    a1, fc1 = affine_forward(X, W1, b1)
    h = np.maximum(a1, 0.0)
    scores, fc2 = affine_forward(h, W2, b2)
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = affine_backward(dscores, fc2)
    da1 = relu_backward(dh, a1)
    _dX, dW1, db1 = affine_backward(da1, fc1)
    return loss, dW1, db1, dW2, db2


def _variant_two_layer_loss(
    *,
    gate: str = "mask",
    per_n: bool = True,
    dW1_transposed: bool = False,
    W2_transposed: bool = True,
    db_axis: int = 0,
):
    """A wrong two_layer_loss: one slip in the backward pass (the square cases allow them all)."""
    def compute(X, y, W1, b1, W2, b2):
        a1 = X @ W1 + b1
        h = np.maximum(a1, 0.0)
        scores = h @ W2 + b2
        probs, onehot = _probs_onehot(scores, y)
        n = X.shape[0]
        loss = float(-np.log(probs[np.arange(n), y]).mean())
        dscores = (probs - onehot) / (n if per_n else 1)
        dW2, db2 = h.T @ dscores, dscores.sum(axis=db_axis)
        dh = dscores @ (W2.T if W2_transposed else W2)
        da1 = {"mask": dh * (a1 > 0), "none": dh, "times_h": dh * h,
               "from_dh": dh * (dh > 0)}[gate]
        dW1 = da1.T @ X if dW1_transposed else X.T @ da1
        return loss, dW1, da1.sum(axis=db_axis), dW2, db2
    return compute


def _cases_two_layer_loss(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # Square on purpose (N = D = H = C): a misplaced transpose or a bias gradient summed
    # over the wrong axis then has the right shape, so it can be named by its values.
    sizes = [4, 3, 4]
    if hidden:
        sizes += [5, 3, 4]
    cases = []

    def make(n: int) -> tuple[np.ndarray, ...]:
        X = rng.normal(size=(n, n))
        y = rng.integers(0, n, size=n)
        W1, b1 = rng.normal(size=(n, n)) / np.sqrt(n), rng.normal(0.0, 0.5, size=n)
        W2, b2 = rng.normal(size=(n, n)), rng.normal(0.0, 0.5, size=n)
        return X, y, W1, b1, W2, b2

    def note(args: tuple[np.ndarray, ...], extra: str = "") -> str:
        X, y, W1, b1, W2, b2 = args
        return _shapes(X=X, y=y, W1=W1, b1=b1, W2=W2, b2=b2) + extra

    for n in sizes:
        args = make(n)
        cases.append(Case(args, note(args)))
    if hidden:
        X, y, W1, b1, W2, b2 = make(4)
        b1[1] = -50.0  # hidden unit 1 is off for every sample
        cases.append(Case((X, y, W1, b1, W2, b2), note((X, y, W1, b1, W2, b2),
                                                       ", hidden unit 1 dead (b1[1] = -50)")))
        X, y, W1, b1, W2, b2 = make(4)
        b2 = b2 + 900.0
        cases.append(Case((X, y, W1, b1, W2, b2), note((X, y, W1, b1, W2, b2),
                                                       ", scores near 900")))
    return cases


register(Exercise(
    id="two_layer_loss",
    lesson=LESSON,
    reference=_ref_two_layer_loss,
    cases=_cases_two_layer_loss,
    outputs=("loss", "dW1", "db1", "dW2", "db2"),
    seed=305,
    mistakes=(
        Mistake(
            "no_relu_derivative",
            _variant_two_layer_loss(gate="none"),
            "dW1 and db1 skip the ReLU's derivative: on the way back, the gradient dh must pass "
            "through the ReLU gate before the first layer, da1 = dh * (a1 > 0). (dW2 and db2 "
            "are right.)",
        ),
        Mistake(
            "times_activation",
            _variant_two_layer_loss(gate="times_h"),
            "you multiplied dh by the ReLU's output h = relu(a1). The gate's local derivative "
            "is its slope, 1 where a1 > 0 and 0 elsewhere: da1 = dh * (a1 > 0).",
        ),
        Mistake(
            "mask_from_gradient",
            _variant_two_layer_loss(gate="from_dh"),
            "the ReLU mask must come from the forward pass, a1 > 0 (was the unit on?), not from "
            "the sign of the gradient dh.",
        ),
        Mistake(
            "no_1_over_N",
            _variant_two_layer_loss(per_n=False),
            "every gradient is N times too large: the softmax gradient lacks its 1/N. The loss "
            "is the mean over the batch, so dscores = (softmax(scores) - onehot(y)) / N, and "
            "everything below inherits that factor.",
        ),
        Mistake(
            "dW1_transposed",
            _variant_two_layer_loss(dW1_transposed=True),
            "dW1 has the transpose on the wrong side: it is X.T @ da1, of shape (D, H) like W1, "
            "not da1.T @ X. (The check uses square matrices, so the shape alone didn't give it "
            "away.)",
        ),
        Mistake(
            "W2_not_transposed",
            _variant_two_layer_loss(W2_transposed=False),
            "going back from the scores to the hidden layer needs W2's transpose: dh = dscores "
            "@ W2.T, of shape (N, H). (dW2 and db2 are right; the check uses square matrices, "
            "so the shape alone didn't give it away.)",
        ),
        Mistake(
            "db_wrong_axis",
            _variant_two_layer_loss(db_axis=1),
            "db1 and db2 are summed over the wrong axis. A bias is added to every sample, so "
            "its gradient sums over the batch, axis 0: db2 = dscores.sum(axis=0), one entry per "
            "unit.",
        ),
    ),
    hint="go through the table of section 'The whole network': every gradient has the shape of "
         "its variable, and the ReLU gate sits between dh and da1. " + _GRADCHECK,
))
