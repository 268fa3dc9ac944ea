"""Lesson 1's answers, as a lesson might write them (tests/lessons/test_derive_first.py)."""

from tests.lessons.answer_regex import MINUS, TIMES, _  # noqa: F401 (used by some patterns)

LESSON = "01_chain_rule"
# Each exercise's answer, in the forms a lesson might write it (code, LaTeX, words).
ANSWERS = {
    "numerical_derivative": [
        rf"\(f\(x{_}\+{_}h\){_}{MINUS}{_}f\(x{_}{MINUS}{_}h\)\){_}/{_}\(?2{_}{TIMES}{_}h",
        rf"\\frac\{{f\(x{_}\+{_}h\){_}{MINUS}{_}f\(x{_}{MINUS}{_}h\)\}}\{{2{_}h\}}",
    ],
    "dsin_square": [rf"\\?cos{_}\(?x{_}(?:\^{_}2|\*\*{_}2|²)\)?{_}{TIMES}{_}2{_}{TIMES}{_}x",
                    rf"2{_}{TIMES}{_}x{_}{TIMES}{_}\\?cos{_}\(x"],
    "mul_backward": [rf"dx{_}={_}dout{_}{TIMES}{_}y\b", rf"dy{_}={_}dout{_}{TIMES}{_}x\b"],
    "tanh_backward": [rf"1{_}{MINUS}{_}\\?(?:text\{{)?out\}}?{_}(?:\*\*{_}2|\^{_}2|²|\*{_}out)"],
    "neuron_backward": [rf"dw1{_}={_}(?:dn|do){_}{TIMES}{_}x1",
                        rf"1{_}{MINUS}{_}o{_}(?:²|\*\*{_}2)"],
}
# Exercises whose statement is the answer (a forward pass, a step rule, a specification):
# their hints and checks are tested in their lesson's tests.
NO_FORMULA = {"Scalar"}
