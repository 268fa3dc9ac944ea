"""Lesson 07_review: the review's capstone, an open-ended exercise.

Its exercise:
- train_capstone: train a network on the digits and predict held-out labels.

The capstone has no single right answer: any function whose predictions reach the target
accuracy on a held-out test set passes. So it is registered with `accept` (the criterion,
`_accept_train_capstone`) instead of a comparison with the reference; the reference,
`_ref_train_capstone`, only shows one way to get there, and the held-out labels travel in
`Case.data`, which the learner's function never receives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop.data import _digits_arrays, load_digits, standardize, train_test_split
from backprop.grading.exercise import Case, Exercise, register
from backprop.grading.messages import describe as _describe
from backprop.models import MLP
from backprop.train import Trainer

LESSON = "07_review"

#: The test accuracy the capstone must reach.
_TARGET = 0.97
#: The splits of the digits: the visible check uses the lessons' own split (seed 0); the
#: hidden check a split the learner never sees.
_VISIBLE_SPLIT = 0
_HIDDEN_SPLIT = 1


def _ref_train_capstone(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    """Train a deep batch-normalised MLP on digits and predict the test labels (lesson 7).

    The reference of the capstone, one way among many: standardise with the training
    statistics (lesson 3), a 12-layer ReLU MLP with He initialisation (lesson 4), batch
    normalisation and dropout (lesson 6), SGD with momentum and a step schedule (lesson 5).

    Args:
        X_train: Raw pixel values 0..16, shape (N, 64).
        y_train: Integer labels 0..9, shape (N,).
        X_test: Raw pixel values, shape (M, 64).

    Returns:
        pred: The predicted labels of X_test, an integer array of shape (M,).
    """
    X_tr, X_te = standardize(X_train, X_test)
    net = MLP([64] + [128] * 11 + [10], init="he", normalization="batchnorm", dropout=0.1,
              seed=4)
    Trainer(net, X_tr, y_train, update_rule="sgd_momentum",
            optim_config={"learning_rate": 0.05, "momentum": 0.9},
            lr_schedule="step", schedule_config={"drop": 0.2, "every": 8},
            batch_size=32, epochs=24, seed=4, progress=False).train()
    return net.predict(X_te)


def _perturbed(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same digits to the eye, none of them a row of the bundled data.

    Every inked pixel moves by -1, 0 or +1 of the 16 grey levels and each image is made up
    to 10 % brighter or dimmer; the background stays 0 (a pixel that is 0 in every training
    image has no spread to standardise by). About 30 % of the pixels change. Measured with
    the reference on the hidden split, over 16 seeds: 97.5 % to 98.6 % test accuracy,
    against 98.3 % unperturbed, and the target is 97 %.
    """
    ink = X > 0
    noise = rng.integers(-1, 2, size=X.shape)
    scale = rng.uniform(0.9, 1.1, size=(len(X), 1))
    return np.where(ink, np.clip(np.round(X * scale) + noise, 1, 16), 0.0)


def _split_case(seed: int, which: str, rng: np.random.Generator | None = None) -> Case:
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=seed)
    if rng is not None:
        X_test = _perturbed(X_test, rng)
    note = f"{which}: {len(X_train):,} training and {len(X_test)} test images"
    return Case((X_train, y_train, X_test), note, data=y_test)


def _cases_train_capstone(rng: np.random.Generator, hidden: bool) -> list[Case]:
    if hidden:
        # The grader's rng comes from the course secret: the test images can't be looked up
        # in the bundled digits, whose rows every learner has.
        return [_split_case(_HIDDEN_SPLIT, "a held-out split of the digits that you have not "
                                           "seen, slightly perturbed", rng)]
    return [_split_case(_VISIBLE_SPLIT, "the lesson's split of the digits")]


_TRY = ("What to try, one change at a time: standardise X_train and X_test with the training "
        "statistics (lesson 3); He initialisation with ReLU (lesson 4); batch normalisation "
        "after every hidden affine layer (lesson 6); SGD with momentum 0.9, a learning rate "
        "around 0.05 and a step schedule that divides it by 5 every 8 epochs (lesson 5); "
        "a little dropout (0.1, lesson 6); about 24 epochs of mini-batches of 32.")


def _accept_train_capstone(case: Case, outputs: tuple[Any, ...]) -> str | None:
    """The capstone's criterion: integer labels of the right shape, >= 97 % test accuracy.

    Returns None when the predictions are good enough, else what falls short and what to
    try. `outputs` may come from another process (the sandbox's wire): it is untrusted data.
    """
    (pred,) = outputs
    y_test = np.asarray(case.data)
    m = len(y_test)
    if pred is None:
        return "it returned None: did you forget to `return pred`?"
    if isinstance(pred, list | tuple):
        return (f"pred is a {type(pred).__name__}; return a NumPy array of {m} integer labels, "
                "e.g. np.array(...) or the output of net.predict(X_test).")
    if not isinstance(pred, np.ndarray):
        return f"pred should be an array of {m} integer labels, but it is {_describe(pred)}."
    if pred.shape == (m, 10):
        return (f"pred has shape {pred.shape}: these look like scores or probabilities, one row "
                "per image. Return the predicted digit of each row: scores.argmax(axis=1).")
    if pred.shape != (m,):
        return (f"pred has shape {pred.shape}, expected ({m},): one label for each row of "
                "X_test, in the same order.")
    if pred.dtype.kind == "f":
        if np.all(np.isfinite(pred)) and np.array_equal(pred, np.round(pred)):
            return (f"pred has dtype {pred.dtype}; labels are integers: use "
                    "pred.astype(int).")
        return (f"pred has dtype {pred.dtype} and values that are not whole numbers; return "
                "the predicted digits (integers 0-9), e.g. scores.argmax(axis=1).")
    if pred.dtype.kind not in "iu":
        return f"pred has dtype {pred.dtype}; return integer labels 0-9."
    outside = (pred < 0) | (pred > 9)
    if outside.any():
        return (f"{int(outside.sum())} of your labels are outside 0-9 (e.g. "
                f"{int(pred[outside][0])}); each must be a digit 0-9.")
    right = int(np.sum(pred == y_test))
    accuracy = right / m
    if accuracy >= _TARGET:
        return None
    reached = (f"your network reached {accuracy:.1%} test accuracy ({right} of {m} right); "
               f"the target is {_TARGET:.0%} (at least "
               f"{int(np.ceil(_TARGET * m))} right).")
    if np.unique(pred).size == 1:
        return (f"{reached} Every prediction is the digit {int(pred[0])}: the network has "
                f"not learned anything. Check that training runs (the loss should fall), and "
                f"that you predict with the trained network. {_TRY}")
    if accuracy < 0.5:
        return (f"{reached} That is far below what even one hidden layer reaches (lesson 3): "
                "check that pred follows the order of the rows of X_test, that X_test is "
                "standardised with the same statistics as X_train, and that the network is "
                f"trained. {_TRY}")
    return f"{reached} {_TRY}"


register(Exercise(
    id="train_capstone",
    lesson="07_review",
    reference=_ref_train_capstone,
    # The bundled digits hold every test image's label: a function that reads them looks
    # the answers up instead of learning them.
    equivalents=(load_digits, _digits_arrays),
    cases=_cases_train_capstone,
    outputs=("pred",),
    mistakes=(),
    accept=_accept_train_capstone,
    hints=(
        "which lessons' ingredients? The table of section 7 lists them: standardising (3), "
        "ReLU with He initialisation (4), momentum and a step schedule (5), batch "
        "normalisation (6).",
        "a recipe: X_tr, X_te = standardize(X_train, X_test); net = MLP([64] + [width] * 11 + "
        "[10], init='he', normalization='batchnorm'); Trainer(net, X_tr, y_train, "
        "update_rule='sgd_momentum', lr_schedule='step', batch_size=32, progress=False, "
        "...).train(); return net.predict(X_te), integer labels.",
        "where to start: width 128, dropout=0.1, optim_config={'learning_rate': 0.05, "
        "'momentum': 0.9}, schedule_config={'drop': 0.2, 'every': 8} (divided by 5 every 8 "
        "epochs), epochs=24. If you change the recipe, try two or three seeds before you "
        "trust it.",
    ),
))
