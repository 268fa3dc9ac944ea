"""Lesson 3's answers, as a lesson might write them (tests/lessons/test_derive_first.py)."""

from tests.lessons.answer_regex import MINUS, TIMES, _  # noqa: F401 (used by some patterns)

LESSON = "03_mlp"
# Each exercise's answer, in the forms a lesson might write it (code, LaTeX, words).
ANSWERS = {
    "affine_backward": [rf"dout{_}@{_}W\.T", rf"x\.T{_}@{_}dout"],
    "sum_to_shape": [rf"sum\(axis{_}={_}tuple\(range"],
    "relu_backward": [rf"dout{_}\*{_}\(x{_}>{_}0\)"],
    "softmax_cross_entropy": [rf"\(P{_}{MINUS}{_}Y\){_}/{_}N", rf"p{_}{MINUS}{_}onehot"],
    "two_layer_loss": [rf"da1{_}={_}dh{_}{TIMES}{_}\(", rf"dh{_}={_}dscores{_}@{_}W2\.T"],}
# Exercises whose statement is the answer (a forward pass, a step rule, a specification):
# their hints and checks are tested in their lesson's tests.
NO_FORMULA = {"affine_forward"}
