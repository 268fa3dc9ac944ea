"""Lesson 04_relu_vs_sigmoid: activations, depth and initialisation.

Its exercises, in notebook order:
- leaky_relu_backward: the backward pass of the leaky ReLU, slope alpha at x <= 0;
- collapse_linear: two linear layers without an activation are one, W = W1 @ W2;
- weight_gradient_norms: the norm of each layer's weight gradient, layer 1 first;
- dead_relu_fraction: the fraction of ReLU units that are 0 for every sample;
- he_init: He initialisation, normal(0, sqrt(2 / fan_in));
- residual_backward: the backward pass of a residual block out = x + F(x), the skip path
  included.
"""

from __future__ import annotations

import numpy as np

from backprop.activations import leaky_relu_backward
from backprop.grading.exercise import Case, Exercise, Mistake, register
from backprop.grading.messages import shapes as _shapes
from backprop.layers import residual_backward, residual_forward
from backprop.models import init_weights, layer_gradient_norms

LESSON = "04_relu_vs_sigmoid"


# --- leaky_relu_backward -------------------------------------------------------------


def _cases_leaky_relu_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # alpha is never 0.01, so that a slope typed in by hand instead of read from the cache
    # shows; every third x is exactly 0, the kink, where the slope is alpha.
    specs: list[tuple[tuple[int, ...], float]] = [((4, 5), 0.1), ((3, 3), 0.2), ((2, 6), 0.05)]
    if hidden:
        specs += [((1, 7), 0.3), ((5, 4), 0.02), ((6,), 0.1)]
    cases = []
    for shape, alpha in specs:
        x = rng.normal(size=shape)
        x.flat[::3] = 0.0
        dout = rng.normal(size=shape)
        zeros = int(np.sum(x == 0))
        cases.append(Case((dout, (x, alpha)), f"{_shapes(dout=dout, x=x)}, alpha = {alpha}, "
                                              f"{zeros} entries of x exactly 0"))
    if hidden:
        x, dout = -np.abs(rng.normal(size=(3, 4))) - 1e-3, rng.normal(size=(3, 4))
        cases.append(Case((dout, (x, 0.1)), f"{_shapes(dout=dout, x=x)}, alpha = 0.1, every x "
                                            "negative"))
        x, dout = np.abs(rng.normal(size=(3, 4))) + 1e-3, rng.normal(size=(3, 4))
        cases.append(Case((dout, (x, 0.25)), f"{_shapes(dout=dout, x=x)}, alpha = 0.25, every x "
                                             "positive"))
    return cases


def _leaky_slope(x: np.ndarray, alpha: float, *, at_zero: float | None = None,
                 pos: float = 1.0, neg: float | None = None) -> np.ndarray:
    neg = alpha if neg is None else neg
    slope = np.where(x > 0, pos, neg)
    if at_zero is not None:
        slope = np.where(x == 0, at_zero, slope)
    return slope


register(Exercise(
    id="leaky_relu_backward",
    lesson=LESSON,
    reference=leaky_relu_backward,
    cases=_cases_leaky_relu_backward,
    outputs=("dx",),
    seed=401,
    mistakes=(
        Mistake(
            "no_alpha",
            lambda dout, cache: dout * (cache[0] > 0),
            "this is the plain ReLU's backward pass: where x < 0 you block the gradient "
            "completely. The leaky ReLU's forward pass doesn't zero x there: what is its "
            "slope on that side?",
        ),
        Mistake(
            "alpha_hardcoded",
            lambda dout, cache: dout * _leaky_slope(cache[0], 0.01),
            "you used alpha = 0.01 instead of the alpha in the cache. The cache is (x, alpha): "
            "unpack both, x, alpha = cache, and use that alpha.",
        ),
        Mistake(
            "sides_swapped",
            lambda dout, cache: dout * _leaky_slope(cache[0], cache[1], pos=cache[1], neg=1.0),
            "the two slopes are on the wrong sides: the slope is 1 where x > 0 (the unit "
            "passes its input on) and alpha where x <= 0.",
        ),
        Mistake(
            "kink_one",
            lambda dout, cache: dout * np.where(cache[0] >= 0, 1.0, cache[1]),
            "almost: only x = 0 exactly is wrong. You used the slope 1 at the kink; this course "
            "uses alpha there (x > 0 strictly gets slope 1), as it uses 0 for the plain ReLU.",
        ),
        Mistake(
            "kink_zero",
            lambda dout, cache: dout * np.where(cache[0] > 0, 1.0,
                                                np.where(cache[0] < 0, cache[1], 0.0)),
            "almost: only x = 0 exactly is wrong. There you used the slope 0, the plain "
            "ReLU's choice; the leaky ReLU takes the left side's slope at the kink: only "
            "x > 0, strictly, gets the slope 1.",
        ),
        Mistake(
            "no_dout",
            lambda dout, cache: _leaky_slope(cache[0], cache[1]),
            "you returned the local derivative (1 or alpha) alone. The chain rule multiplies "
            "it, entry by entry, by the upstream gradient.",
        ),
        Mistake(
            "times_forward",
            lambda dout, cache: dout * np.where(cache[0] > 0, cache[0], cache[1] * cache[0]),
            "you multiplied dout by the forward output leaky_relu(x). The local derivative is "
            "the slope, 1 where x > 0 and alpha elsewhere, not the value.",
        ),
        Mistake(
            "sign",
            lambda dout, cache: -dout * _leaky_slope(cache[0], cache[1]),
            "your gradient has the wrong sign: both slopes, 1 and alpha, are positive, so dx "
            "has the sign of dout.",
        ),
    ),
    hints=(
        "which gate is this? The leaky ReLU passes x on unchanged where x > 0 and scales it "
        "by alpha elsewhere: what does each side do to the gradient that flows back? And "
        "which alpha: look at what the cache holds.",
        "the local derivative is a slope per entry: 1 where x > 0, alpha where x <= 0 (the "
        "kink x = 0 included). The chain rule multiplies it, entry by entry, by the upstream "
        "dout.",
        "x, alpha = cache; dx = dout * np.where(x > 0, 1.0, alpha): a new array, the shape of "
        "dout.",
    ),
))


# --- collapse_linear -----------------------------------------------------------------


def _ref_collapse_linear(W1: np.ndarray, b1: np.ndarray, W2: np.ndarray,
                         b2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2)."""
    return W1 @ W2, b1 @ W2 + b2


def _cases_collapse_linear(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # Square on purpose (D = H = C): W2 @ W1 or b1 + b2 then have the right shape and are
    # named by their values.
    sizes = [3, 4, 2]
    if hidden:
        sizes += [5, 1, 3]
    cases = []
    for n in sizes:
        W1, b1 = rng.normal(size=(n, n)), rng.normal(size=n)
        W2, b2 = rng.normal(size=(n, n)), rng.normal(size=n)
        cases.append(Case((W1, b1, W2, b2), _shapes(W1=W1, b1=b1, W2=W2, b2=b2)))
    return cases


register(Exercise(
    id="collapse_linear",
    lesson=LESSON,
    reference=_ref_collapse_linear,
    cases=_cases_collapse_linear,
    outputs=("W", "b"),
    seed=402,
    mistakes=(
        Mistake(
            "b_sum",
            lambda W1, b1, W2, b2: (W1 @ W2, b1 + b2),
            "W is right, but b1 does not reach the output unchanged: it is added before the "
            "second layer, so it passes through that layer's weights on the way.",
        ),
        Mistake(
            "b_no_b1",
            lambda W1, b1, W2, b2: (W1 @ W2, b2),
            "W is right, but b leaves out the first layer's bias. It is added before the "
            "second layer, and it still reaches the output: through the second layer.",
        ),
        Mistake(
            "b_no_b2",
            lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2),
            "W is right, but b leaves out the second layer's own bias b2, which is added "
            "last, unchanged.",
        ),
        Mistake(
            "order",
            lambda W1, b1, W2, b2: (W2 @ W1, b1 @ W2 + b2),
            "W has its factors in the wrong order: x, a row, passes through W1 first, and a "
            "matrix product doesn't commute. (The check uses square matrices, so the shape "
            "alone didn't give it away.)",
        ),
        Mistake(
            "b_column",
            lambda W1, b1, W2, b2: (W1 @ W2, W2 @ b1 + b2),
            "W is right, but b uses W2 @ b1, the column-vector convention. Here a sample is a "
            "row, x @ W1 + b1, and b1 is added to that row, so it meets W2 on the same side "
            "as x does.",
        ),
        Mistake(
            "column_vectors",
            lambda W1, b1, W2, b2: (W2 @ W1, W2 @ b1 + b2),
            "you composed the layers as W2 (W1 x + b1) + b2, the column-vector convention of "
            "many textbooks. In this course samples are rows and a layer is x @ W + b, so "
            "every product runs the other way.",
        ),
        Mistake(
            "elementwise",
            lambda W1, b1, W2, b2: (W1 * W2, b1 * W2 + b2),
            "you multiplied entry by entry (*). Two layers in a row compose as matrix "
            "products (@), as each layer's own x @ W does.",
        ),
    ),
    hints=(
        "write out what the two layers compute for one sample, a row x: h = x @ W1 + b1, then "
        "h @ W2 + b2. Which part of the result multiplies x, and which part does not depend "
        "on x at all?",
        "distribute the product over the sum, then group the terms: those that multiply x "
        "make W, the rest make b. The order of a matrix product matters: x meets W1 first. "
        "And b1 goes through the second layer too.",
        "W = W1 @ W2 and b = b1 @ W2 + b2. Test it as in section 2: both sides must agree on "
        "a random x.",
    ),
))


# --- he_init -------------------------------------------------------------------------


def _ref_he_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He initialisation: one draw of normal(0, sqrt(2 / fan_in)), shape (fan_in, fan_out)."""
    return init_weights(fan_in, fan_out, "he", rng)


def _cases_he_init(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # Never square: a transposed shape must fail, and fan_in vs fan_out must differ.
    sizes = [(64, 32), (10, 40), (3, 5)]
    if hidden:
        sizes += [(1, 4), (200, 7), (9, 2)]
    cases = []
    for fan_in, fan_out in sizes:
        seed = int(rng.integers(1000))
        cases.append(Case((fan_in, fan_out, np.random.default_rng(seed)),
                          f"fan_in = {fan_in}, fan_out = {fan_out}, "
                          f"rng = np.random.default_rng({seed})"))
    return cases


def _variant_he_init(scale_of) -> object:
    def compute(fan_in, fan_out, rng):
        return rng.normal(0.0, scale_of(fan_in, fan_out), size=(fan_in, fan_out))
    return compute


register(Exercise(
    id="he_init",
    lesson=LESSON,
    reference=_ref_he_init,
    equivalents=(init_weights,),
    cases=_cases_he_init,
    outputs=("W",),
    seed=403,
    mistakes=(
        Mistake(
            "variance_as_std",
            _variant_he_init(lambda i, o: 2.0 / i),
            "you passed He's variance where rng.normal expects the standard deviation: take "
            "its square root.",
        ),
        Mistake(
            "fan_out",
            _variant_he_init(lambda i, o: np.sqrt(2.0 / o)),
            "you divided by fan_out. The variance argument counts the inputs that add up into "
            "one unit, fan_in (the first size).",
        ),
        Mistake(
            "lecun",
            _variant_he_init(lambda i, o: np.sqrt(1.0 / i)),
            "the factor 2 is missing: that is LeCun's initialisation, variance 1 / fan_in, "
            "right for a layer that "
            "passes its input on. A ReLU zeroes about half of its inputs, which halves "
            "E[h^2]: what must the variance be to make up for that?",
        ),
        Mistake(
            "xavier",
            _variant_he_init(lambda i, o: np.sqrt(2.0 / (i + o))),
            "that is Xavier (Glorot) initialisation, sqrt(2 / (fan_in + fan_out)), made for "
            "tanh and sigmoid. For ReLU, redo the forward argument of section 6 with "
            "E[h^2] = Var(a_prev) / 2.",
        ),
        Mistake(
            "unscaled",
            _variant_he_init(lambda i, o: 1.0),
            "your weights have standard deviation 1: scale the standard normal draws by "
            "the standard deviation that section 6's variance argument gives for a ReLU.",
        ),
        Mistake(
            "uniform",
            lambda i, o, rng: rng.uniform(-np.sqrt(6.0 / i), np.sqrt(6.0 / i), size=(i, o)),
            "you drew from a uniform distribution. Its variance is right, but the exercise asks "
            "for normal draws, which the check compares number by number.",
        ),
        Mistake(
            "drawn_transposed",
            lambda i, o, rng: rng.normal(0.0, np.sqrt(2.0 / i), size=(o, i)).T,
            "your W has the right shape and scale, but you drew a (fan_out, fan_in) matrix "
            "and transposed it, so the same numbers land in other places. Draw it in its own "
            "shape, (fan_in, fan_out), in one call.",
        ),
        Mistake(
            "transposed",
            lambda i, o, rng: rng.normal(0.0, np.sqrt(2.0 / i), size=(o, i)),
            "W has its shape transposed: a layer's W is (fan_in, fan_out), so that x @ W works "
            "for x of shape (N, fan_in).",
        ),
    ),
    hints=(
        "what shape must W have so that x @ W works for x of shape (N, fan_in)? And whose "
        "random numbers must you draw, so that the check can repeat your draws?",
        "Var(a) = fan_in · v · E[h^2], and after a ReLU E[h^2] = Var(a_prev) / 2. Set "
        "Var(a) = Var(a_prev) and solve for the variance v of each weight; rng.normal takes "
        "the standard deviation, its square root, not v.",
        "v = 2 / fan_in, so W = rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out)): "
        "all weights in one call, with the rng you are given (not np.random).",
    ),
    rtol=1e-9,
    atol=1e-12,
))


# --- weight_gradient_norms -----------------------------------------------------------


def _ref_weight_gradient_norms(grads: dict[str, np.ndarray]) -> np.ndarray:
    """‖dW_i‖ for i = 1 … K, layer 1 first, from a dict with keys W1, b1, …, WK, bK."""
    num_layers = sum(1 for k in grads if k.startswith("W"))
    return np.array([np.sqrt(np.sum(grads[f"W{i}"] ** 2)) for i in range(1, num_layers + 1)])


def _variant_weight_gradient_norms(kind: str):
    def compute(grads):
        K = sum(1 for k in grads if k.startswith("W"))
        keys = [f"W{i}" for i in range(1, K + 1)]
        if kind == "insertion":
            keys = [k for k in grads if k.startswith("W")]
        elif kind == "reversed_insertion":
            keys = [k for k in grads if k.startswith("W")][::-1]
        elif kind == "last_first":
            keys = keys[::-1]
        elif kind == "lexicographic":
            keys = sorted(keys)
        if kind == "squared":
            return np.array([np.sum(grads[k] ** 2) for k in keys])
        if kind == "mean_abs":
            return np.array([np.mean(np.abs(grads[k])) for k in keys])
        if kind == "with_bias":
            return np.array([np.sqrt(np.sum(grads[k] ** 2) + np.sum(grads["b" + k[1:]] ** 2))
                             for k in keys])
        if kind == "max_abs":
            return np.array([np.max(np.abs(grads[k])) for k in keys])
        return np.array([np.sqrt(np.sum(grads[k] ** 2)) for k in keys])
    return compute


def _cases_weight_gradient_norms(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # Most dicts come as MLP.loss returns them, last layer first. The first case has its keys
    # shuffled, so that an answer that follows (or reverses) the dict's order fails, and 11
    # layers, so that sorting the keys as strings ("W10" before "W2") fails too; being first,
    # it also keeps a correct answer returned as a list from being blamed on a known mistake.
    specs = [(11, "shuffled"), (3, "backward"), (4, "backward")]
    if hidden:
        specs += [(2, "backward"), (12, "forward"), (1, "backward"), (6, "shuffled")]
    cases = []
    for depth, order in specs:
        widths = rng.integers(2, 6, size=depth + 1)
        layers: list[int] = list(range(depth, 0, -1))
        if order == "forward":
            layers = layers[::-1]
        elif order == "shuffled":
            layers = [int(i) for i in rng.permutation(layers)]
        grads = {}
        for i in layers:
            scale = 10.0 ** rng.uniform(-3, 1)
            grads[f"W{i}"] = scale * rng.normal(size=(widths[i - 1], widths[i]))
            grads[f"b{i}"] = scale * rng.normal(size=widths[i])
        keys = ", ".join(grads)
        cases.append(Case((grads,), f"a {depth}-layer network, grads with keys {keys}"))
    return cases


register(Exercise(
    id="weight_gradient_norms",
    lesson=LESSON,
    reference=_ref_weight_gradient_norms,
    equivalents=(layer_gradient_norms,),
    cases=_cases_weight_gradient_norms,
    outputs=("norms",),
    seed=404,
    mistakes=(
        Mistake(
            "insertion_order",
            _variant_weight_gradient_norms("insertion"),
            "your norms follow the order of the dict's keys, which is not the order of the "
            "layers (MLP.loss fills grads from the last layer back, and a dict can come in any "
            "order). Go by the layer numbers instead, 1, 2, …, K, so that norms[0] is layer 1 "
            "(next to the input).",
        ),
        Mistake(
            "reversed_insertion",
            _variant_weight_gradient_norms("reversed_insertion"),
            "you reversed the dict's order of keys. That happens to work for MLP.loss, which "
            "fills grads from the last layer back, but not for a dict in another order, such "
            "as the one in this check. Build each key from its layer number.",
        ),
        Mistake(
            "last_layer_first",
            _variant_weight_gradient_norms("last_first"),
            "your norms are right but in reverse order, layer K first. Put layer 1 (next to "
            "the input) first: norms[i - 1] belongs to layer i.",
        ),
        Mistake(
            "lexicographic",
            _variant_weight_gradient_norms("lexicographic"),
            "sorted() orders the keys as strings, so 'W10' comes before 'W2'. Build the keys "
            "from the layer numbers instead.",
        ),
        Mistake(
            "squared",
            _variant_weight_gradient_norms("squared"),
            "you returned the squared norm, the sum of squares. Take its square root.",
        ),
        Mistake(
            "mean_abs",
            _variant_weight_gradient_norms("mean_abs"),
            "you returned the mean absolute value of each dW. The norm is the square root of "
            "the sum of the squares of all its entries.",
        ),
        Mistake(
            "max_abs",
            _variant_weight_gradient_norms("max_abs"),
            "you returned the largest entry of each dW. The norm is the square root of the sum "
            "of the squares of all its entries.",
        ),
        Mistake(
            "with_bias",
            _variant_weight_gradient_norms("with_bias"),
            "you included the bias gradients. Measure the weight matrices only: one norm per "
            "dW_i, and leave the b_i keys out.",
        ),
    ),
    hints=(
        "what shape must the result have? One number per layer, layer 1 (next to the input) "
        "first; the dict's keys may come in any order. How do you find the number of layers "
        "K?",
        "K = the number of keys that start with 'W'. Build each key from its layer number, "
        "with an f-string, for i = 1 … K (sorting the strings puts 'W10' before 'W2'), and "
        "leave the b keys out.",
        "np.array([np.linalg.norm(grads[f'W{i}']) for i in range(1, K + 1)]), shape (K,): a "
        "norm is the square root of the sum of the squares of all the entries.",
    ),
    rtol=1e-9,
    atol=0.0,
))


# --- dead_relu_fraction --------------------------------------------------------------


def _ref_dead_relu_fraction(H: np.ndarray) -> float:
    """The fraction of units (columns) whose ReLU output is 0 for every sample (row)."""
    return float(np.mean(np.all(H == 0, axis=0)))


def _cases_dead_relu_fraction(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs = [(20, 8, 3), (15, 10, 2), (30, 6, 4)]
    if hidden:
        specs += [(40, 12, 0), (10, 5, 5), (25, 16, 7)]
    cases = []
    for n, h, n_dead in specs:
        # Biases spread from off-ish to on: many zeros in live units too, as in a real layer.
        H = np.maximum(rng.normal(size=(n, h)) + rng.uniform(-1.0, 1.0, size=h), 0.0)
        H[:, 0] = np.maximum(H[:, 0], 0.1)  # one unit never off
        H[rng.integers(n), :] = 0.0  # one sample switches every unit off
        dead = rng.choice(np.arange(2, h), size=min(n_dead, h - 2), replace=False)
        H[:, dead] = 0.0
        # Unit 1 is barely alive: positive, by a little, for a single sample only. Small is
        # not dead: it still passes gradient for that sample.
        H[:, 1] = 0.0
        H[rng.integers(n), 1] = 1e-3
        cases.append(Case((H,), f"H {H.shape}, {len(dead)} dead units, one unit positive "
                                "(0.001) for a single sample only, one sample with every unit "
                                "at 0"))
    if hidden:
        H = np.maximum(rng.normal(size=(1, 6)), 0.0)
        cases.append(Case((H,), f"H {H.shape}, a batch of one sample"))
    return cases


register(Exercise(
    id="dead_relu_fraction",
    lesson=LESSON,
    reference=_ref_dead_relu_fraction,
    cases=_cases_dead_relu_fraction,
    outputs=("fraction",),
    seed=405,
    mistakes=(
        Mistake(
            "zero_entries",
            lambda H: float(np.mean(H == 0)),
            "you counted zero entries, not dead units. A live ReLU unit outputs 0 for many "
            "samples; it is dead only if its whole column is 0.",
        ),
        Mistake(
            "any_zero",
            lambda H: float(np.mean(np.any(H == 0, axis=0))),
            "you counted units that are 0 for *some* sample. A unit is dead when it is 0 for "
            "*every* sample in the batch.",
        ),
        Mistake(
            "per_sample",
            lambda H: float(np.mean(np.all(H == 0, axis=1))),
            "you reduced over the wrong axis: that is the fraction of samples for which every "
            "unit is 0. Units are the columns of H, shape (N, units): reduce over the "
            "samples.",
        ),
        Mistake(
            "count",
            lambda H: int(np.sum(np.all(H == 0, axis=0))),
            "you returned the number of dead units; return the fraction: divide by the number "
            "of units.",
        ),
        Mistake(
            "per_sample_count",
            lambda H: float(np.sum(np.all(H == 0, axis=0)) / H.shape[0]),
            "you divided the number of dead units by the number of samples, H.shape[0]. The "
            "fraction is of units: divide by the number of columns.",
        ),
        Mistake(
            "alive",
            lambda H: float(np.mean(np.any(H > 0, axis=0))),
            "you returned the fraction of units that are alive (positive for some sample). The "
            "question is the other one: the fraction that is 0 for every sample.",
        ),
    ),
    hints=(
        "which axis of H, shape (samples, units), is a unit? A unit is dead when it is 0 for "
        "every sample, not for some; a unit positive for a single sample, however little, is "
        "alive.",
        "build one True/False per unit (column), True for a dead unit: a reduction over the "
        "samples, axis 0. NumPy's np.all and np.any reduce a boolean array along an axis; the "
        "mean of a boolean array is the fraction of its True entries.",
        "float(np.mean(np.all(H == 0, axis=0))): the mean of the per-unit booleans is the "
        "fraction of dead units.",
    ),
))


# --- residual_backward ---------------------------------------------------------------


def _variant_residual_backward(
    *,
    skip: bool = True,
    through_f: bool = True,
    mask: str = "a",
    W2_transposed: bool = True,
    dW_transposed: bool = False,
    dW2_input: str = "h",
):
    """A wrong residual_backward: one slip (the square cases, D = H, allow them all)."""
    def compute(dout, cache):
        (x, W1, _b1), a, (h, W2, _b2) = cache
        dW2 = (dout.T @ h) if dW_transposed else ({"h": h, "x": x}[dW2_input].T @ dout)
        db2 = dout.sum(axis=0)
        dh = dout @ (W2.T if W2_transposed else W2)
        da = {"a": dh * (a > 0), "none": dh, "x": dh * (x > 0), "dh": dh * (dh > 0)}[mask]
        dW1 = da.T @ x if dW_transposed else x.T @ da
        db1 = da.sum(axis=0)
        dx_f = da @ W1.T
        dx = (dx_f if through_f else 0.0) + (dout if skip else 0.0)
        return dx, dW1, db1, dW2, db2
    return compute


def _cases_residual_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # D = H on purpose: a transpose in the wrong place, or a ReLU mask taken from the
    # block's input x, then has the right shape and is named by its values.
    sizes = [(4, 3), (3, 4), (5, 2)]
    if hidden:
        sizes += [(int(rng.integers(1, 7)), int(rng.integers(2, 6))) for _ in range(3)]
    cases = []

    def make(n: int, d: int) -> tuple[np.ndarray, ...]:
        x = rng.normal(size=(n, d))
        W1, b1 = rng.normal(size=(d, d)) / np.sqrt(d), rng.normal(0.0, 0.5, size=d)
        W2, b2 = rng.normal(size=(d, d)) / np.sqrt(d), rng.normal(0.0, 0.5, size=d)
        return x, W1, b1, W2, b2

    def case(args: tuple[np.ndarray, ...], extra: str = "") -> Case:
        x, W1, b1, W2, b2 = args
        dout = rng.normal(size=x.shape)
        _, cache = residual_forward(x, W1, b1, W2, b2)
        return Case((dout, cache), _shapes(dout=dout, x=x, W1=W1, b1=b1, W2=W2, b2=b2)
                    + " in the cache, from residual_forward" + extra)

    for n, d in sizes:
        cases.append(case(make(n, d)))
    if hidden:
        x, W1, b1, W2, b2 = make(4, 3)
        b1[1] = -50.0  # hidden unit 1 is off for every sample
        cases.append(case((x, W1, b1, W2, b2), ", hidden unit 1 off for every sample"))
        x, W1, b1, W2, b2 = make(3, 4)
        cases.append(case((x, W1, np.full(4, -50.0), W2, b2),
                          ", every hidden unit off, so F(x) = b2 for every sample"))
    return cases


register(Exercise(
    id="residual_backward",
    lesson=LESSON,
    reference=residual_backward,
    cases=_cases_residual_backward,
    outputs=("dx", "dW1", "db1", "dW2", "db2"),
    seed=406,
    mistakes=(
        Mistake(
            "no_skip",
            _variant_residual_backward(skip=False),
            "dW1, db1, dW2 and db2 are right, but dx is only F's share. x is used twice in "
            "the forward pass, inside F and on the skip path around it, and its gradient "
            "collects both (lesson 1's rule for a value used in several places).",
        ),
        Mistake(
            "skip_only",
            _variant_residual_backward(through_f=False),
            "dx is only the skip path's share: x also went into F, so the gradient that comes "
            "back through F's first layer belongs to dx too. (The parameter gradients are "
            "right.)",
        ),
        Mistake(
            "no_relu_mask",
            _variant_residual_backward(mask="none"),
            "the gradient skips the ReLU inside F: between F's two affine layers it must pass "
            "the ReLU gate, which blocks it wherever that unit was off. (dW2 and db2 are "
            "right.)",
        ),
        Mistake(
            "mask_from_input",
            _variant_residual_backward(mask="x"),
            "the ReLU mask comes from the wrong tensor: you used the block's input x. The "
            "gate is the ReLU's own input, x @ W1 + b1, the one the cache keeps between the "
            "two affine caches. (The check uses D = H, so the shape didn't give it away.)",
        ),
        Mistake(
            "mask_from_gradient",
            _variant_residual_backward(mask="dh"),
            "the ReLU mask must come from the forward pass (was the unit on?), not from the "
            "sign of the gradient that reaches it.",
        ),
        Mistake(
            "W2_not_transposed",
            _variant_residual_backward(W2_transposed=False),
            "going back through F's second layer needs W2's transpose: the gradient of its "
            "input h must have h's shape (N, H), built from dout (N, D) and W2 (H, D). (dW2 "
            "and db2 are right; the check uses D = H, so the shape didn't give it away.)",
        ),
        Mistake(
            "dW_transposed",
            _variant_residual_backward(dW_transposed=True),
            "dW1 and dW2 have the transpose on the wrong side: each has the shape of its W's "
            "transpose. A gradient has the shape of its variable. (The check uses D = H, so "
            "the shape didn't give it away.)",
        ),
        Mistake(
            "dW2_from_x",
            _variant_residual_backward(dW2_input="x"),
            "dW2 uses the block's input x, but F's second layer has its own input, the ReLU's "
            "output h (kept in its affine cache). Everything else is right.",
        ),
    ),
    hints=(
        "Draw the block as a graph: x goes two ways, through F and around it, and the two "
        "meet at the +. What does an add gate do to the gradient on the way back (lesson 1)? "
        "And x is used in two places: what happens to the gradient of a value used twice?",
        "The + hands dout unchanged to both of its inputs. Through F, walk lesson 3's "
        "two-layer network backwards: the second affine layer (fc2_cache) gives dW2, db2 and "
        "the gradient of h; the ReLU (its cache a) gates it; the first affine layer "
        "(fc1_cache) gives dW1, db1 and F's share of dx. x then collects two contributions: "
        "one from F, one from the skip path.",
        "fc1_cache, a, fc2_cache = cache; dh, dW2, db2 = affine_backward(dout, fc2_cache); "
        "da = relu_backward(dh, a); dx_F, dW1, db1 = affine_backward(da, fc1_cache); "
        "dx = dx_F + dout.",
    ),
))
