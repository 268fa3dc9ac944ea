"""The palette is defined once, in backprop/_style.py, and that module stands alone."""

import ast
import re
import sys

import pytest

from backprop import _style
from tests.conftest import ROOT

pytestmark = [pytest.mark.lesson1, pytest.mark.lesson2, pytest.mark.lesson3, pytest.mark.lesson4,
              pytest.mark.lesson5, pytest.mark.lesson6, pytest.mark.lesson7]

PACKAGE = ROOT / "backprop"
STYLE = PACKAGE / "_style.py"
# A hex colour in source: #rrggbb, optionally with an alpha byte (#rrggbbaa).
HEX_COLOUR = re.compile(r"#([0-9a-fA-F]{6})(?:[0-9a-fA-F]{2})?(?![0-9a-fA-F])")


def _palette():
    return {name: getattr(_style, name) for name in _style.__all__}


def test_the_palette_names_distinct_hex_colours():
    palette = _palette()
    assert {"RED", "GREEN", "BLUE"} <= palette.keys()
    for name, value in palette.items():
        assert re.fullmatch(r"#[0-9a-f]{6}", value), name
    assert len(set(palette.values())) == len(palette), "a colour under two names"


def test_every_colour_says_why():
    lines = STYLE.read_text(encoding="utf-8").splitlines()
    for name in _palette():
        (line,) = [line for line in lines if line.startswith(f"{name} = ")]
        assert re.search(r'"  # \w', line), f"{name} has no one-line why"


def test_no_other_module_of_the_package_repeats_a_palette_colour():
    colours = {value[1:].lower() for value in _palette().values()}
    found = []
    # Every module of backprop/, the instructor's side (backprop/course/) included.
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == STYLE:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(m.group(1).lower() in colours for m in HEX_COLOUR.finditer(line)):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "import these colours from backprop._style instead:\n" + "\n".join(found)


def test_the_scan_finds_a_palette_colour():
    colours = {value[1:].lower() for value in _palette().values()}
    line = 'ax.plot(x, y, color="#C53030")  # and "#2f855a80" with alpha'
    assert [m.group(1).lower() in colours for m in HEX_COLOUR.finditer(line)] == [True, True]


def test_style_imports_nothing_of_the_package_and_no_third_party_library():
    tree = ast.parse(STYLE.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "." for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert all(name.split(".")[0] in sys.stdlib_module_names for name in imported), imported
