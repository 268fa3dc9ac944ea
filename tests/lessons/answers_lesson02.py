"""Lesson 2's answers, as a lesson might write them (tests/lessons/test_derive_first.py)."""

from tests.lessons.answer_regex import MINUS, TIMES, _  # noqa: F401 (used by some patterns)

LESSON = "02_single_neuron"
# Each exercise's answer, in the forms a lesson might write it (code, LaTeX, words).
ANSWERS = {
    "sigmoid_backward": [rf"out{_}{TIMES}{_}\(?1{_}{MINUS}{_}out\)?",
                         rf"\\sigma\(z\){_}{TIMES}{_}\(1{_}{MINUS}{_}\\sigma\(z\)\)"],
    "bce_gradients": [rf"\(?(?:ŷ|\\hat\{{?y\}}?|y_hat|yhat){_}{MINUS}{_}y\)?{_}/{_}N"],
    "mse_gradients": [rf"2{_}{TIMES}{_}\((?:ŷ|\\hat\{{?y\}}?|y_hat|yhat){_}{MINUS}{_}y\)"],
}
# Exercises whose statement is the answer (a forward pass, a step rule, a specification):
# their hints and checks are tested in their lesson's tests.
NO_FORMULA = {"gd_step", "neuron_forward"}
