"""Lesson 5's answers, as a lesson might write them (tests/lessons/test_derive_first.py)."""

from tests.lessons.answer_regex import MINUS, TIMES, _  # noqa: F401 (used by some patterns)

LESSON = "05_momentum"

# Pieces of the update rules, in code, LaTeX and words.
_SP = r"(?:\s|\\,|\\;|\\ )*"  # LaTeX spacing too
_BETA = r"(?:β|\\beta|beta|config\[['\"]momentum['\"]\])"
_VEL = r"v(?:_\{?t\s*-\s*1\}?|_old|_prev|_\{?\\text\{prev\}\}?|_\\text\{prev\}|elocity)?"
_ETA = r"(?:η|\\eta|lr|learning_rate|config\[['\"]learning_rate['\"]\])"
_GRAD = r"(?:dw|g_t|g_\{t\}|g\b|\\nabla)"
_B1 = r"(?:β1|β₁|beta1|b1|\\beta_1|\\beta_\{1\})"
_B2 = r"(?:β2|β₂|beta2|b2|\\beta_2|\\beta_\{2\})"
_POW = r"(?:\s*\*\*\s*|\^|\s*\^\s*)\{?t"

# Each exercise's answer, in the forms a lesson might write it (code, LaTeX, words).
ANSWERS = {
    # v_t = β·v_{t−1} − η·g_t: the one-step form of the weighted sum
    "sgd_momentum": [rf"{_BETA}{_SP}{TIMES}{_SP}{_VEL}{_SP}{MINUS}{_SP}{_ETA}{_SP}{TIMES}{_SP}"
                     rf"{_GRAD}"],
    # the stored point's update: w − β·v_prev + (1 + β)·v_new, or w + β·v_new − η·dw
    "nesterov": [rf"\(1{_SP}\+{_SP}{_BETA}\){_SP}{TIMES}{_SP}v",
                 rf"{_BETA}{_SP}{TIMES}{_SP}v_?(?:new|\\text\{{new\}}|_\{{\\text\{{new\}}\}}){_SP}"
                 rf"{MINUS}{_SP}{_ETA}{_SP}{TIMES}{_SP}{_GRAD}"],
    # step s's rate: lr0 · drop^⌊(s // steps_per_epoch) / every⌋
    "lr_per_step": [rf"drop{_}\*\*{_}\({_}\(?{_}(?:e|epoch|s)\b[^)\n]*\)?{_}//{_}every",
                    r"\\text\{drop\}\^\{\\lfloor",
                    rf"//{_}steps_per_epoch"],
    # the bias correction: m / (1 − β1^t), v / (1 − β2^t)
    "adam": [rf"/{_SP}\(?{_SP}1{_SP}{MINUS}{_SP}(?:{_B1}|{_B2}){_POW}",
             rf"\\frac\{{[mv]_?t?\}}\{{1{_SP}{MINUS}{_SP}(?:{_B1}|{_B2}){_POW}"],
    # one factor max_norm / (global norm), the global norm the root of all squares
    "clip_by_norm": [rf"max_norm{_}/{_}(?:total_|global_)?norm\b",
                     rf"\\text\{{max\\?_norm\}}{_SP}/{_SP}\\lVert",
                     r"\\sqrt\{\\sum_p"],
}
# Exercises whose statement is the answer (a forward pass, a step rule, a specification):
# their hints and checks are tested in their lesson's tests.
NO_FORMULA = {"minibatches"}
