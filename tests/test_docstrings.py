"""The examples in the package's docstrings run and print what they claim."""

import doctest
import importlib
import pkgutil

import pytest

import backprop

# Every module of every wing.
MODULES = sorted(m.name for m in pkgutil.walk_packages(backprop.__path__, "backprop."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} fail"


def test_the_examples_are_found():
    import backprop.scalar

    assert doctest.testmod(backprop.scalar).attempted > 0
    assert "backprop.grading.exercises.lesson01_chain_rule" in MODULES
    assert "backprop.course.gradebook" in MODULES and "backprop.widgets.playground" in MODULES
