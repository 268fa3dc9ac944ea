"""The package `backprop.widgets`: the names notebooks import, and its docstrings.

Its import rules are import-linter contracts (pyproject.toml, tests/test_layout.py).
"""

import doctest
import importlib
import pkgutil
import sys

import pytest

import backprop.widgets
from tests.conftest import ROOT

WIDGETS = ROOT / "backprop" / "widgets"
_ALL = ("lesson1", "lesson2", "lesson3", "lesson4", "lesson5", "lesson6", "lesson7")
# The lessons each module serves: its tests carry their marks.
LESSONS = {
    "backprop.widgets": _ALL,
    "backprop.widgets._controls": ("lesson2", "lesson4", "lesson5"),
    "backprop.widgets.gradient_norms": ("lesson4",),
    "backprop.widgets.learning_rate": ("lesson2",),
    "backprop.widgets.optimizers": ("lesson5",),
    "backprop.widgets.playground": ("lesson3", "lesson4", "lesson5", "lesson6", "lesson7"),
    "backprop.widgets.render": _ALL[1:],
    "backprop.widgets.selfcheck": _ALL,
}
MODULES = ["backprop.widgets"] + sorted(
    m.name for m in pkgutil.iter_modules(backprop.widgets.__path__, "backprop.widgets."))


def _by_lesson(names):
    return [pytest.param(n, marks=[getattr(pytest.mark, lesson) for lesson in LESSONS[n]])
            for n in names]


@pytest.mark.parametrize("name", _by_lesson(["backprop.widgets"]))
def test_the_names_notebooks_import(name):
    module = importlib.import_module(name)
    assert sorted(module.__all__) == [
        "GradientNormExplorer", "LearningRateExplorer", "OptimizerExplorer", "Playground",
        "gradient_norm_explorer", "learning_rate_explorer", "optimizer_explorer", "playground",
        "self_check"]
    for where, names in (("learning_rate", ("LearningRateExplorer", "learning_rate_explorer")),
                         ("gradient_norms", ("GradientNormExplorer", "gradient_norm_explorer")),
                         ("optimizers", ("OptimizerExplorer", "optimizer_explorer")),
                         ("playground", ("Playground", "playground")),
                         ("selfcheck", ("self_check",))):
        home = sys.modules[f"backprop.widgets.{where}"]
        for public in names:
            assert getattr(module, public) is getattr(home, public), public
            assert public in home.__all__


def test_every_module_of_the_package_has_its_lessons():
    assert sorted(LESSONS) == MODULES


@pytest.mark.parametrize("name", _by_lesson(MODULES))
def test_the_docstring_says_which_lesson_and_gives_examples(name):
    # tests/test_docstrings.py runs the examples of every module of the package.
    module = importlib.import_module(name)
    assert "lesson" in module.__doc__.lower()
    examples = sum(len(t.examples) for t in doctest.DocTestFinder().find(module))
    if name not in ("backprop.widgets", "backprop.widgets._controls"):
        assert examples > 0, f"{name} has no example"
