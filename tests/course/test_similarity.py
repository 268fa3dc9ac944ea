"""The similarity report: winnowing, normalisation, the stub, the command, inert pages.

The algorithm is tested on small sources; the command on a temporary course with lesson
01_chain_rule and a class built from its notebooks:
- ann: the instructor's solution;
- bob: ann's answers renamed and reformatted (a copy);
- cat: the lesson as released (nothing answered);
- dan: his own Scalar and numerical_derivative, with a <script> and an <img onerror> in a
  comment and a string;
- eve: a symbolic link to ann's folder, never read.
Nothing here runs a notebook; the whole file takes a few seconds.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import nbformat
import pytest

from backprop.course import winnow
from backprop.course.cli import main
from backprop.course.notebooks import grade_id
from backprop.course.similarity import (
    MIN_FINGERPRINTS,
    THRESHOLD,
    Answer,
    AnswerCell,
    _pair,
    best_matches,
    compare,
)
from backprop.course.winnow import containment, fingerprint, normalise
from tests.conftest import ROOT

LESSON = "01_chain_rule"
NOTEBOOK = f"{LESSON}.ipynb"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"

STUB = '''def softmax_cross_entropy(scores, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient."""
    # YOUR CODE HERE
    raise NotImplementedError()
'''
ANSWER = '''def softmax_cross_entropy(scores, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient."""
    N = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)  # no overflow
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    return loss, dscores
'''
RENAMED = (ANSWER.replace("log_probs", "lp").replace("shifted", "z").replace("dscores", "g")
           .replace("loss", "value").replace("N", "count"))
REFORMATTED = '''def softmax_cross_entropy(scores, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient."""

    # how many rows
    N = scores.shape[ 0 ]
    shifted = (
        scores
        - scores.max(axis = 1, keepdims = True,)
    )
    log_probs = shifted - np.log(
        np.exp(shifted).sum(axis=1, keepdims=True)
    )
    loss = -log_probs[np.arange(N), y].mean()   ;   dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    return (loss, dscores)
'''
INDEPENDENT = '''def softmax_cross_entropy(scores, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient."""
    rows = []
    losses = []
    for s, label in zip(scores, y):
        m = s.max()
        w = np.exp(s - m)
        total = w.sum()
        losses.append(np.log(total) + m - s[label])
        g = w / total
        g[label] -= 1.0
        rows.append(g)
    return float(np.mean(losses)), np.array(rows) / len(y)
'''


def _tokens(source):
    return [t.text for t in normalise(source)]


# ---------------------------------------------------------------------------------
# Winnowing and normalisation
# ---------------------------------------------------------------------------------


def test_winnowing_picks_the_papers_fingerprints():
    # Schleimer, Wilkerson and Aiken (2003), figure 2: the rightmost minimum of each window.
    hashes = [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98]
    chosen = winnow.winnow(hashes, 4)
    assert [hashes[i] for i in chosen] == [17, 17, 8, 39, 17]
    assert chosen == [3, 6, 8, 11, 15]
    assert winnow.winnow([5, 3, 3], 4) == [2] and winnow.winnow([], 4) == []
    with pytest.raises(ValueError, match="w must be at least 1"):
        winnow.winnow([1], 0)


def test_identical_renamed_and_reformatted_answers_score_one():
    a = fingerprint(ANSWER, base=STUB)
    assert len(a) >= MIN_FINGERPRINTS
    assert containment(a, fingerprint(ANSWER, base=STUB)) == 1.0
    assert _tokens(RENAMED) == _tokens(ANSWER)
    assert containment(a, fingerprint(RENAMED, base=STUB)) == 1.0
    assert _tokens(REFORMATTED) == _tokens(ANSWER)
    assert containment(a, fingerprint(REFORMATTED, base=STUB)) == 1.0


def test_normalisation_keeps_what_the_cell_uses_and_drops_what_it_names():
    tokens = _tokens('def f(x, h=1e-5):\n    """Doc."""\n    total = np.exp(x).sum(axis=0)'
                     '  # a comment\n    label = "a"; return total.T, len(label)\n')
    assert tokens == ["def", "V", "(", "V", ",", "V", "=", "N", ")", ":", "V", "=", "np", ".",
                      "exp", "(", "V", ")", ".", "sum", "(", "axis", "=", "N", ")", ";", "V",
                      "=", "S", ";", "return", "V", ".", "T", ",", "len", "(", "V", ")"]
    # A call's keyword names the callee's parameter, even where a variable has its name.
    assert _tokens("for axis in (0, 1):\n    x = x.sum(axis=axis)\n") == [
        "for", "V", "in", "N", ",", "N", ":", "V", "=", "V", ".", "sum", "(", "axis", "=",
        "V", ")"]
    # Attributes the cell assigns are its own names; a magic is not Python.
    assert _tokens("%timeit 1\ndef f(self, a):\n    self._prev = (a,)\n    b = self.data\n") == [
        "def", "V", "(", "V", ",", "V", ")", ":", "V", ".", "V", "=", "V", ";", "V", "=", "V",
        ".", "data"]


def test_a_cell_that_does_not_parse_is_read_up_to_its_error():
    tokens = _tokens("def f(x:\n    return x +\n")
    assert tokens[:3] == ["def", "V", "("]
    assert fingerprint("def f(\n", base=STUB).selected == frozenset()
    assert _tokens("") == [] and len(fingerprint("")) == 0


def test_the_stub_never_counts():
    assert len(fingerprint(STUB, base=STUB)) == 0
    answer = fingerprint(ANSWER, base=STUB)
    assert not answer.selected & answer.base
    assert answer.base == frozenset(fingerprint(STUB).spans)
    # Two answers that share nothing but the stub (signature, docstring) score 0.
    other = STUB.replace("    # YOUR CODE HERE\n    raise NotImplementedError()\n",
                         "    while True:\n        yield {'a': [1, 2, 3], 'b': print}\n" * 3)
    assert containment(answer, fingerprint(other, base=STUB)) == 0.0
    # Without the stub subtracted, they would share its k-grams.
    assert fingerprint(ANSWER).selected & fingerprint(other).selected


def test_independent_answers_stay_below_the_threshold_and_short_ones_are_not_judged():
    a, b = fingerprint(ANSWER, base=STUB), fingerprint(INDEPENDENT, base=STUB)
    assert min(len(a), len(b)) >= MIN_FINGERPRINTS
    assert containment(a, b) < THRESHOLD
    # Two independent mul_backward answers: one obvious answer, too short to tell apart.
    stub = "def mul_backward(dout, cache):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    one = "def mul_backward(dout, cache):\n    x, y = cache\n    return dout * y, dout * x\n"
    two = ("def mul_backward(dout, cache):\n    x, y = cache\n    dx = y * dout\n"
           "    dy = x * dout\n    return dx, dy\n")
    cell = AnswerCell("mul_backward", "ex3-test", "ex3-mul-backward", stub)
    answers = [Answer(who, "student", s, fingerprint(s, base=stub))
               for who, s in (("ann", one), ("bob", two))]
    pair = _pair(cell, *answers, THRESHOLD)
    assert pair.score is None and not pair.flagged
    copy = Answer("cat", "student", two, fingerprint(two, base=stub))
    assert _pair(cell, answers[1], copy, THRESHOLD).score is None  # even an exact copy


def test_hashes_are_the_same_in_another_process():
    here = sorted(fingerprint(ANSWER, base=STUB).selected)
    code = ("import json, sys; from backprop.course.winnow import fingerprint; "
            "a, b = json.load(sys.stdin); print(sorted(fingerprint(a, base=b).selected))")
    for seed in ("1", "2"):  # Python's own hash() of a str differs with the seed
        out = subprocess.run([sys.executable, "-c", code], input=json.dumps([ANSWER, STUB]),
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        assert out.strip() == str(here)


def test_shared_lines_are_those_of_shared_k_grams():
    a, b = fingerprint(ANSWER, base=STUB), fingerprint(INDEPENDENT + ANSWER[ANSWER.index(
        "    N = "):], base=STUB)
    lines = a.lines_shared_with(b)
    assert {4, 5, 6, 7} <= lines  # the body of ANSWER, pasted after INDEPENDENT's
    assert 2 not in lines  # the docstring is the stub's


# ---------------------------------------------------------------------------------
# The command, on a temporary course
# ---------------------------------------------------------------------------------


def _rename(source: str) -> str:
    """Bob's disguise: every local name of lesson 1's answers changed, comments added."""
    for old, new in (("order", "topo"), ("seen", "visited"), ("stack", "todo"),
                     ("inputs_done", "expanded"), ("child", "kid"), ("node", "n"),
                     ("out", "res"), ("_prev", "_parents"), ("_backward", "_push"),
                     ("cache_p1", "c1"), ("cache_p2", "c2"), ("cache_s", "c3"),
                     ("cache_n", "c4"), ("cache_o", "c5"), ("dp1", "g1"), ("dp2", "g2")):
        source = re.sub(rf"\b{old}\b", new, source)
    return source.replace("\n\n", "\n\n    # spelled out\n")


@pytest.fixture(scope="module")
def class_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for folder in ("solutions", "lessons"):
        shutil.copytree(ROOT / folder / LESSON, root / folder / LESSON)
    source = nbformat.read(root / "solutions" / LESSON / NOTEBOOK, as_version=4)
    solutions = {grade_id(c): c.source for c in source.cells if grade_id(c)}

    def submit(student, answers):
        nb = nbformat.read(root / "lessons" / LESSON / NOTEBOOK, as_version=4)
        for cell in nb.cells:
            if grade_id(cell) in answers:
                cell.source = answers[grade_id(cell)]
        folder = root / "submitted" / student / LESSON
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / NOTEBOOK)

    answer_ids = [g for g in solutions if g.startswith("ex") and not g.endswith("-test")]
    submit("ann", {g: solutions[g] for g in answer_ids})
    submit("bob", {g: _rename(solutions[g]) for g in answer_ids})
    submit("cat", {})
    hostile = (f"def numerical_derivative(f, x, h=1e-5):\n    # {SCRIPT}\n"
               f"    note = \"{IMG}\"\n    left, right = f(x - h), f(x + h)\n"
               "    width = h + h\n    assert width > 0, note\n    return (right - left) / width\n")
    submit("dan", {"ex1-numerical-derivative": hostile})
    (root / "submitted" / "eve").symlink_to(root / "submitted" / "ann")
    return root


def _read_csv(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, name, value) for name, value in attrs)

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def ran(class_course, tmp_path_factory):
    """`backprop-course similarity` run once on the class."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["similarity", LESSON, "--course", str(class_course)])
    folder = class_course / "reports" / LESSON
    return code, out.getvalue(), folder / f"similarity-{LESSON}.html", \
        folder / f"similarity-{LESSON}.csv"


def test_the_command_ranks_the_copy_first_and_changes_nothing_else(ran, class_course):
    code, out, page, table = ran
    assert code == 0
    assert str(page) in out and str(table) in out and "4 notebook(s)" in out
    rows = _read_csv(table)
    assert rows[0] == ["student_a", "student_b", "exercise", "score", "flagged"]
    flagged = {(a, b, ex) for a, b, ex, _, f in rows[1:] if f == "yes"}
    assert ("ann", "bob", "Scalar") in flagged and ("ann", "bob", "neuron_backward") in flagged
    # ann handed in the instructor's solution: flagged against it too.
    assert ("ann", "instructor's solution", "Scalar") in flagged
    assert rows[1][4] == "yes" and rows[1][3] == "1"  # flagged pairs come first
    # Nothing answered, nothing to compare: cat's answers are never flagged.
    assert not [r for r in rows[1:] if "cat" in r[:2] and r[4] == "yes"]
    assert all(r[4] == "too short" for r in rows[1:] if "cat" in r[:2])
    # dan's own numerical_derivative is not anyone's.
    dan = [r for r in rows[1:] if "dan" in r[:2] and r[2] == "numerical_derivative"]
    assert dan and not [r for r in dan if r[4] == "yes"]
    # eve is a link: never read, never compared; no gradebook was opened or made.
    assert not [r for r in rows[1:] if "eve" in r[:2]]
    assert "symbolic link" in page.read_text(encoding="utf-8")
    assert not (class_course / "gradebook.db").exists()


def test_student_text_is_inert_on_the_page(ran):
    _, _, page, _ = ran
    text = page.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(text)
    parsed.close()
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2",
                                "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "a",
                                "pre", "span", "mark", "details", "summary", "ul", "li"}
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not [a for a in parsed.attrs if a[1].startswith("on")]
    assert {v for t, n, v in parsed.attrs if n == "href"} <= {f"#pair-{i}" for i in range(99)}
    shown = "".join(parsed.text)
    assert SCRIPT in shown and IMG in shown  # shown as text, in dan's answer
    assert html.escape(SCRIPT) in text and "<script" not in text.lower()


def test_the_report_gets_each_answers_highest_score(class_course):
    best = best_matches(class_course, LESSON)
    assert best[("ann", "ex6-test")] == (1.0, "bob")
    assert best[("bob", "ex6-test")] == (1.0, "ann")
    assert ("cat", "ex6-test") not in best  # too short to compare
    assert best_matches(class_course, "02_single_neuron") == {}  # no such lesson here


def test_a_threshold_outside_zero_to_one_is_refused(class_course, capsys):
    with pytest.raises(SystemExit) as info:
        main(["similarity", LESSON, "--threshold", "2", "--course", str(class_course)])
    assert info.value.code == 2
    assert "between 0 and 1" in capsys.readouterr().err
    with pytest.raises(ValueError, match="between 0 and 1"):
        compare(class_course, LESSON, threshold=-0.1)


def test_without_submissions_the_command_says_where_they_go(tmp_path, capsys):
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    for folder in ("solutions", "lessons"):
        shutil.copytree(ROOT / folder / LESSON, tmp_path / folder / LESSON)
    assert main(["similarity", LESSON, "--course", str(tmp_path)]) == 2
    assert "submitted/<student>/<lesson>/<lesson>.ipynb" in capsys.readouterr().err
