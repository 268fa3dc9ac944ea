"""Lesson 05_momentum: mini-batches, momentum and learning-rate schedules.

Its exercises, in notebook order:
- minibatches: shuffle the indices once and cut them into batches;
- sgd_momentum: one step of SGD with momentum, the velocity kept in the config;
- nesterov: one step of Nesterov momentum;
- lr_per_step: step decay, one learning rate per training step;
- adam: one step of Adam, with the bias correction the learner derives;
- clip_by_norm: clip every parameter's gradient by their global norm.

Known-mistake messages name the slip and where to look; they never give the whole right
formula (derive, don't transcribe): the last hint does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop import optim
from backprop.grading.exercise import Case, Exercise, Mistake, register
from backprop.grading.messages import shapes as _shapes

LESSON = "05_momentum"


# --- sgd_momentum and nesterov ---------------------------------------------------------


def _cases_sgd_momentum(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """Configs with and without a velocity: a velocity that isn't read or kept shows."""
    specs: list[tuple[tuple[int, ...], float, float, bool]] = [
        ((3,), 0.1, 0.9, False),     # the first step: no velocity yet
        ((2, 3), 0.05, 0.9, True),   # a later step: the config carries a velocity
        ((4,), 0.2, 0.5, True),
    ]
    if hidden:
        specs += [((3, 2), 0.01, 0.99, True), ((5,), 0.3, 0.0, True), ((1,), 0.1, 0.8, False),
                  ((2, 2), 0.07, 0.6, True)]
    cases = []
    for shape, lr, beta, with_velocity in specs:
        w, dw = rng.normal(size=shape), rng.normal(size=shape)
        config: dict[str, Any] = {"learning_rate": lr, "momentum": beta}
        state = "no velocity yet (the first step)"
        if with_velocity:
            config["velocity"] = rng.normal(0.0, 0.3, size=shape)
            state = "config['velocity'] from earlier steps"
        cases.append(Case((w, dw, config), f"{_shapes(w=w, dw=dw)}, learning_rate={lr}, "
                                           f"momentum={beta}, {state}"))
    if hidden:
        w, dw = rng.normal(size=3), np.zeros(3)
        config = {"learning_rate": 0.1, "momentum": 0.9, "velocity": rng.normal(size=3)}
        cases.append(Case((w, dw, config), "dw = 0 with a velocity: w keeps coasting"))
    return cases


def _parts(w: np.ndarray, config: dict[str, Any]) -> tuple[float, float, np.ndarray]:
    v = config.get("velocity")
    return (config["learning_rate"], config["momentum"],
            np.zeros_like(w) if v is None else np.asarray(v))


def _variant_sgd_momentum(kind: str):
    """A wrong sgd_momentum: `kind` names the slip."""
    def compute(w, dw, config):
        lr, beta, v_old = _parts(w, config)
        v = beta * v_old - lr * dw
        store = True
        if kind == "not_stored":
            step, store = v, False
        elif kind == "ignored":
            v = -lr * dw
            step = v
        elif kind == "step_sign":
            step = -v
        elif kind == "beta_on_gradient":
            v = v_old - beta * lr * dw
            step = v
        elif kind == "swapped":
            v = lr * v_old - beta * dw
            step = v
        elif kind == "lr_twice":
            step = lr * v
        elif kind == "old_velocity":
            step = v_old
        elif kind == "ema":
            v = beta * v_old + (1 - beta) * dw
            step = -lr * v
        elif kind == "opposite":
            v = beta * v_old + lr * dw
            step = -v
        elif kind == "gradient_sign":
            v = beta * v_old + lr * dw
            step = v
        elif kind == "pytorch":
            v = beta * v_old + dw
            step = -lr * v
        else:  # pragma: no cover
            raise ValueError(kind)
        if store:
            config["velocity"] = v
        return w + step, config
    return compute


_NOT_STORED = (
    "next_w is right, but config['velocity'] still holds the old velocity (or none): the new "
    "one was never stored. The next call starts from the config, so keep it there: "
    "config['velocity'] = (the new velocity), then return next_w, config."
)
_IGNORED = (
    "you start from a zero velocity at every step, so this is plain gradient descent. Read the "
    "velocity the previous step stored, config.get('velocity', np.zeros_like(w)), and "
    "build the new one from it."
)

register(Exercise(
    id="sgd_momentum",
    lesson=LESSON,
    reference=optim.sgd_momentum,
    cases=_cases_sgd_momentum,
    outputs=("next_w", "config"),
    mutable=(2,),
    seed=501,
    mistakes=(
        Mistake("velocity_not_stored", _variant_sgd_momentum("not_stored"), _NOT_STORED),
        Mistake("velocity_ignored", _variant_sgd_momentum("ignored"), _IGNORED),
        Mistake(
            "step_sign",
            _variant_sgd_momentum("step_sign"),
            "the step has the wrong sign: in this course the velocity is the step itself and "
            "already points downhill, so the update adds it to w. Subtracting it climbs.",
        ),
        Mistake(
            "gradient_sign",
            _variant_sgd_momentum("gradient_sign"),
            "the gradient enters the velocity with the wrong sign, so each step climbs uphill. "
            "The newest gradient's term in the sum is −η·dw, as in plain gradient descent.",
        ),
        Mistake(
            "opposite_convention",
            _variant_sgd_momentum("opposite"),
            "you store the velocity with the opposite sign (+lr·dw in it, then w minus it). On "
            "its own that is the same algorithm, but config['velocity'] has a meaning other code "
            "reads: in this course it is the step itself, added to w. Flip both signs.",
        ),
        Mistake(
            "old_velocity",
            _variant_sgd_momentum("old_velocity"),
            "you moved w with the old velocity and updated it afterwards, so every step is one "
            "gradient late. Compute the new velocity first (it includes this step's gradient), "
            "then step with it.",
        ),
        Mistake(
            "lr_twice",
            _variant_sgd_momentum("lr_twice"),
            "the learning rate is applied twice: it is already inside the velocity (each "
            "gradient enters the sum as −η·dw), so the step adds the velocity as it is.",
        ),
        Mistake(
            "beta_on_gradient",
            _variant_sgd_momentum("beta_on_gradient"),
            "β multiplies the gradient instead of the old velocity. In the weighted sum the "
            "newest gradient has weight 1 and every older one loses a factor β per step: β "
            "belongs on what came before.",
        ),
        Mistake(
            "swapped_hyperparameters",
            _variant_sgd_momentum("swapped"),
            "learning_rate and momentum are swapped: β = config['momentum'] is the fading "
            "factor of the old velocity, and η = config['learning_rate'] scales the gradient.",
        ),
        Mistake(
            "ema_form",
            _variant_sgd_momentum("ema"),
            "this is the 'moving average' form, v = β·v + (1 − β)·dw and w − lr·v. It is a real "
            "variant (Adam's m is one), but its steps are (1 − β) times smaller, and its v is an "
            "average gradient, not a step. This course's velocity is the weighted sum of past "
            "steps of section 2, added to w.",
        ),
        Mistake(
            "pytorch_form",
            _variant_sgd_momentum("pytorch"),
            "this is PyTorch's form, v = β·v + dw and w − lr·v, which keeps the learning rate out "
            "of the velocity. Here the velocity is the step itself (η inside it), added to w.",
        ),
    ),
    hints=(
        "write v_t and v_{t-1} as the two sums of section 2, one under the other. Which "
        "terms do they share, and with what factor? Where does v_{t-1} live between calls?",
        "every term of v_{t-1} appears in v_t with one more factor β, and v_t has one new "
        "term, this step's −η · dw. v_old = config.get('velocity', np.zeros_like(w)), "
        "β = config['momentum'], η = config['learning_rate'].",
        "v = config['momentum'] * v_old - config['learning_rate'] * dw; store "
        "config['velocity'] = v; return w + v, config. See section 2, 'Momentum: a velocity'.",
    ),
))


def _variant_nesterov(kind: str):
    """A wrong nesterov: `kind` names the slip."""
    def compute(w, dw, config):
        lr, beta, v_prev = _parts(w, config)
        if kind == "ignored":
            v_prev = np.zeros_like(w)
        v = beta * v_prev - lr * dw
        step = {
            "plain": v,
            "no_one_plus_beta": -beta * v_prev + v,
            "one_minus_beta": -beta * v_prev + (1 - beta) * v,
            "correction_sign": beta * v_prev + (1 + beta) * v,
            "step_sign": beta * v_prev - (1 + beta) * v,
            "not_stored": -beta * v_prev + (1 + beta) * v,
            "ignored": (1 + beta) * v,
        }[kind]
        if kind != "not_stored":
            config["velocity"] = v
        return w + step, config
    return compute


_cases_nesterov = _cases_sgd_momentum  # the same configs as sgd_momentum


register(Exercise(
    id="nesterov",
    lesson=LESSON,
    reference=optim.nesterov,
    cases=_cases_nesterov,
    outputs=("next_w", "config"),
    mutable=(2,),
    seed=502,
    mistakes=(
        Mistake(
            "plain_momentum",
            _variant_nesterov("plain"),
            "this is plain momentum's step, w + v_new. Either the look-ahead correction is "
            "missing, or you overwrote the old velocity before using it: keep v_prev = "
            "config.get('velocity', ...) before storing v_new. The w you get is the stored "
            "look-ahead point, not the real position.",
        ),
        Mistake(
            "no_one_plus_beta",
            _variant_nesterov("no_one_plus_beta"),
            "you moved by v_new once, for this step, but forgot the next look-ahead: the stored "
            "point must end up ahead of the new real position too, by β times the new velocity.",
        ),
        Mistake(
            "one_minus_beta",
            _variant_nesterov("one_minus_beta"),
            "the factor on the new velocity has the wrong sign inside it: the next look-ahead "
            "lies further along the new velocity, so its β·v_new is added to this step's "
            "v_new, not subtracted.",
        ),
        Mistake(
            "correction_sign",
            _variant_nesterov("correction_sign"),
            "the term in v_prev has the wrong sign: the stored w is ahead of the real position "
            "by the old look-ahead, so getting back to the real position takes it away.",
        ),
        Mistake(
            "step_sign",
            _variant_nesterov("step_sign"),
            "the whole step has the wrong sign: the velocities already point downhill (they "
            "hold −lr·dw), so they move w in their own direction.",
        ),
        Mistake("velocity_not_stored", _variant_nesterov("not_stored"), _NOT_STORED),
        Mistake("velocity_ignored", _variant_nesterov("ignored"), _IGNORED),
    ),
    hints=(
        "the w you receive is the stored look-ahead point, not the real position. The step "
        "must take it from this look-ahead point to the next one: what are the real position "
        "now, and the look-ahead point after the step, in terms of the velocities?",
        "v_new = β · v_prev − η · dw, as for momentum (v_prev = config.get('velocity', "
        "zeros)). The real position is w − β · v_prev; it moves by v_new, and the next "
        "look-ahead point is β · v_new further on.",
        "store config['velocity'] = v_new; return w - beta * v_prev + (1 + beta) * v_new, "
        "config. See section 3, 'Nesterov momentum'.",
    ),
))


# --- lr_per_step ----------------------------------------------------------------------


def _ref_lr_per_step(lr0, drop, every, epochs, steps_per_epoch):
    """Step decay, one learning rate per training step: lr0 · drop^⌊epoch / every⌋."""
    epoch = np.arange(epochs * steps_per_epoch) // steps_per_epoch
    return lr0 * drop ** (epoch // every).astype(np.float64)


def _variant_lr_per_step(kind: str):
    def compute(lr0, drop, every, epochs, steps_per_epoch):
        step = np.arange(epochs * steps_per_epoch)
        epoch = step // steps_per_epoch
        if kind == "per_step":
            return lr0 * drop ** (step // every).astype(np.float64)
        if kind == "from_one":
            return lr0 * drop ** ((epoch + 1) // every).astype(np.float64)
        if kind == "no_floor":
            return lr0 * drop ** (epoch / every)
        if kind == "times_k":
            return lr0 * drop * (epoch // every).astype(np.float64)
        if kind == "per_epoch":
            return lr0 * drop ** (np.arange(epochs) // every).astype(np.float64)
        if kind == "every_epoch":
            return lr0 * drop ** epoch.astype(np.float64)
        if kind == "tile":
            per_epoch = lr0 * drop ** (np.arange(epochs) // every).astype(np.float64)
            return np.tile(per_epoch, steps_per_epoch)
        if kind == "table":
            per_epoch = lr0 * drop ** (np.arange(epochs) // every).astype(np.float64)
            return np.repeat(per_epoch[:, None], steps_per_epoch, axis=1)
        if kind == "inside_loop":
            rates, lr = [], float(lr0)
            for e in range(epochs):
                for _ in range(steps_per_epoch):
                    if e > 0 and e % every == 0:
                        lr *= drop  # at every step of a drop epoch, not once
                    rates.append(lr)
            return np.array(rates)
        raise ValueError(kind)  # pragma: no cover
    return compute


def _cases_lr_per_step(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs = [(0.1, 0.5, 2, 6, 3), (1.0, 0.1, 3, 7, 2), (0.05, 0.8, 2, 5, 4)]
    if hidden:
        specs += [(0.3, 0.5, 1, 4, 3), (2.0, 0.25, 5, 5, 4), (0.2, 0.5, 3, 9, 1),
                  (0.01, 0.9, 4, 10, 2)]
        # and two drawn from the rng (the grader's comes from the course secret)
        specs += [(round(float(rng.uniform(0.01, 1.0)), 3), round(float(rng.uniform(0.1, 0.9)), 2),
                   int(rng.integers(1, 5)), int(rng.integers(3, 11)), int(rng.integers(1, 6)))
                  for _ in range(2)]
    return [Case(s, f"lr0={s[0]}, drop={s[1]}, every={s[2]}, epochs={s[3]}, "
                    f"steps_per_epoch={s[4]}") for s in specs]


register(Exercise(
    id="lr_per_step",
    lesson=LESSON,
    reference=_ref_lr_per_step,
    equivalents=(optim.step_decay,),
    cases=_cases_lr_per_step,
    outputs=("rates",),
    seed=503,
    mistakes=(
        Mistake(
            "per_step",
            _variant_lr_per_step("per_step"),
            "the rate drops every `every` steps, not every `every` epochs. Work out which "
            "epoch each step belongs to first, and decay by that.",
        ),
        Mistake(
            "epochs_from_one",
            _variant_lr_per_step("from_one"),
            "every drop comes one epoch early: epochs are counted from 0 here, so epochs 0 … "
            "every−1 all train at lr0.",
        ),
        Mistake(
            "no_floor",
            _variant_lr_per_step("no_floor"),
            "drop^(epoch / every) decays a little every epoch (that is exponential decay). Step "
            "decay holds the rate for `every` epochs: the exponent is a whole number of drops.",
        ),
        Mistake(
            "times_k",
            _variant_lr_per_step("times_k"),
            "lr0 · drop · k multiplies by the number of drops k, so the first epochs get a rate "
            "of 0. Each drop multiplies the rate by `drop` once more: k drops make a power.",
        ),
        Mistake(
            "drop_at_every_step",
            _variant_lr_per_step("inside_loop"),
            "in an epoch where the rate drops, you multiply by `drop` at every step of that "
            "epoch, not once. Compute each epoch's rate from the epoch number rather than "
            "shrinking a running value.",
        ),
        Mistake(
            "one_per_epoch",
            _variant_lr_per_step("per_epoch"),
            "you returned one rate per epoch; the function returns one per step. Repeat each "
            "epoch's rate steps_per_epoch times (np.repeat does it).",
        ),
        Mistake(
            "every_ignored",
            _variant_lr_per_step("every_epoch"),
            "the rate drops at every epoch, lr0 · drop ** epoch: `every` is missing. Step decay "
            "holds each rate for `every` epochs.",
        ),
        Mistake(
            "tile_not_repeat",
            _variant_lr_per_step("tile"),
            "the rates are in the wrong order: np.tile(rates, k) repeats the whole list of epoch "
            "rates k times ([a, b, a, b]), while each epoch's rate should repeat in place for its "
            "steps ([a, a, b, b]): np.repeat(rates, steps_per_epoch).",
        ),
        Mistake(
            "table_not_flat",
            _variant_lr_per_step("table"),
            "you returned a table, one row per epoch and one column per step. The function "
            "returns one flat array in step order: flatten it with .ravel(), or build it with "
            "np.repeat(per_epoch_rates, steps_per_epoch).",
        ),
    ),
    hints=(
        "what shape must the result have? One rate per training step, epochs · "
        "steps_per_epoch of them. Which epoch does step s belong to, and how many drops "
        "have happened by the start of epoch e?",
        "steps 0 … steps_per_epoch−1 are epoch 0, the next steps_per_epoch are epoch 1: "
        "integer division. Drops happen at the start of epochs every, 2·every, …: by epoch e "
        "there have been ⌊e / every⌋ of them.",
        "rates[s] = lr0 * drop ** ((s // steps_per_epoch) // every), as a float array; "
        "np.arange(epochs * steps_per_epoch) gives every s at once. See section 4, "
        "'Learning-rate schedules'.",
    ),
))


# --- minibatches ----------------------------------------------------------------------


def _ref_minibatches(n, batch_size, rng):
    """Shuffle 0 … n−1 once (rng.permutation) and cut it into batches; the last may be short."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _variant_minibatches(kind: str):
    def compute(n, batch_size, rng):
        if kind == "no_shuffle":
            order = np.arange(n)
        elif kind == "replacement":
            order = rng.integers(0, n, size=n)
        elif kind == "choice":
            order = rng.choice(n, size=n, replace=False)
        else:
            order = rng.permutation(n)
        if kind == "batch_order":
            batches = [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
            return [batches[k] for k in rng.permutation(len(batches))]
        if kind == "within_batch":
            return [rng.permutation(np.arange(i, min(i + batch_size, n)))
                    for i in range(0, n, batch_size)]
        if kind == "array_split":
            return np.array_split(order, max(n // batch_size, 1))
        batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
        if kind == "drop_last" and len(batches[-1]) < batch_size:
            batches = batches[:-1]
        if kind == "pad_last" and len(batches[-1]) < batch_size:
            batches[-1] = np.concatenate([batches[-1], order[:batch_size - len(batches[-1])]])
        return batches
    return compute


def _cases_minibatches(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs = [(10, 4), (23, 5), (17, 8)]
    if hidden:
        specs += [(12, 4), (3, 5), (7, 1), (50, 16)]
    cases = []
    for n, batch_size in specs:
        # Each case brings its own seeded generator: the check replays its draws.
        seed = int(rng.integers(0, 2**31))
        cases.append(Case((n, batch_size, np.random.default_rng(seed)),
                          f"n={n}, batch_size={batch_size}"))
    return cases


register(Exercise(
    id="minibatches",
    lesson=LESSON,
    reference=_ref_minibatches,
    cases=_cases_minibatches,
    outputs=("batches",),
    seed=504,
    mistakes=(
        Mistake(
            "drop_last",
            _variant_minibatches("drop_last"),
            "the last, shorter batch is missing, so a few examples are never trained on in "
            "this epoch. Keep it: range(0, n, batch_size) with order[i:i + batch_size] gives it "
            "automatically.",
        ),
        Mistake(
            "pad_last",
            _variant_minibatches("pad_last"),
            "you filled the last batch up to batch_size with examples from the start, so some "
            "examples count twice in this epoch. Leave the last batch short.",
        ),
        Mistake(
            "no_shuffle",
            _variant_minibatches("no_shuffle"),
            "the batches are in the data's own order: shuffle first, order = "
            "rng.permutation(n). Unshuffled, every epoch sees the same batches, and sorted data "
            "would give batches of one class.",
        ),
        Mistake(
            "with_replacement",
            _variant_minibatches("replacement"),
            "you drew indices with replacement (rng.integers or rng.choice(n, n)): some examples "
            "appear twice in an epoch and others not at all. An epoch uses each example once: "
            "order = rng.permutation(n).",
        ),
        Mistake(
            "shuffled_within_batches",
            _variant_minibatches("within_batch"),
            "you shuffled inside each batch, so each batch still holds neighbouring examples. "
            "Shuffle all n indices first, then cut: order = rng.permutation(n).",
        ),
        Mistake(
            "shuffled_batch_order",
            _variant_minibatches("batch_order"),
            "you shuffled the order of the batches, but each batch still holds the same run of "
            "neighbouring examples every epoch. Shuffle the n indices themselves, order = "
            "rng.permutation(n), then cut.",
        ),
        Mistake(
            "array_split",
            _variant_minibatches("array_split"),
            "np.array_split(order, k) cuts into k nearly equal parts, not into batches of "
            "batch_size. Slice instead: [order[i:i + batch_size] for i in range(0, n, "
            "batch_size)].",
        ),
        Mistake(
            "choice_not_permutation",
            _variant_minibatches("choice"),
            "rng.choice(n, n, replace=False) is a fine shuffle, but it draws different numbers "
            "from the generator, and the check replays the exercise's draws: use "
            "rng.permutation(n), called once.",
        ),
    ),
    hints=(
        "what must the result hold? Every index 0 … n-1 exactly once, in a shuffled order, "
        "cut into pieces of batch_size. How many random draws does that take, and from which "
        "generator?",
        "shuffle once: order = rng.permutation(n), with the rng you were given (not "
        "np.random.permutation or a new generator: the check replays its draws). Then cut "
        "order into consecutive slices.",
        "[order[i:i + batch_size] for i in range(0, n, batch_size)]: the last batch holds the "
        "rest, possibly fewer. See section 1, 'Full batch, mini-batches and SGD'.",
    ),
))


# --- adam -----------------------------------------------------------------------------


def _cases_adam(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """First steps and later ones, with an epsilon large enough to matter.

    ε of 1e-3 to 0.1 (gradients of order 0.1 to 1) makes √v̂ + ε and √(v̂ + ε) differ by far
    more than the tolerance; a first step (no state) and early steps (t of 1 to 4) make the
    bias correction large, and t from 0 shows.
    """
    specs: list[tuple[tuple[int, ...], int, float, float, float, float]] = [
        # shape, t so far, lr, beta1, beta2, epsilon
        ((3,), 0, 0.1, 0.9, 0.999, 1e-3),    # the first step: no m, v, t yet
        ((2, 3), 3, 0.01, 0.9, 0.999, 1e-2),  # early: the correction still large
        ((4,), 1, 0.05, 0.8, 0.99, 0.1),
    ]
    if hidden:
        specs += [((3, 2), 0, 0.001, 0.9, 0.999, 1e-3), ((5,), 40, 0.02, 0.9, 0.99, 1e-2),
                  ((2, 2), 2, 0.1, 0.0, 0.9, 0.05), ((1,), 500, 0.01, 0.95, 0.999, 1e-3)]
        # and three drawn from the rng (the grader's come from the course secret)
        for _ in range(3):
            shape = (int(rng.integers(1, 4)), int(rng.integers(1, 5)))
            specs.append((shape, int(rng.integers(0, 12)), round(float(rng.uniform(1e-3, 0.2)), 4),
                          round(float(rng.uniform(0.5, 0.95)), 3),
                          round(float(rng.uniform(0.9, 0.999)), 4),
                          float(10.0 ** rng.uniform(-3, -1))))
    cases = []
    for shape, t, lr, b1, b2, eps in specs:
        w, dw = rng.normal(size=shape), rng.normal(0.0, 0.5, size=shape)
        config: dict[str, Any] = {"learning_rate": lr, "beta1": b1, "beta2": b2, "epsilon": eps}
        state = "the first step: no m, v or t yet"
        if t:
            config["m"] = rng.normal(0.0, 0.3, size=shape)
            config["v"] = rng.uniform(0.01, 0.5, size=shape)
            config["t"] = t
            state = f"config holds m, v and t = {t} from earlier steps"
        cases.append(Case((w, dw, config), f"{_shapes(w=w, dw=dw)}, learning_rate={lr}, "
                                           f"beta1={b1}, beta2={b2}, epsilon={eps:.3g}, {state}"))
    if hidden:
        shape = (3,)
        config = {"learning_rate": 0.05, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-3,
                  "m": rng.normal(0.0, 0.3, size=shape), "v": rng.uniform(0.01, 0.5, size=shape),
                  "t": 7}
        cases.append(Case((rng.normal(size=shape), np.zeros(shape), config),
                          "dw = 0 after 7 steps: m still moves w"))
    return cases


def _variant_adam(kind: str):
    """A wrong adam: `kind` names the slip."""
    def compute(w, dw, config):
        lr, b1, b2, eps = (config["learning_rate"], config["beta1"], config["beta2"],
                           config["epsilon"])
        m_old = config.get("m")
        v_old = config.get("v")
        m_old = np.zeros_like(w) if m_old is None else np.asarray(m_old)
        v_old = np.zeros_like(w) if v_old is None else np.asarray(v_old)
        t_old = int(config.get("t", 0))
        t = t_old + 1
        if kind == "betas_swapped":
            b1, b2 = b2, b1
        m = b1 * m_old + (1 - b1) * (dw * dw if kind == "m_of_squares" else dw)
        v = b2 * v_old + (1 - b2) * dw * dw
        tc = {"t_from_zero": t_old, "t_not_kept": 1}.get(kind, t)
        m_hat, v_hat = m / (1 - b1**tc), v / (1 - b2**tc)
        if kind == "no_correction":
            m_hat, v_hat = m, v
        elif kind == "m_only_corrected":
            v_hat = v
        elif kind == "correction_multiplied":
            m_hat, v_hat = m * (1 - b1**t), v * (1 - b2**t)
        denominator = {"no_sqrt": v_hat + eps,
                       "eps_inside_sqrt": np.sqrt(v_hat + eps)}.get(kind, np.sqrt(v_hat) + eps)
        step = lr * m_hat / denominator
        config["m"], config["v"] = m, v
        if kind != "t_not_kept":
            config["t"] = t
        return (w + step if kind == "step_sign" else w - step), config
    return compute


register(Exercise(
    id="adam",
    lesson=LESSON,
    reference=optim.adam,
    cases=_cases_adam,
    outputs=("next_w", "config"),
    mutable=(2,),
    seed=505,
    mistakes=(
        Mistake(
            "no_bias_correction",
            _variant_adam("no_correction"),
            "no bias correction: you step with m and v as they are. Both started at 0, so in "
            "the first steps they are far too small (v about 1000× at t = 1), and the steps "
            "come out wrong. Divide each by the factor you derived for it.",
        ),
        Mistake(
            "t_from_zero",
            _variant_adam("t_from_zero"),
            "the correction uses the step count from before this step: on the first step t is "
            "still 0, 1 − β⁰ = 0 and you divide by zero (NaN or inf). Count this step first "
            "(t = old t + 1), then correct with it, and store that t.",
        ),
        Mistake(
            "t_not_kept",
            _variant_adam("t_not_kept"),
            "the step count is not kept: every call corrects as if it were the first step, and "
            "config has no (new) 't'. Read config.get('t', 0), add 1, use it, and store it "
            "in config['t'].",
        ),
        Mistake(
            "m_only_corrected",
            _variant_adam("m_only_corrected"),
            "only the first average is corrected: v started at 0 as well, and with β2 close to "
            "1 it is the one that is furthest too small. Correct both, each with its own β.",
        ),
        Mistake(
            "correction_multiplied",
            _variant_adam("correction_multiplied"),
            "the correction goes the wrong way: you multiplied by the factor, which makes the "
            "too-small averages smaller still. The averages are too small by that factor, so "
            "undo it.",
        ),
        Mistake(
            "no_sqrt",
            _variant_adam("no_sqrt"),
            "the step divides by the corrected v itself: v averages squared gradients, so "
            "divide by its square root (plus ε), which has the gradient's own units.",
        ),
        Mistake(
            "eps_inside_sqrt",
            _variant_adam("eps_inside_sqrt"),
            "ε is inside the square root: this course (and the Adam paper) adds ε after the "
            "root, √v̂ + ε. Inside, it changes the steps whenever v̂ is small.",
        ),
        Mistake(
            "betas_swapped",
            _variant_adam("betas_swapped"),
            "beta1 and beta2 are swapped: beta1 (0.9) averages the gradients, beta2 (0.999) "
            "their squares.",
        ),
        Mistake(
            "m_of_squares",
            _variant_adam("m_of_squares"),
            "m averages the squared gradients: m is the average of dw itself (with its sign), "
            "only v averages dw².",
        ),
        Mistake(
            "step_sign",
            _variant_adam("step_sign"),
            "the step has the wrong sign: m points uphill like the gradient, so w moves "
            "against it.",
        ),
    ),
    hints=(
        "unroll m_t as you did for the velocity in section 2, from m_0 = 0. If every "
        "gradient had the same mean E[g], what would E[m_t] be? Sum the weights.",
        "m_t = (1 − β1)·(g_t + β1·g_{t−1} + … + β1^{t−1}·g_1): the weights sum to "
        "(1 − β1)(1 + β1 + … + β1^{t−1}) = 1 − β1^t, so E[m_t] = (1 − β1^t)·E[g], and "
        "likewise for v with β2 and g². Count t from 1 (this step included) and keep it "
        "in config['t'].",
        "t = config.get('t', 0) + 1; m = beta1 * m + (1 - beta1) * dw; v = beta2 * v + "
        "(1 - beta2) * dw**2; m_hat = m / (1 - beta1 ** t); v_hat = v / (1 - beta2 ** t); "
        "store m, v, t in config; return w - lr * m_hat / (np.sqrt(v_hat) + eps), config.",
    ),
))


# --- clip_by_norm ---------------------------------------------------------------------


def _cases_clip(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """Dicts of gradients, some above max_norm and some below it.

    Each case above max_norm has one large tensor and small ones, so that a per-tensor
    clip, a sum of norms or a missing square root all give other numbers.
    """
    def grads(scales: list[float], shapes: list[tuple[int, ...]]) -> dict[str, np.ndarray]:
        names = ["W1", "b1", "W2", "b2", "W3", "b3"]
        return {n: rng.normal(0.0, s, size=sh) for n, s, sh in zip(names, scales, shapes,
                                                                     strict=False)}
    specs = [  # scales, shapes, max_norm
        ([3.0, 0.5, 1.0, 0.2], [(3, 4), (4,), (4, 2), (2,)], 1.0),   # far above: clipped
        ([0.05, 0.02], [(2, 3), (3,)], 1.0),                          # below: unchanged
        ([2.0, 0.3, 0.8], [(5, 2), (2,), (2, 2)], 2.5),
    ]
    if hidden:
        specs += [([10.0], [(4, 4)], 0.5), ([0.3, 0.3, 0.3, 0.3], [(2,), (2,), (2,), (2,)], 5.0),
                  ([1.0, 4.0, 0.1, 0.1, 2.0, 0.5], [(3, 3), (3,), (3, 2), (2,), (2, 4), (4,)],
                   1.0)]
        for _ in range(3):  # drawn from the rng (the grader's come from the course secret)
            k = int(rng.integers(1, 5))
            specs.append(([float(10.0 ** rng.uniform(-1.5, 1)) for _ in range(k)],
                          [(int(rng.integers(1, 5)), int(rng.integers(1, 5))) for _ in range(k)],
                          round(float(rng.uniform(0.2, 3.0)), 3)))
    cases = []
    for scales, shapes, max_norm in specs:
        g = grads(scales, shapes)
        listed = ", ".join(f"{k}: {v.shape}" for k, v in g.items())
        cases.append(Case((g, max_norm), f"grads {{{listed}}}, max_norm={max_norm}"))
    if hidden:
        g = {"W1": np.zeros((2, 2)), "b1": np.zeros(2)}
        cases.append(Case((g, 1.0), "every gradient 0 (norm 0): nothing to clip"))
    return cases


def _variant_clip(kind: str):
    """A wrong clip_by_norm: `kind` names the slip."""
    def compute(grads, max_norm):
        norms = {k: float(np.sqrt(np.sum(g * g))) for k, g in grads.items()}
        norm = float(np.sqrt(sum(n * n for n in norms.values())))
        if kind == "per_tensor":
            return {k: g * (max_norm / norms[k] if norms[k] > max_norm else 1.0)
                    for k, g in grads.items()}, norm
        if kind == "sum_of_norms":
            norm = sum(norms.values())
        elif kind == "squared_norm":
            norm = norm * norm
        if kind == "always":
            scale = max_norm / norm if norm > 0 else 1.0
        elif kind == "unit":
            scale = 1.0 / norm if norm > max_norm else 1.0
        elif kind == "inverted":
            scale = norm / max_norm if norm > max_norm else 1.0
        else:
            scale = max_norm / norm if norm > max_norm else 1.0
        clipped = {k: g * scale for k, g in grads.items()}
        if kind == "norm_after":
            norm = min(norm, max_norm)
        return clipped, norm
    return compute


register(Exercise(
    id="clip_by_norm",
    lesson=LESSON,
    reference=optim.clip_by_norm,
    cases=_cases_clip,
    outputs=("clipped", "norm"),
    seed=506,
    mistakes=(
        Mistake(
            "per_tensor",
            _variant_clip("per_tensor"),
            "you clipped each gradient by its own norm: every tensor now gets its own factor, "
            "so the step changes direction (the small gradients keep their size while the "
            "large one shrinks). Clip by the global norm: one norm over all the gradients "
            "together, one factor for all of them.",
        ),
        Mistake(
            "sum_of_norms",
            _variant_clip("sum_of_norms"),
            "the global norm is not the sum of the tensors' norms: it is the length of one long "
            "vector holding every entry, so the squares add, not the norms.",
        ),
        Mistake(
            "squared_norm",
            _variant_clip("squared_norm"),
            "this 'norm' is the sum of squares, without the square root: the length of a vector "
            "is the root of its sum of squares.",
        ),
        Mistake(
            "clips_below_max",
            _variant_clip("always"),
            "you rescale every time, also when the norm is already below max_norm: small "
            "gradients get blown up to max_norm. Clipping only ever shrinks; below the "
            "threshold the gradients pass unchanged.",
        ),
        Mistake(
            "divides_by_norm",
            _variant_clip("unit"),
            "you divided by the norm, but forgot max_norm: the clipped gradients have norm 1, "
            "not max_norm. What factor brings a norm of `norm` down to exactly max_norm?",
        ),
        Mistake(
            "inverted_factor",
            _variant_clip("inverted"),
            "the factor is upside down: it grows the gradients when their norm is above "
            "max_norm. It must bring the norm down to max_norm.",
        ),
        Mistake(
            "norm_after_clipping",
            _variant_clip("norm_after"),
            "the gradients are right, but the norm you return is the one after clipping: return "
            "the norm before, which shows how far above max_norm the gradients were.",
        ),
    ),
    hints=(
        "lay every gradient's entries end to end in one long vector: what is its length, in "
        "terms of each tensor's sum of squares? And what one number, multiplied into every "
        "entry, makes that length exactly max_norm?",
        "the squares add across tensors: norm² = Σ over parameters of np.sum(g**2). Scaling "
        "every entry by c scales the length by c, so c = (the length you want) / (the length "
        "you have), applied only when norm > max_norm.",
        "norm = np.sqrt(sum(np.sum(g**2) for g in grads.values())); scale = max_norm / norm "
        "if norm > max_norm else 1.0; return {k: g * scale for k, g in grads.items()}, "
        "float(norm). Build a new dict: don't change grads in place.",
    ),
))
