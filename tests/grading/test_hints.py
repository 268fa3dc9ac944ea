"""Hint ladders: every exercise has one, shown folded one level at a time, never by a check."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from backprop.grading import REGISTRY, Exercise, hints, register
from backprop.grading.exercise import MAX_HINTS
from backprop.grading.hints import pointer

EXERCISES = sorted(REGISTRY)


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_every_exercise_has_a_ladder_of_one_to_three_hints(ex_id):
    ladder = REGISTRY[ex_id].hints
    assert 1 <= len(ladder) <= MAX_HINTS
    assert len(set(ladder)) == len(ladder), "two levels say the same"


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_each_level_is_folded_inside_the_one_before(ex_id):
    page = hints(ex_id)._repr_html_()
    ladder = REGISTRY[ex_id].hints
    # Level k's text sits inside k <details> elements: it shows only once 1..k are open.
    for k, text in enumerate(ladder, 1):
        before = page[:page.index(html.escape(text))]
        depth = before.count("<details") - before.count("</details>")
        assert depth == k, (k, depth)
    assert page.count("<summary>") == len(ladder)
    assert re.findall(r"<summary>Hint (\d) of", page) == [str(k) for k in range(1, len(ladder) + 1)]


def test_the_text_form_names_the_levels_and_gives_one_only_on_request():
    ladder = hints("mul_backward")
    for text in ladder.levels:
        assert text not in repr(ladder)
    assert ladder.level(1) == REGISTRY["mul_backward"].hints[0]
    with pytest.raises(ValueError, match="mul_backward has hints 1 to"):
        ladder.level(len(ladder.levels) + 1)


def test_hint_text_is_shown_as_text_not_markup():
    ex = REGISTRY["mul_backward"]
    fake = Exercise(id="_hint_markup", lesson="99_test", reference=ex.reference, cases=ex.cases,
                    outputs=ex.outputs, mistakes=(), hints=("use <b>x</b> & y",))
    register(fake)
    try:
        page = hints("_hint_markup")._repr_html_()
        assert "<b>" not in page and "use &lt;b&gt;x&lt;/b&gt; &amp; y" in page
    finally:
        del REGISTRY["_hint_markup"]


def test_an_unknown_exercise_suggests_close_names():
    with pytest.raises(KeyError, match="mul_backward"):
        hints("mul_backwards")


@pytest.mark.parametrize("bad", [(), ("",), ("a", "b", "c", "d"), "a string, not a tuple"])
def test_a_registration_without_a_proper_ladder_is_refused(bad):
    ex = REGISTRY["mul_backward"]
    with pytest.raises(ValueError, match="hint ladder"):
        register(Exercise(id="_no_ladder", lesson="99_test", reference=ex.reference,
                          cases=ex.cases, outputs=ex.outputs, mistakes=(), hints=bad))
    assert "_no_ladder" not in REGISTRY


def test_the_pointer_names_the_exercise_and_its_levels():
    n = len(REGISTRY["tanh_backward"].hints)
    line = pointer("tanh_backward")
    assert 'hints("tanh_backward")' in line and f"{n} level" in line


def test_a_numpy_rng_is_unaffected():  # hints are data: showing them draws nothing
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    hints("mul_backward")._repr_html_()
    assert rng.bit_generator.state == state
