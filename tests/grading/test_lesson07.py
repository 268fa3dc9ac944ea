"""Lesson 07_review's capstone: an independent solution passes, and its accept criterion
passes good predictions from a deep enough network and fails the others.
"""

import re

import nbformat
import numpy as np
import pytest

from backprop.course.sandbox import wire
from backprop.grading import (
    REGISTRY,
    CheckFailed,
    Outcome,
    cases_for,
    check,
    judge,
    outcome_from_data,
    outcome_to_data,
)
from backprop.grading.exercises.lesson07_review import (
    _DEPTH,
    _TARGET,
    _accept_train_capstone,
    _ref_train_capstone,
)
from backprop.models import MLP
from backprop.train import Trainer
from tests.conftest import ROOT
from tests.grading.helpers import (
    assert_a_correct_function_passes,
    assert_a_solution_through_the_wire_gets_checks_verdict,
    assert_the_packages_own_function_is_refused,
    exercise_ids,
)

pytestmark = pytest.mark.lesson7

LESSON = "07_review"


# The capstone, in plain NumPy (affine, batch norm, ReLU, momentum).
def _train_capstone(X_train, y_train, X_test):
    # Plain NumPy, as a learner composing the lessons' layers by hand might write it:
    # affine -> batch norm -> ReLU, eleven hidden layers, heavy-ball momentum and a step schedule.
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std < 1e-8] = 1.0
    Xtr, Xte = (X_train - mean) / std, (X_test - mean) / std
    rng = np.random.default_rng(42)
    widths = [64] + [80] * 11 + [10]
    p = {}
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        p[f"W{i}"] = rng.standard_normal((a, b)) * np.sqrt(2.0 / a)
        p[f"b{i}"] = np.zeros(b)
        if i < len(widths) - 2:
            p[f"g{i}"], p[f"s{i}"] = np.ones(b), np.zeros(b)
    running = {i: [np.zeros(w), np.ones(w)] for i, w in enumerate(widths[1:-1])}
    velocity = {k: np.zeros_like(v) for k, v in p.items()}
    hidden = len(widths) - 2

    def forward(x, train):
        caches = []
        for i in range(hidden):
            z = x @ p[f"W{i}"] + p[f"b{i}"]
            if train:
                mu, var = z.mean(axis=0), z.var(axis=0)
                running[i][0] = 0.9 * running[i][0] + 0.1 * mu
                running[i][1] = 0.9 * running[i][1] + 0.1 * var
            else:
                mu, var = running[i]
            inv = 1.0 / np.sqrt(var + 1e-5)
            zhat = (z - mu) * inv
            h = np.maximum(0.0, p[f"g{i}"] * zhat + p[f"s{i}"])
            caches.append((x, zhat, inv, h))
            x = h
        return x @ p[f"W{hidden}"] + p[f"b{hidden}"], caches, x

    for epoch in range(18):
        lr = 0.05 * (0.2 ** (epoch // 6))
        order = rng.permutation(len(Xtr))
        for start in range(0, len(order), 32):
            rows = order[start:start + 32]
            scores, caches, last = forward(Xtr[rows], True)
            n = len(rows)
            probs = np.exp(scores - scores.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            probs[np.arange(n), y_train[rows]] -= 1
            dout = probs / n
            grads = {f"W{hidden}": last.T @ dout, f"b{hidden}": dout.sum(axis=0)}
            dx = dout @ p[f"W{hidden}"].T
            for i in reversed(range(hidden)):
                x, zhat, inv, h = caches[i]
                dy = dx * (h > 0)
                grads[f"g{i}"] = (dy * zhat).sum(axis=0)
                grads[f"s{i}"] = dy.sum(axis=0)
                dzhat = dy * p[f"g{i}"]
                dz = inv / n * (n * dzhat - dzhat.sum(axis=0) - zhat * (dzhat * zhat).sum(axis=0))
                grads[f"W{i}"] = x.T @ dz
                grads[f"b{i}"] = dz.sum(axis=0)
                dx = dz @ p[f"W{i}"].T
            for k in p:
                velocity[k] = 0.9 * velocity[k] - lr * grads[k]
                p[k] = p[k] + velocity[k]
    scores, _, _ = forward(Xte, False)
    return np.argmax(scores, axis=1), p


SOLUTIONS = {"train_capstone": _train_capstone}
EXERCISES = exercise_ids(LESSON)


def test_every_exercise_of_the_lesson_has_an_independent_solution_here():
    assert EXERCISES == ["train_capstone"]
    assert set(SOLUTIONS) == set(EXERCISES)


# The capstone has no known mistakes (it is open-ended): of the five per-exercise tests,
# the three that need none.


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("ex_id", EXERCISES)
def test_a_correct_function_passes(ex_id, hidden, capsys):
    assert_a_correct_function_passes(ex_id, SOLUTIONS[ex_id], hidden, capsys)


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_the_packages_own_function_is_refused(ex_id):
    assert_the_packages_own_function_is_refused(ex_id)


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("ex_id", EXERCISES)
def test_a_solution_through_the_wire_gets_checks_verdict(ex_id, hidden, tmp_path):
    assert_a_solution_through_the_wire_gets_checks_verdict(ex_id, SOLUTIONS[ex_id], hidden,
                                                           tmp_path)


# -- the accept criterion ----------------------------------------------------------------


EX = REGISTRY["train_capstone"]


def test_the_capstone_is_registered_with_the_lessons_private_reference_and_criterion():
    assert EX.reference is _ref_train_capstone and EX.accept is _accept_train_capstone
    assert EX.mistakes == () and _TARGET == 0.94 and _DEPTH == 12
    assert EX.outputs == ("pred", "params")


def chain(*widths, bn=True):
    """Parameters shaped like net.params of MLP(widths): W{i}, b{i}, and gamma/beta."""
    params = {}
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:], strict=True), 1):
        params[f"W{i}"], params[f"b{i}"] = np.zeros((a, b)), np.zeros(b)
        if bn and i < len(widths) - 1:
            params[f"gamma{i}"], params[f"beta{i}"] = np.ones(b), np.zeros(b)
    return params


DEEP = chain(64, *[128] * 11, 10)


@pytest.fixture(scope="module", params=[False, True], ids=["visible", "hidden"])
def case(request):
    (case,) = cases_for("train_capstone", hidden=request.param)
    return case


def verdict(case, pred, params=DEEP):
    return EX.accept(case, (pred, params))


def with_right(case, k):
    """Predictions with exactly k right answers (the others shifted by one digit)."""
    y = np.asarray(case.data)
    pred = y.copy()
    pred[k:] = (pred[k:] + 1) % 10
    return pred


def test_the_cases_are_two_different_splits_and_the_labels_stay_with_the_grader():
    (visible,), (hidden,) = (cases_for("train_capstone", hidden=h) for h in (False, True))
    for c in (visible, hidden):
        X_train, y_train, X_test = c.args
        assert X_train.shape == (1438, 64) and y_train.shape == (1438,)
        assert X_test.shape == (359, 64) and c.data.shape == (359,)
        assert "1,438 training and 359 test images" in c.note
        assert not any(a is c.data for a in c.args)
    assert not np.array_equal(visible.args[2], hidden.args[2])


def test_the_hidden_split_and_its_perturbation_come_from_the_rng():
    (a,), (b,) = (cases_for("train_capstone", hidden=True, seed=s) for s in (10, 11))
    assert not np.array_equal(a.args[1], b.args[1])  # another split: other training labels
    (again,) = cases_for("train_capstone", hidden=True, seed=10)
    assert all(np.array_equal(x, y) for x, y in zip(a.args, again.args, strict=True))


def test_the_true_labels_pass(case):
    assert verdict(case, np.asarray(case.data)) is None


def test_the_threshold_is_94_percent(case):
    needed = int(np.ceil(0.94 * len(case.data)))  # 338 of 359
    assert needed == 338
    assert verdict(case, with_right(case, needed)) is None
    message = verdict(case, with_right(case, needed - 1))
    assert f"reached 93.9% test accuracy ({needed - 1} of 359 right)" in message
    assert f"(at least {needed} right)" in message
    assert "the target is 94%" in message and "section 7's table" in message


def test_all_zeros_is_recognised(case):
    message = verdict(case, np.zeros(359, dtype=int))
    assert "Every prediction is the digit 0" in message and "not learned" in message


# -- depth: read from the parameters handed back -----------------------------------------


@pytest.mark.parametrize(("widths", "depth"), [((64, 128, 10), 2), ((64, 10), 1),
                                               ((64, *[128] * 10, 10), 11)])
def test_a_network_shallower_than_12_affine_layers_fails_with_its_depth(case, widths, depth):
    message = verdict(case, np.asarray(case.data), chain(*widths))
    assert message is not None and f"params holds {depth} weight matrices" in message, message
    assert f"({depth - 1} hidden)" in message and "at least 12 (11 hidden layers)" in message


@pytest.mark.parametrize("widths", [(64, *[128] * 11, 10), (64, *[32] * 20, 10),
                                    (64, 100, 90, 80, 70, 60, 50, 40, 30, 20, 16, 12, 10)])
def test_a_network_of_12_or_more_affine_layers_passes(case, widths):
    assert verdict(case, np.asarray(case.data), chain(*widths, bn=False)) is None


def test_the_order_of_the_keys_does_not_matter(case):
    """The wire (or a learner's dict) may list W1, W10, W11, W12, W2, ...: shapes decide."""
    shuffled = dict(sorted(chain(64, 100, *[90] * 10, 10).items()))
    assert list(shuffled)[:3] == ["W1", "W10", "W11"]
    assert verdict(case, np.asarray(case.data), shuffled) is None


@pytest.mark.parametrize(("params", "expected"), [
    ([np.zeros((64, 10))], "return the trained parameters as a dict"),
    (None, "params should be a dict"),
    ("net.params", "params should be a dict"),
    ({"b1": np.zeros(10)}, "holds no weight matrix"),
    ({"W1": np.zeros((64, 128)), "W2": np.zeros((100, 10))}, "don't form one chain"),
    ({"W1": np.zeros((10, 64))}, "don't form one chain"),
    (chain(64, *[128] * 11, 10) | {"vW1": np.zeros((64, 128))}, "Return only the network's"),
    ({"W1": np.zeros((64, 128)), "W2": np.zeros((128, 10)), "W3": np.zeros((32, 32))},
     "don't form one chain"),
])
def test_parameters_that_are_not_a_chain_get_a_specific_message(case, params, expected):
    message = verdict(case, np.asarray(case.data), params)
    assert message is not None and expected in message, message


def _one_hidden_layer(X_train, y_train, X_test):
    """A good shallow network: about 97 % on the digits, with 2 affine layers."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-8
    net = MLP([64, 64, 10], init="he", seed=0)
    Trainer(net, (X_train - mean) / std, y_train, update_rule="sgd_momentum",
            optim_config={"learning_rate": 0.05, "momentum": 0.9}, batch_size=32, epochs=10,
            seed=0, progress=False).train()
    return net.predict((X_test - mean) / std), net.params


def test_a_one_hidden_layer_answer_fails_the_check_with_the_depth_message():
    with pytest.raises(CheckFailed) as info:
        check("train_capstone", _one_hidden_layer)
    message = str(info.value)
    assert message.startswith("train_capstone: params holds 2 weight matrices"), message
    assert "at least 12 (11 hidden layers)" in message


# -- the recipe stays in the last hint ---------------------------------------------------


_RECIPE = [r"0\.05", r"'every':\s*8", r"\"every\":\s*8", r"epochs\s*=\s*24", r"24 epochs",
           r"divided by 5 every 8", r"\[128\]\s*\*\s*11", r"dropout\s*=\s*0\.1"]


def _found(text):
    return [p for p in _RECIPE if re.search(p, text)]


def test_the_recipe_is_given_by_the_last_hint_and_by_nothing_before_the_try():
    assert _found(EX.hints[-1])  # the patterns see it where it is given
    for k, hint in enumerate(EX.hints[:-1], 1):
        assert not _found(hint), f"hint {k}: {_found(hint)}"
    nb = nbformat.read(ROOT / "lessons" / LESSON / f"{LESSON}.ipynb", as_version=4)
    before = []
    for cell in nb.cells:
        if "ex-capstone" in str(cell.metadata):
            before.append(cell.source)  # the released stub and its docstring
            break
        if cell.cell_type == "markdown":
            before.append(cell.source)
    assert not _found("\n".join(before)), _found("\n".join(before))
    test_cell = next(c.source for c in nb.cells if "capstone-test" in str(c.metadata))
    assert not _found(test_cell)


def test_a_failed_check_does_not_give_the_recipe(case):
    for pred in (np.zeros(359, dtype=int), with_right(case, 300)):
        message = verdict(case, pred)
        assert message is not None and not _found(message), message


def test_the_lesson_states_the_measured_margin_over_the_target():
    text = (ROOT / "solutions" / LESSON / f"{LESSON}.py").read_text()
    assert "353 of the 359" in text and "347, 352, 350, 346, 353 and 350" in text


def test_predictions_in_the_wrong_order_are_far_below(case):
    pred = np.asarray(case.data)[np.random.default_rng(0).permutation(359)]
    message = verdict(case, pred)
    assert "far below" in message and "order of the rows of X_test" in message


def _nearest_centroid(X_train, y_train, X_test):
    """A weak model (no network at all): about 90 % on the digits, with deep-looking params."""
    centroids = np.stack([X_train[y_train == d].mean(axis=0) for d in range(10)])
    distances = ((X_test[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    return distances.argmin(axis=1), chain(64, *[16] * 11, 10)


@pytest.mark.parametrize("hidden", [False, True])
def test_a_weak_model_fails_the_check_with_its_accuracy(hidden):
    with pytest.raises(CheckFailed) as info:
        check("train_capstone", _nearest_centroid, hidden=hidden)
    message = str(info.value)
    assert message.startswith("train_capstone: your predictions are not right yet on "
                              "enough test images: your network reached "), message
    assert "the target is 94%" in message
    assert ("held-out split" in message) is hidden


def test_a_model_returning_scores_fails_the_check():
    def scores(X_train, y_train, X_test):
        return np.zeros((len(X_test), 10)), chain(64, *[16] * 11, 10)

    with pytest.raises(CheckFailed, match=r"argmax\(axis=1\)"):
        check("train_capstone", scores)


def test_a_model_returning_only_pred_is_told_to_return_both():
    def only_pred(X_train, y_train, X_test):
        return np.zeros(len(X_test), dtype=int)

    with pytest.raises(CheckFailed, match=r"should return 2 values \(pred, params\)"):
        check("train_capstone", only_pred)


def test_the_criterion_holds_across_the_wire(case, tmp_path):
    """The autograder judges outcomes that crossed from the sandbox as plain data."""
    hidden = "held-out" in case.note

    def roundtrip(pred, params):
        wire.dump(outcome_to_data(Outcome(result=(pred, params))), tmp_path, "outcome")
        return [outcome_from_data(wire.load(tmp_path, "outcome", max_bytes=10**7))]

    assert judge("train_capstone", roundtrip(np.asarray(case.data), DEEP), hidden=hidden).passed
    failed = judge("train_capstone", roundtrip(np.zeros(359, dtype=np.int64), DEEP),
                   hidden=hidden)
    assert not failed.passed and "Every prediction is the digit 0" in failed.message
    shallow = judge("train_capstone", roundtrip(np.asarray(case.data), chain(64, 128, 10)),
                    hidden=hidden)
    assert not shallow.passed and "params holds 2 weight matrices" in shallow.message


@pytest.mark.parametrize("ex_id", exercise_ids(LESSON))
def test_every_exercise_has_a_ladder_from_a_nudge_to_the_formula(ex_id):
    ladder = REGISTRY[ex_id].hints
    assert len(ladder) == 3, ladder
    assert "?" in ladder[0], "the first level is a nudge: it asks, it doesn't tell"
