"""Reference use decided outside the kernel: `backprop.course.reach` reads the submitted code.

Each attack is a cell added to a lesson's solution notebook (the learner's own exercise
cell left as it is, or replaced), read without running it. Each asserts what was found and
the exact message; honest variations must find nothing.
"""

from __future__ import annotations

import copy
import inspect
import pkgutil
import warnings

import nbformat
import numpy as np
import pytest

import backprop
from backprop import grading
from backprop.course import reach
from backprop.course.notebooks import graded_cells
from backprop.grading.compare import as_tuple, close, compared
from backprop.grading.exercise import cases_for, run
from backprop.normalization import batchnorm_backward_alt
from tests.conftest import ROOT

LESSONS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.name[:2].isdigit())


def _notebook(lesson: str, folder: str = "solutions") -> nbformat.NotebookNode:
    return nbformat.read(ROOT / folder / lesson / f"{lesson}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def lesson6():
    return _notebook("06_normalization")


@pytest.fixture(scope="module")
def lesson3():
    return _notebook("03_mlp")


def _exercises(nb):
    return [(c.target, c.variable) for c in graded_cells(nb)
            if c.kind == "exercise" and c.target in grading.REGISTRY]


def _found(nb, source: str, exercise: str):
    nb = copy.deepcopy(nb)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    return reach.refusals(nb, _exercises(nb)).get(exercise), len(nb.cells)


# ---------------------------------------------------------------------------------
# Honest notebooks: nothing found
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["solutions", "lessons"])
@pytest.mark.parametrize("lesson", LESSONS)
def test_the_lessons_own_notebooks_reach_no_answer(lesson, folder):
    nb = _notebook(lesson, folder)
    assert reach.refusals(nb, _exercises(nb)) == {}


HONEST = {
    "a helper of the learner's": "def _centre(x):\n    return x - x.mean(axis=0)\n"
        "def batchnorm_backward(dout, cache):\n    x, x_hat, mu, var, eps, gamma = cache\n"
        "    return _centre(dout), dout.sum(0), (dout * x_hat).sum(0)",
    "a lambda": "batchnorm_backward = lambda dout, cache: (dout, dout.sum(0), dout.sum(0))",
    "numpy and math": "import math\nimport numpy as np\ndef batchnorm_backward(dout, cache):\n"
        "    return (np.einsum('ij->ij', dout), np.sum(dout, axis=0),\n"
        "            math.fsum([0.0]) + dout.sum(0))",
    "sys.version printed": "import sys\nprint(sys.version)",
    "the alt compared in a scratch cell": "print(np.abs(batchnorm_backward(dout_big, cache_big)[0]"
        " - batchnorm_backward_alt(dout_big, cache_big)[0]).max())",
    "the function timed by a helper": "def timed(fn):\n    return fn(dout_big, cache_big)\n"
        "timed(batchnorm_backward)\ntimed(batchnorm_backward_alt)",
    "%timeit": "%timeit batchnorm_backward(dout_big, cache_big)",
    "a shell command": "!ls",
    "the lesson's helpers": "from backprop.layers import sum_to_shape\n"
        "def batchnorm_backward(dout, cache):\n    x, x_hat, mu, var, eps, gamma = cache\n"
        "    return dout, sum_to_shape(dout, gamma.shape), sum_to_shape(dout * x_hat, gamma.shape)",
}


@pytest.mark.parametrize("name", HONEST)
def test_honest_code_is_accepted(lesson6, name):
    found, _ = _found(lesson6, HONEST[name], "batchnorm_backward")
    assert found is None, found.message("batchnorm_backward")


# ---------------------------------------------------------------------------------
# Attacks: the package's answer, the grader, or code that can't be followed
# ---------------------------------------------------------------------------------

ALT = "batchnorm_backward_alt"
# name -> (source, kind, what, the line of the cell the message names, names followed)
ATTACKS = {
    "alias": ("batchnorm_backward = batchnorm_backward_alt", "answer", ALT, 1, ()),
    "lambda": ("batchnorm_backward = lambda d, c: batchnorm_backward_alt(d, c)",
               "answer", ALT, 1, ()),
    "wrapper": ("def batchnorm_backward(dout, cache):\n"
                "    return batchnorm_backward_alt(dout, cache)",
                "answer", ALT, 2, ()),
    "module attribute": ("import backprop.normalization as bn\ndef batchnorm_backward(d, c):\n"
                         "    return bn.batchnorm_backward_alt(d, c)", "answer", ALT, 3, ("bn",)),
    "getattr with a literal": ("import backprop.normalization as bn\n"
                               "def batchnorm_backward(d, c):\n"
                               "    return getattr(bn, 'batchnorm_backward_alt')(d, c)",
                               "answer", ALT, 3, ("bn",)),
    "getattr with a computed name": ("import backprop.normalization as bn\n"
                                     "def batchnorm_backward(d, c):\n"
                                     "    return getattr(bn, 'batchnorm_' + 'backward_alt')(d, c)",
                                     "unfollowable", "getattr with a computed name", 3, ()),
    "import inside the function": ("def batchnorm_backward(d, c):\n"
                                   "    from backprop.normalization import "
                                   "batchnorm_backward_alt as g\n"
                                   "    return g(d, c)", "answer", ALT, 3, ("g",)),
    "the whole package inside": ("def batchnorm_backward(d, c):\n    import backprop\n"
                                 "    return backprop.normalization.batchnorm_backward_alt(d, c)",
                                 "answer", ALT, 3, ("backprop",)),
    "importlib": ("import importlib\ndef batchnorm_backward(d, c):\n    return importlib."
                  "import_module('backprop.normalization').batchnorm_backward_alt(d, c)",
                  "unfollowable", "the module importlib", 3, ("importlib",)),
    "__import__": ("def batchnorm_backward(d, c):\n    return __import__('backprop.normalization'"
                   ", fromlist=['x']).batchnorm_backward_alt(d, c)", "unfollowable",
                   "__import__", 2, ()),
    "globals()": ("def batchnorm_backward(d, c):\n    return globals()['" + ALT + "'](d, c)",
                  "unfollowable", "globals", 2, ()),
    "exec": ("exec('batchnorm_backward = batchnorm_backward_alt')", "unfollowable", "exec",
             1, ()),
    "__globals__": ("def batchnorm_backward(d, c):\n"
                    "    return batchnorm_forward.__globals__['" + ALT + "'](d, c)",
                    "unfollowable", "the attribute __globals__", 2, ()),
    "a class attribute": ("class Box:\n    pass\nBox.f = batchnorm_backward_alt\n"
                          "def batchnorm_backward(d, c):\n    return Box.f(d, c)",
                          "answer", ALT, 3, ("Box",)),
    "a dict": ("table = {}\ntable['f'] = batchnorm_backward_alt\n"
               "def batchnorm_backward(d, c):\n    return table['f'](d, c)",
               "answer", ALT, 2, ("table",)),
    "a list": ("fs = []\nfs.append(batchnorm_backward_alt)\n"
               "def batchnorm_backward(d, c):\n    return fs[0](d, c)", "answer", ALT, 2, ("fs",)),
    "stored by a helper": ("class Box:\n    pass\ndef put(o):\n    o.f = batchnorm_backward_alt\n"
                           "put(Box)\ndef batchnorm_backward(d, c):\n    return Box.f(d, c)",
                           "answer", ALT, 4, ("Box", "put")),
    "global inside a function": ("def setup():\n    global batchnorm_backward\n"
                                 "    batchnorm_backward = batchnorm_backward_alt\nsetup()",
                                 "answer", ALT, 3, ()),
    "a default argument": ("def batchnorm_backward(d, c, g=batchnorm_backward_alt):\n"
                           "    return g(d, c)", "answer", ALT, 1, ()),
    "a decorator": ("def deco(f):\n    return batchnorm_backward_alt\n@deco\n"
                    "def batchnorm_backward(d, c):\n    pass", "answer", ALT, 2, ("deco",)),
    "a shadowing lambda default": ("batchnorm_backward = lambda d, c, g=(lambda "
                                   "batchnorm_backward_alt: 0): batchnorm_backward_alt(d, c)",
                                   "answer", ALT, 1, ()),
    "a comprehension's variable": ("def batchnorm_backward(d, c):\n    [batchnorm_backward_alt "
                                   "for batchnorm_backward_alt in [0]]\n"
                                   "    return batchnorm_backward_alt(d, c)", "answer", ALT, 3, ()),
    "a closure": ("def make():\n    g = batchnorm_backward_alt\n    def inner(d, c):\n"
                  "        return g(d, c)\n    return inner\nbatchnorm_backward = make()",
                  "answer", ALT, 2, ("make",)),
    "IPython's Out": ("def batchnorm_backward(d, c):\n    return Out[1](d, c)", "unfollowable",
                      "Out", 2, ()),
    "%time": ("%time batchnorm_backward = batchnorm_backward_alt", "answer", ALT, 1, ()),
    "%run": ("%run other.py", "unfollowable", "%run", 1, ()),
    "sys.modules": ("import sys\nsys.modules['__main__'].batchnorm_backward = 0", "unfollowable",
                    "a change to the imported sys", 2, ()),
    "the registry": ("from backprop.grading import REGISTRY\ndef batchnorm_backward(d, c):\n"
                     "    return REGISTRY['batchnorm_backward'].reference(d, c)", "grader",
                     "backprop.grading.exercise", 3, ("REGISTRY",)),
    "a star import": ("from backprop.normalization import *", "answer", "batchnorm_backward",
                      1, ()),
    "a pickle": ("def batchnorm_backward(d, c):\n    return np.load('f.npy', allow_pickle=True)"
                 "[()](d, c)", "unfollowable", "unpickling (allow_pickle)", 2, ()),
    "numpy patched": ("np.bb = batchnorm_backward_alt\ndef batchnorm_backward(d, c):\n"
                      "    return np.bb(d, c)", "unfollowable",
                      "a change to the imported np", 1, ()),
    "numpy patched elsewhere": ("np.bb = np.sum\ndef batchnorm_backward(d, c):\n"
                                "    return np.bb(d, c)", "unfollowable",
                                "a change to the imported np", 1, ()),
    "__subclasses__": ("def batchnorm_backward(d, c):\n    return ().__class__.__base__."
                       "__subclasses__()", "unfollowable", "the attribute __subclasses__", 2, ()),
    "a frame's globals": ("def batchnorm_backward(d, c):\n    try:\n        1 / 0\n"
                          "    except Exception as e:\n        return e.__traceback__.tb_frame."
                          "f_globals['x'](d, c)", "unfollowable", "the attribute f_globals", 5, ()),
    "get_ipython()": ("def batchnorm_backward(d, c):\n    return get_ipython().user_ns['x'](d, c)",
                      "unfollowable", "get_ipython", 2, ()),
    "typing.get_type_hints": ("import typing\ndef h(x: 'batchnorm_backward_alt'): pass\n"
                              "def batchnorm_backward(d, c):\n"
                              "    return typing.get_type_hints(h)['x'](d, c)", "unfollowable",
                              "typing.get_type_hints", 4, ("typing",)),
    "a walrus in a comprehension": ("def batchnorm_backward(d, c):\n"
                                    "    [(g := batchnorm_backward_alt) for _ in [0]]\n"
                                    "    return g(d, c)", "answer", ALT, 2, ()),
    "a class with a static method": ("class K:\n    f = staticmethod(batchnorm_backward_alt)\n"
                                     "    def __call__(self, d, c):\n        return self.f(d, c)\n"
                                     "batchnorm_backward = K()", "answer", ALT, 2, ("K",)),
}


@pytest.mark.parametrize("name", ATTACKS)
def test_attacks_are_found(lesson6, name):
    source, kind, what, line, via = ATTACKS[name]
    found, cell = _found(lesson6, source, "batchnorm_backward")
    assert found is not None
    assert (found.kind, found.what, found.where) == (kind, what, f"cell {cell}, line {line}")
    assert found.via[1:-1] == via or found.via[1:] == via


def test_the_message_names_the_function_and_where(lesson6):
    found, cell = _found(lesson6, ATTACKS["module attribute"][0], "batchnorm_backward")
    assert found.message("batchnorm_backward") == (
        "batchnorm_backward: your code reaches backprop's own batchnorm_backward_alt (through "
        f"batchnorm_backward → bn), cell {cell}, line 3, which computes this exercise's answer. "
        "Write batchnorm_backward yourself, from what the lesson derives: the grader reads your "
        "code and gives no points for the package's answer.")
    found, cell = _found(lesson6, ATTACKS["exec"][0], "batchnorm_backward")
    assert found.message("batchnorm_backward") == (
        "batchnorm_backward: the grader could not follow your code without running it: "
        f"cell {cell}, line 1 uses exec. The grader reads your code to make sure it doesn't use "
        "the package's answers; remove that use (it is not needed for any exercise) and submit "
        "again.")


def test_a_cell_that_may_change_any_name_costs_every_exercise(lesson6):
    found = reach.refusals(_with(lesson6, "exec('x = 1')"), _exercises(lesson6))
    assert sorted(found) == sorted(e for e, _ in _exercises(lesson6))
    assert {f.what for f in found.values()} == {"exec"}


def _with(nb, source):
    nb = copy.deepcopy(nb)
    nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


def test_leaky_relu_with_slope_zero_is_relu(lesson3):
    found, cell = _found(lesson3, "from backprop.activations import leaky_relu_backward\n"
                         "def relu_backward(dout, cache):\n"
                         "    return leaky_relu_backward(dout, (cache, 0.0))", "relu_backward")
    assert (found.kind, found.what, found.where) == (
        "answer", "leaky_relu_backward", f"cell {cell}, line 3")


def test_a_package_function_that_uses_the_answer_counts(lesson3):
    found, cell = _found(lesson3, "from backprop.layers import affine_relu_backward\n"
                         "def relu_backward(dout, cache):\n"
                         "    return affine_relu_backward(dout, cache)", "relu_backward")
    assert (found.kind, found.where) == ("answer", f"cell {cell}, line 3")
    assert found.what == "relu_backward (used by backprop.layers.affine_relu_backward)"


# ---------------------------------------------------------------------------------
# The registrations: every drop-in equivalent of the package is listed
# ---------------------------------------------------------------------------------


def _package_functions():
    found = {}
    for info in pkgutil.walk_packages(backprop.__path__, "backprop."):
        if info.name.startswith(("backprop.grading", "backprop.course")):
            continue
        module = __import__(info.name, fromlist=["_"])
        for value in vars(module).values():
            if inspect.isfunction(value) and value.__module__ == info.name:
                found[value] = f"{info.name}.{value.__qualname__}"
    return found


def test_every_drop_in_equivalent_is_registered():
    """A package function that returns the reference's answer on the same inputs must be
    among the exercise's answers (batchnorm_backward_alt for batchnorm_backward)."""
    functions = _package_functions()
    missing = []
    for ex in grading.REGISTRY.values():
        if ex.harness is not None or ex.accept is not None:
            continue
        answers = {inspect.unwrap(a) for a in ex.answers}
        cases = cases_for(ex.id, hidden=False)[:3]
        want = [as_tuple(run(ex, ex.reference, copy.deepcopy(c.args)), len(ex.outputs))
                for c in cases]
        for fn, name in functions.items():
            if fn in answers or "numerical" in name:  # gradient checks call their argument
                continue
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    got = [as_tuple(run(ex, fn, copy.deepcopy(c.args)), len(ex.outputs))
                           for c in cases]
            except Exception:
                continue
            if all(g is not None and all(close(ex, g[i], w[i]) for i in compared(ex))
                   for g, w in zip(got, want, strict=True)):
                missing.append(f"{ex.id} <- {name}")
    assert missing == []


def test_the_learners_check_watches_the_equivalents_too():
    with pytest.raises(grading.CheckFailed) as err:
        grading.check("batchnorm_backward", lambda d, c: batchnorm_backward_alt(d, c),
                      hidden=True)
    assert str(err.value) == (
        "batchnorm_backward: your function calls backprop's own batchnorm_backward (or its "
        "equivalent batchnorm_backward_alt). Compute the answer yourself: the point of the "
        "exercise is the derivation.")
    from backprop.activations import leaky_relu_backward

    with pytest.raises(grading.CheckFailed, match="leaky_relu_backward"):
        grading.check("relu_backward", lambda d, x: leaky_relu_backward(d, (x, 0.0)))
