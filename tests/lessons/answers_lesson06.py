"""Lesson 6's answers, as a lesson might write them (tests/lessons/test_derive_first.py)."""

from tests.lessons.answer_regex import MINUS, TIMES, _  # noqa: F401 (used by some patterns)

LESSON = "06_normalization"
# Each exercise's answer, in the forms a lesson might write it (code, LaTeX, words).
ANSWERS = {
    "batchnorm_backward": [
        # the variance's path and the mean's path, as code or as a backward rule
        rf"2(?:\.0)?{_}{TIMES}{_}xc{_}{TIMES}{_}dvar{_}/{_}N",
        rf"\\frac\{{2\}}\{{N\}}\\?,?{_}x_c\\?,?{_}d\\sigma\^2",
        rf"dx{_}={_}dxc{_}{MINUS}{_}dxc\.sum\(axis{_}={_}0\){_}/{_}N",
        # the simplified one-line formula
        rf"N\\?,?{_}d\\text\{{out\}}{_}{MINUS}{_}d\\beta",
        rf"N{_}\*{_}dout{_}{MINUS}{_}dbeta",
    ],
    "layernorm_backward": [
        rf"2(?:\.0)?{_}{TIMES}{_}xc{_}{TIMES}{_}dvar{_}/{_}D",
        rf"D\\?,?{_}g_n{_}{MINUS}{_}\\sum_j",
        rf"D{_}\*{_}g{_}{MINUS}{_}g\.sum\(axis{_}={_}1",
    ],
    "l2_penalty": [
        rf"reg{_}{TIMES}{_}W(?!{_}\*\*)(?![\w²])",
        rf"\\lambda{_}W(?!\s*\^)(?![\w²])",
        rf"gradient{_}(?:is{_})?\$?\\lambda{_}W",
    ],
    "dropout_forward": [
        rf"/{_}\(1{_}{MINUS}{_}p\)",
        rf"\\frac\{{\[\\,r{_}\\ge{_}p\\,\]\}}\{{1{_}{MINUS}{_}p\}}",
        rf"divided{_}by{_}(?:the{_}keep{_}probability{_})?\$?1{_}{MINUS}{_}p",
    ],
    "dropout_backward": [
        rf"dout{_}{TIMES}{_}mask",
        rf"d\\text\{{out\}}{_}\\cdot{_}\\text\{{mask\}}",
    ],
    "network_loss": [
        rf"dropout_backward\([\s\S]{{0,120}}?relu_backward\([\s\S]{{0,120}}?batchnorm_backward\(",
    ],
}
# Exercises whose statement is the answer (a forward pass, a step rule, a specification):
# their hints and checks are tested in their lesson's tests.
NO_FORMULA = {"batchnorm_forward"}
