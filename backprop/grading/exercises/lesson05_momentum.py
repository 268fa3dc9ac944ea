"""Lesson 05_momentum: mini-batches, momentum and learning-rate schedules.

Its exercises, in notebook order:
- minibatches: shuffle the indices once and cut them into batches;
- sgd_momentum: one step of SGD with momentum, the velocity kept in the config;
- nesterov: one step of Nesterov momentum;
- lr_per_step: step decay, one learning rate per training step.
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
    "config['velocity'] = v, then return w + ..., config."
)
_IGNORED = (
    "you start from a zero velocity at every step, so this is plain gradient descent. Read the "
    "velocity the previous step stored, v = config.get('velocity', np.zeros_like(w)), and "
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
            "the step has the wrong sign: with v = β·v − lr·dw the velocity already points "
            "downhill (its −lr·dw), so the update adds it, w + v. Subtracting it climbs.",
        ),
        Mistake(
            "gradient_sign",
            _variant_sgd_momentum("gradient_sign"),
            "the gradient enters the velocity with the wrong sign: v = β·v + lr·dw, then w + v, "
            "climbs uphill. The velocity must point downhill, v = β·v − lr·dw (minus lr·dw), "
            "and the step adds it: w + v.",
        ),
        Mistake(
            "opposite_convention",
            _variant_sgd_momentum("opposite"),
            "you store the velocity with the opposite sign (v = β·v + lr·dw, then w − v). On its "
            "own that is the same algorithm, but config['velocity'] has a meaning other code "
            "reads: in this course it is the step itself, v = β·v − lr·dw and w + v. Flip both "
            "signs.",
        ),
        Mistake(
            "old_velocity",
            _variant_sgd_momentum("old_velocity"),
            "you moved w with the old velocity and updated v afterwards, so every step is one "
            "gradient late. Compute the new velocity first, v = β·v − lr·dw, then step with it.",
        ),
        Mistake(
            "lr_twice",
            _variant_sgd_momentum("lr_twice"),
            "the learning rate is applied twice: it is already inside v = β·v − lr·dw, so the "
            "step is w + v, not w + lr·v.",
        ),
        Mistake(
            "beta_on_gradient",
            _variant_sgd_momentum("beta_on_gradient"),
            "β multiplies the gradient instead of the old velocity. The old velocity is what "
            "fades: v = β·v − lr·dw (β·v, then minus lr·dw).",
        ),
        Mistake(
            "swapped_hyperparameters",
            _variant_sgd_momentum("swapped"),
            "learning_rate and momentum are swapped: v = β·v − lr·dw, with β = "
            "config['momentum'] on the velocity and lr = config['learning_rate'] on the gradient.",
        ),
        Mistake(
            "ema_form",
            _variant_sgd_momentum("ema"),
            "this is the 'moving average' form, v = β·v + (1 − β)·dw and w − lr·v. It is a real "
            "variant, but its steps are (1 − β) times smaller, and its v is an average gradient, "
            "not a step. This course's (and the package's) form is v = β·v − lr·dw, w + v.",
        ),
        Mistake(
            "pytorch_form",
            _variant_sgd_momentum("pytorch"),
            "this is PyTorch's form, v = β·v + dw and w − lr·v, which keeps the learning rate out "
            "of the velocity. Here the velocity is the step itself: v = β·v − lr·dw, then w + v.",
        ),
    ),
    hints=(
        "two things change in a step: the velocity and the weights. Where does the velocity "
        "live between two calls, and what is it on the very first call?",
        "v_old = config.get('velocity', np.zeros_like(w)). The new velocity keeps the "
        "fraction β = config['momentum'] of the old one and adds plain SGD's step, −η · dw "
        "with η = config['learning_rate'].",
        "v = config['momentum'] · v_old − config['learning_rate'] · dw; store "
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
            "config.get('velocity', ...) and return w − β·v_prev + (1 + β)·v_new.",
        ),
        Mistake(
            "no_one_plus_beta",
            _variant_nesterov("no_one_plus_beta"),
            "the new velocity needs the factor (1 + β): one v_new for this step and β·v_new for "
            "the next look-ahead. w − β·v_prev + (1 + β)·v_new.",
        ),
        Mistake(
            "one_minus_beta",
            _variant_nesterov("one_minus_beta"),
            "the factor on the new velocity is (1 + β), not (1 − β): one v_new for this step "
            "plus β·v_new for the next look-ahead. w − β·v_prev + (1 + β)·v_new.",
        ),
        Mistake(
            "correction_sign",
            _variant_nesterov("correction_sign"),
            "the correction term has the wrong sign: the last look-ahead, β·v_prev, is taken "
            "back, so it is subtracted: w − β·v_prev + (1 + β)·v_new.",
        ),
        Mistake(
            "step_sign",
            _variant_nesterov("step_sign"),
            "the whole step has the wrong sign: v_new = β·v_prev − lr·dw already points "
            "downhill, so it is added: w − β·v_prev + (1 + β)·v_new.",
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
        "store config['velocity'] = v_new; return w − β · v_prev + (1 + β) · v_new, config. "
        "See section 3, 'Nesterov momentum'.",
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
            "the rate drops every `every` steps, not every `every` epochs. Work out each "
            "step's epoch first, epoch = step // steps_per_epoch, and decay by that.",
        ),
        Mistake(
            "epochs_from_one",
            _variant_lr_per_step("from_one"),
            "every drop comes one epoch early: epochs are counted from 0 here, so epochs 0 … "
            "every−1 all train at lr0. Use epoch // every with epoch = 0, 1, 2, …",
        ),
        Mistake(
            "no_floor",
            _variant_lr_per_step("no_floor"),
            "drop^(epoch / every) decays a little every epoch (that is exponential decay). Step "
            "decay holds the rate for `every` epochs: use the whole number of drops, "
            "epoch // every.",
        ),
        Mistake(
            "times_k",
            _variant_lr_per_step("times_k"),
            "lr0 · drop · k multiplies by the number of drops k, so the first epochs get a rate "
            "of 0. Each drop multiplies the rate by `drop` again: lr0 · drop ** k.",
        ),
        Mistake(
            "drop_at_every_step",
            _variant_lr_per_step("inside_loop"),
            "in an epoch where the rate drops, you multiply by `drop` at every step of that "
            "epoch, not once. Compute each epoch's rate from the epoch number, "
            "lr0 · drop ** (epoch // every), rather than shrinking a running value.",
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
            "holds each rate for `every` epochs: lr0 · drop ** (epoch // every).",
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
        "steps_per_epoch of them. Which epoch does step s belong to?",
        "step s belongs to epoch s // steps_per_epoch; the rate is multiplied by drop once "
        "every `every` epochs, so by then it has dropped epoch // every times.",
        "rates[s] = lr0 · drop ** ((s // steps_per_epoch) // every), as a float array; "
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
