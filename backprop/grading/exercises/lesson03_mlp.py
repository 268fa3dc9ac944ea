"""Lesson 03_mlp: layers with forward and backward passes, and a two-layer network.

Its exercises, in notebook order:
- affine_forward: out = x @ W + b (and a cache);
- affine_backward: dx, dW and db of the affine layer;
- sum_to_shape: the gradient of a broadcast operand, summed over the broadcast axes;
- relu_backward: the backward pass of the ReLU;
- softmax_cross_entropy: the mean softmax cross-entropy loss and its gradient dscores;
- two_layer_loss: affine, ReLU, affine, softmax: the loss and every weight's gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop.activations import leaky_relu_backward, relu_backward
from backprop.grading.exercise import Case, Exercise, Mistake, register
from backprop.grading.messages import shapes as _shapes
from backprop.layers import affine_backward, affine_forward, sum_to_shape
from backprop.losses import softmax_cross_entropy
from backprop.models import MLP

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
    hints=(
        "Which NumPy operation combines every row of x (N, D) with every column of W (D, H) "
        "into an (N, H) array? Then add the bias; broadcasting adds it to every row.",
        "out = x @ W + b: a matrix product, then the bias added to every row. Return it with "
        "cache = (x, W, b).",
    ),
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
            "W.T. A gradient has the shape of its variable, W (D, H): which product of x and "
            "dout gives (D, H)?",
        ),
        Mistake(
            "db_wrong_axis",
            lambda dout, cache: (dout @ cache[1].T, cache[0].T @ dout, dout.sum(axis=1)),
            "db is summed over the wrong axis: dout.sum(axis=1) adds up the H units of each "
            "sample, giving shape (N,). Which of dout's axes did the bias get copied along?",
        ),
        Mistake(
            "db_not_summed",
            lambda dout, cache: (dout @ cache[1].T, cache[0].T @ dout, dout.copy()),
            "db is not summed over the batch: dout has one row per sample, shape (N, H), but b "
            "has shape (H,). b is added to every row, so each row's gradient flows into it.",
        ),
        Mistake(
            "averaged",
            _variant_affine_backward(lambda n: 1 / n, lambda n: 1 / n),
            "dW and db are N times too small: you averaged over the batch. The 1/N of the mean "
            "loss is already inside dout (the loss's backward pass put it there), so here the "
            "samples' contributions are summed, not averaged.",
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
            "W ← W − η · dW.",
        ),
    ),
    hints=(
        "Start from one entry, out[n, h] = sum_d x[n, d] W[d, h] + b[h]. For each of x[n, d], "
        "W[d, h] and b[h]: in which entries of out does it appear, and with which local "
        "derivative? Its gradient is the sum over those entries of dout times that derivative.",
        "You should get dL/dx[n, d] = sum_h dout[n, h] W[d, h], dL/dW[d, h] = sum_n x[n, d] "
        "dout[n, h], dL/db[h] = sum_n dout[n, h]. Now let the shapes place the transposes: dW "
        "must have W's shape (D, H); which product of x (N, D) and dout (N, H) gives that? And "
        "dx (N, D), from dout (N, H) and W (D, H)?",
        "dx = dout @ W.T (N, D), dW = x.T @ dout (D, H), db = dout.sum(axis=0) (H,). "
        + _GRADCHECK,
    ),
))


# --- sum_to_shape ------------------------------------------------------------------


def _lead(dout: np.ndarray, shape: tuple[int, ...]) -> int:
    return dout.ndim - len(shape)


def _ones(dout: np.ndarray, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of dout (after the leading ones) where the operand had size 1."""
    lead = _lead(dout, shape)
    return tuple(lead + i for i, s in enumerate(shape) if s == 1 and dout.shape[lead + i] != 1)


def _sts_mean(dout, shape):
    """Averages over the broadcast axes instead of summing."""
    axes = tuple(range(_lead(dout, shape))) + _ones(dout, shape)
    return dout.mean(axis=axes, keepdims=True).reshape(shape) if axes else dout.copy()


def _sts_no_keepdims(dout, shape):
    """Sums the right axes, but drops the size-1 axes instead of keeping them."""
    axes = tuple(range(_lead(dout, shape))) + _ones(dout, shape)
    return dout.sum(axis=axes) if axes else dout.copy()


def _sts_leading_only(dout, shape):
    """Sums the leading axes that broadcasting added, and forgets the size-1 axes."""
    lead = _lead(dout, shape)
    return dout.sum(axis=tuple(range(lead))) if lead else dout.copy()


def _sts_left_aligned(dout, shape):
    """Lines the shapes up from the left: sums the trailing axes instead of the leading ones."""
    k = len(shape)
    out = dout.sum(axis=tuple(range(k, dout.ndim))) if dout.ndim > k else dout.copy()
    ones = tuple(i for i, s in enumerate(shape) if s == 1 and i < out.ndim and out.shape[i] != 1)
    return out.sum(axis=ones, keepdims=True) if ones else out


def _sts_axis0(dout, shape):
    """Always db = dout.sum(axis=0), the affine layer's bias gradient, whatever the shapes."""
    return dout.sum(axis=0) if dout.ndim > len(shape) else dout.copy()


def _cases_sum_to_shape(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # The first cases tell every known mistake apart by the shape it returns; the later ones
    # by the values (a mean, sizes of 1 kept or dropped).
    pairs: list[tuple[tuple[int, ...], tuple[int, ...], str]] = [
        ((4, 3), (3,), ", a bias b added to every row"),
        ((3, 2, 4), (4,), ", two leading axes added"),
        ((5, 4), (1, 4), ", a size-1 axis first"),
        ((2, 3, 4), (3, 1), ", a leading axis and a size-1 axis"),
    ]
    if hidden:
        pairs += [
            ((2, 3), (), ", a scalar b: every entry of out used it"),
            ((2, 3, 4), (2, 1, 4), ", a size-1 axis in the middle"),
            ((3, 4), (3, 4), ", no broadcasting at all"),
            ((3, 1, 5), (1, 1, 5), ", an axis of size 1 in dout too"),
            ((6, 2, 3, 2), (3, 1), ", two leading axes and a size-1 axis"),
        ]
    cases = []
    for out_shape, shape, what in pairs:
        dout = rng.normal(size=out_shape)
        cases.append(Case((dout, shape), f"dout of shape {out_shape}, shape={shape}{what}"))
    return cases


register(Exercise(
    id="sum_to_shape",
    lesson=LESSON,
    reference=sum_to_shape,
    cases=_cases_sum_to_shape,
    outputs=("db",),
    seed=306,
    mistakes=(
        Mistake(
            "summed_everything",
            lambda dout, shape: dout.sum(),
            "you summed dout over every axis, to one number. Only the axes along which b was "
            "copied are summed; b's own axes stay, so db has b's shape.",
        ),
        Mistake(
            "leading_only",
            _sts_leading_only,
            "you summed the leading axes that broadcasting added, but not the axes where b has "
            "size 1: b was copied along those too.",
        ),
        Mistake(
            "not_summed",
            lambda dout, shape: dout.copy(),
            "you returned dout unchanged, with out's shape. Every entry of b was used in "
            "several entries of out, and its gradient collects all of them.",
        ),
        Mistake(
            "left_aligned",
            _sts_left_aligned,
            "you summed the wrong axes: you lined the shapes up from the left. NumPy lines "
            "them up from the right, so the axes that broadcasting adds are the leading ones.",
        ),
        Mistake(
            "axis0_only",
            _sts_axis0,
            "you summed over axis 0 only, as for a bias of shape (H,). That is one case; here "
            "the number of added axes, and which axes had size 1, depend on the shapes.",
        ),
        Mistake(
            "dropped_kept_dim",
            _sts_no_keepdims,
            "you summed the right axes, but dropped b's axes of size 1: db must keep them, "
            "with size 1, so that it has b's exact shape (keepdims, or a reshape at the end).",
        ),
        Mistake(
            "averaged",
            _sts_mean,
            "you averaged over the broadcast axes instead of summing. Each copy of b's entry "
            "contributes its whole gradient to it, and the contributions add up.",
        ),
    ),
    hints=(
        "Broadcasting copies each entry of b into several entries of out, each time with "
        "local derivative 1. By lesson 1's rule for a value used in several places, what is "
        "the gradient of one entry of b? Which axes of out hold its copies? Recall how NumPy "
        "lines the two shapes up.",
        "NumPy lines shapes up from the right. Two kinds of axes got copied: the "
        "dout.ndim - len(shape) leading axes that b doesn't have at all, and the axes where b "
        "has size 1 but dout doesn't. Sum dout over both kinds; the first kind disappears, "
        "the second must stay, with size 1.",
        "lead = dout.ndim - len(shape); db = dout.sum(axis=tuple(range(lead))); then "
        "ones = tuple(i for i, s in enumerate(shape) if s == 1); "
        "db = db.sum(axis=ones, keepdims=True); return db (db.reshape(shape) also covers "
        "shape ()).",
    ),
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
    equivalents=(leaky_relu_backward,),
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
            "you returned the local derivative, the 0/1 mask, alone. The chain rule multiplies "
            "it by the upstream gradient.",
        ),
        Mistake(
            "times_forward",
            lambda dout, x: dout * np.maximum(x, 0.0),
            "you multiplied dout by relu(x), the forward output. The local derivative is ReLU's "
            "slope, d relu(x) / dx, not its value.",
        ),
        Mistake(
            "forward",
            lambda dout, x: np.maximum(x, 0.0),
            "that is the forward pass, relu(x) = max(0, x). The backward pass returns dL/dx: "
            "the upstream gradient dout times the ReLU's slope.",
        ),
        Mistake(
            "inverted",
            lambda dout, x: dout * (x < 0),
            "the mask is the wrong way round: the gradient passes where x > 0 (the unit was "
            "active) and is blocked where x < 0.",
        ),
    ),
    hints=(
        "Draw max(0, x). What is its slope for x < 0, and for x > 0? The chain rule then "
        "multiplies dout by that slope, entry by entry.",
        "The slope is 1 where x > 0 and 0 where x < 0 (and, by this course's convention, 0 at "
        "x = 0): the ReLU is a switch that lets the gradient through or blocks it. (x > 0) is "
        "a boolean array that NumPy turns into 1.0 and 0.0 in a product.",
        "dx = dout * (x > 0): dout where the forward input x was positive, 0 elsewhere (also "
        "at x = 0). A new array, so dout is left as it was.",
    ),
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
            "sample's gradient carries the factor 1/N of that mean.",
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
            "its own label (the same index works for dscores).",
        ),
        Mistake(
            "summed",
            _variant_softmax_cross_entropy("sum", "no_n"),
            "you summed the loss over the batch (and left the 1/N out of dscores to match). The "
            "convention here is the mean, for the loss and so for its gradient, so that the "
            "size of a step doesn't depend on the batch size.",
        ),
        Mistake(
            "no_onehot",
            _variant_softmax_cross_entropy("mean", "no_onehot"),
            "dscores is softmax(scores) / N without the one-hot subtracted: a term is missing "
            "at each sample's true class. Differentiate -log p_y with respect to s_y again: "
            "the case i = j of the softmax's Jacobian has an extra term.",
        ),
        Mistake(
            "sign",
            _variant_softmax_cross_entropy("mean", "sign"),
            "dscores has the wrong sign. Raising a wrong class's score raises the loss, so its "
            "gradient must be positive (and gradient descent then lowers that score).",
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
    hints=(
        "One example at a time, L_n = -log p_y. First the Jacobian of the softmax: with "
        "p_i = e^{s_i} / S and S = sum_k e^{s_k}, find dp_i/ds_j by the quotient rule, in two "
        "cases, i = j and i ≠ j (S depends on every s_j, with dS/ds_j = e^{s_j}).",
        "dp_i/ds_j = p_i (δ_ij - p_j), where δ_ij is 1 if i = j and 0 otherwise; and "
        "dL_n/dp_i is -1/p_y for i = y, 0 for the others. Chain the two, "
        "dL_n/ds_j = sum_i dL_n/dp_i · dp_i/ds_j: only i = y survives. Then the mean over the "
        "batch multiplies each row by 1/N.",
        "dscores = (p - onehot(y)) / N, where p is the softmax of each row (subtract the row's "
        "max before exp) and onehot(y) has a 1 at each row's label: copy p, subtract 1 at "
        "[np.arange(N), y], divide by N. loss = -mean(log p[np.arange(N), y]).",
    ),
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
    equivalents=(MLP,),
    cases=_cases_two_layer_loss,
    outputs=("loss", "dW1", "db1", "dW2", "db2"),
    seed=305,
    mistakes=(
        Mistake(
            "no_relu_derivative",
            _variant_two_layer_loss(gate="none"),
            "dW1 and db1 skip the ReLU's derivative: on the way back, the gradient dh must pass "
            "through the ReLU gate before the first layer. (dW2 and db2 are right.)",
        ),
        Mistake(
            "times_activation",
            _variant_two_layer_loss(gate="times_h"),
            "you multiplied dh by the ReLU's output h = relu(a1). The gate's local derivative "
            "is its slope, not its value.",
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
            "is the mean over the batch, and everything below dscores inherits that factor.",
        ),
        Mistake(
            "dW1_transposed",
            _variant_two_layer_loss(dW1_transposed=True),
            "dW1 has the transpose on the wrong side: da1.T @ X has the shape of W1.T, (H, D), "
            "not W1's (D, H). (The check uses square matrices, so the shape alone didn't give "
            "it away.)",
        ),
        Mistake(
            "W2_not_transposed",
            _variant_two_layer_loss(W2_transposed=False),
            "going back from the scores to the hidden layer needs W2's transpose: dh must "
            "have h's shape (N, H), built from dscores (N, C) and W2 (H, C). (dW2 and db2 are "
            "right; the check uses square matrices, so the shape alone didn't give it away.)",
        ),
        Mistake(
            "db_wrong_axis",
            _variant_two_layer_loss(db_axis=1),
            "db1 and db2 are summed over the wrong axis. A bias is added to every sample, so "
            "its gradient sums over the batch, leaving one entry per unit.",
        ),
    ),
    hints=(
        "Write the forward pass as four lines (a1, h, scores, loss), then walk them from the "
        "bottom up. Each line is a layer you already know the backward pass of: which "
        "gradient goes in, and which come out?",
        "Bottom up: the loss gives dscores (exercise 4); the second affine layer turns it into "
        "dW2, db2 and dh, the gradient of its input h; the ReLU turns dh into da1 (its cache "
        "is a1); the first affine layer turns da1 into dW1 and db1. " + _GRADCHECK,
        "dscores from softmax_cross_entropy; dW2 = h.T @ dscores, db2 = dscores.sum(axis=0), "
        "dh = dscores @ W2.T; da1 = dh * (a1 > 0); dW1 = X.T @ da1, db1 = da1.sum(axis=0).",
    ),
))
