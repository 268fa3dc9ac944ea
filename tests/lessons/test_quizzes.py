"""The quizzes measure understanding: no pattern to game, earlier lessons revisited, numbers too.

Each question of a lesson's quiz is a markdown cell, followed by an answer cell and a test
cell (`check_choice`, `check_number` or `check_shape`) whose hidden test holds the answer.
A four-option question lists `a) ...` to `d) ...`; a question on an earlier lesson says
so in its header, `**Question 4 (revisits lesson 2).**`. Course-wide:
- each letter is the key of 15-35 % of the four-option items, and no two lessons share the
  same sequence of keys;
- the keyed option is the longest option in at most a third of the items;
- from lesson 2 on, every quiz has at least one item on an earlier lesson;
- every lesson has at least one graded item whose answer is a number or a shape, and a
  number with a tolerance states it in its question.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import nbformat
import pytest

from backprop.course.folders import lesson_ids
from backprop.course.notebooks import grade_id, graded_cells
from tests.conftest import ROOT

LESSONS = lesson_ids(ROOT)
REVISITS = re.compile(r"^\*\*[^*\n]*\(revisits lesson (\d+)\)\.\*\*", re.M)
OPTION = re.compile(r"^([a-e])\) (.+?)\s*$", re.M)


@dataclass(frozen=True)
class Item:
    lesson: str
    name: str
    revisits: int | None
    text: str
    options: dict[str, str]
    form: str
    answer: object
    choices: str


def _items(lesson: str) -> list[Item]:
    """Each quiz test cell with its question: the last markdown cell above it."""
    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    quizzes = {c.grade_id: c for c in graded_cells(nb) if c.kind == "quiz"}
    items, question = [], ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            question = cell.source
        elif grade_id(cell) in quizzes:
            quiz = quizzes[grade_id(cell)]
            m = REVISITS.search(question)
            options = dict(OPTION.findall(question)) if quiz.form == "choice" else {}
            items.append(Item(lesson, quiz.target, int(m.group(1)) if m else None, question,
                              options, quiz.form, quiz.answer, quiz.choices))
    return items


ITEMS = {lesson: _items(lesson) for lesson in LESSONS}
FOUR = [item for items in ITEMS.values() for item in items
        if item.form == "choice" and sorted(item.options) == list("abcd")]


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_key_is_one_of_its_options(lesson):
    items = ITEMS[lesson]
    assert items, f"{lesson} has no quiz"
    for item in items:
        assert item.answer is not None, f"{item.name}: no answer in its hidden test"
        if item.form == "choice" and item.choices == "abcd" and item.options:
            # Listed under the question (lesson 7's matching items list theirs in a table).
            assert sorted(item.options) == list("abcd"), f"{item.name}: options a) to d)?"
        if item.form == "choice":  # a true/false or matching item: its letters
            assert item.answer in (item.options or item.choices), (item.name, item.answer)


def test_each_letter_is_the_key_of_15_to_35_percent_of_the_four_option_items():
    keys = Counter(item.answer for item in FOUR)
    shares = {letter: keys[letter] / len(FOUR) for letter in "abcd"}
    assert all(0.15 <= share <= 0.35 for share in shares.values()), shares


def test_no_two_lessons_share_a_sequence_of_keys():
    sequences = {lesson: "".join(i.answer for i in FOUR if i.lesson == lesson)
                 for lesson in LESSONS}
    shared = [(a, b, s) for a, s in sequences.items() for b, t in sequences.items()
              if a < b and s and s == t]
    assert not shared, shared


def test_the_key_is_the_longest_option_in_at_most_a_third_of_the_items():
    longest = [f"{i.lesson} {i.name}" for i in FOUR
               if len(i.options[i.answer]) >= max(len(o) for o in i.options.values())]
    assert len(longest) <= len(FOUR) / 3, longest


@pytest.mark.parametrize("lesson", LESSONS[1:])
def test_every_quiz_from_lesson_2_on_revisits_an_earlier_lesson(lesson):
    here = int(lesson[:2])
    revisits = [i.revisits for i in ITEMS[lesson] if i.revisits is not None]
    assert any(k < here for k in revisits), (
        f"{lesson}: no question headed '**Question N (revisits lesson K).**' with K < {here}")
    assert all(1 <= k < here for k in revisits), revisits


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_asks_for_a_number_or_a_shape(lesson):
    exact = [i for i in ITEMS[lesson] if i.form in ("number", "shape")]
    assert exact, f"{lesson}: no question whose answer is a number or a shape"
    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    tolerant = {c.target for c in graded_cells(nb) if c.form == "number" and (c.rtol or c.atol)}
    for item in exact:
        if item.name in tolerant:
            assert "±" in item.text or "within" in item.text, (
                f"{lesson} {item.name}: state the tolerance in the question")
