"""Lesson 4's answers, as a lesson might write them (tests/lessons/test_derive_first.py)."""

from tests.lessons.answer_regex import MINUS, TIMES, _  # noqa: F401 (used by some patterns)

LESSON = "04_relu_vs_sigmoid"
# Each exercise's answer, in the forms a lesson might write it (code, LaTeX, words).
ANSWERS = {
    "leaky_relu_backward": [
        rf"np\.where\({_}x{_}>{_}0{_},{_}1(?:\.0)?{_},{_}alpha{_}\)",
        rf"alpha{_}\*{_}dout",
        rf"dout{_}\*{_}alpha",
        r"\$1\$ for \$x > 0\$, \$\\alpha\$ for \$x \\le 0\$",  # the slope table's old cell
    ],
    "collapse_linear": [rf"W1{_}@{_}W2", rf"b1{_}@{_}W2", rf"W_1{_}W_2", rf"b_1{_}W_2"],
    "weight_gradient_norms": [
        rf"norm\({_}grads\[f[\"']W\{{i\}}",
        r"f[\"']W\{i\}[\"']",  # each key built from its layer number
    ],
    "dead_relu_fraction": [
        rf"np\.all\({_}H{_}=={_}0{_},{_}axis{_}={_}0",
        rf"np\.all\({_}\w+{_},{_}axis{_}={_}0",
    ],
    "he_init": [
        rf"sqrt\({_}2(?:\.0)?{_}/{_}fan_in",
        rf"\\sqrt\{{?{_}2{_}/{_}(?:\\text\{{)?(?:fan|n)",
        r"\\frac\{2\}\{n_\\text\{in\}\}",  # Xavier's 2 / (n_in + n_out) is not it
        rf"2{_}/{_}n_\\text\{{in",
        rf"doubles the{_}variance",
    ],
    "residual_backward": [
        rf"dx\w*{_}={_}dx_?\w*{_}\+{_}dout",
        rf"dx{_}={_}dout{_}\+",
        rf"I{_}\+{_}\\(?:partial|frac)",
        r"dout\W+plus",
    ],
}
# Exercises whose statement is the answer (a forward pass, a step rule, a specification):
# their hints and checks are tested in their lesson's tests.
NO_FORMULA: set[str] = set()
