"""A battery of hostile and broken submissions, graded by `backprop-course autograde`.

One temporary course, one lesson (01_chain_rule, the quickest notebook), one student per
case. Every submission is the solution notebook or the release, edited with nbformat the
way a learner (or a cheater) would. The whole cohort is graded once through the real
command line; then each hostile student is graded again alone, which must leave every
other student's gradebook rows and files byte-identical and give the same scores again.

Each case asserts the exact score of every graded cell and the message the learner sees:
the judge's verdict saved in the gradebook (`backprop.course.gradebook.load_verdicts`) or the notes
at the top of the autograded notebook.
"""

from __future__ import annotations

import copy
import json
import shutil
import stat
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop.course import cli
from backprop.course.gradebook import load_verdicts
from backprop.course.secret import SECRET_FILE, course_secret
from backprop.grading import REGISTRY
from tests.conftest import ROOT, hidden_test_lines, needs_sandbox, stray_sandbox_processes

LESSON = "01_chain_rule"
DB = "gradebook.db"
COURSE_ID = "backprop-workbook"
# Small limits keep the battery quick; every solution cell of the lesson is far quicker.
CLI_LIMITS = ["--cell-timeout", "5", "--memory-mb", "3072", "--output-mb", "1"]


pytestmark = [pytest.mark.slow, needs_sandbox]

FULL = {"ex1-test": 2.0, "ex2-test": 2.0, "ex3-test": 2.0, "ex4-test": 2.0, "ex5-test": 3.0,
        "ex6-test": 3.0, "q1-test": 1.0, "q2-test": 1.0, "q3-test": 1.0, "q4-test": 1.0,
        "q5-test": 1.0}
ZERO = dict.fromkeys(FULL, 0.0)
# A wrong mul_backward costs its own cell and neuron_backward's, which is built on it.
NO_MUL = dict(FULL, **{"ex3-test": 0.0, "ex5-test": 0.0})
# A notebook whose code can't be followed without running it earns nothing for its code.
QUIZ_ONLY = {g: (s if g.startswith("q") else 0.0) for g, s in FULL.items()}
EXERCISES = [g for g in FULL if g.startswith("ex")]
UNFOLLOWABLE = "the grader could not follow your code without running it: cell "
SWAPPED = REGISTRY["mul_backward"].mistakes[0]
assert SWAPPED.name == "swapped"

# The known mistake, written by hand: dx and dy swapped.
WRONG_MUL = '''def mul_backward(dout, cache):
    x, y = cache
    return dout * x, dout * y
'''
ALIASED_TANH = '''from backprop.activations import tanh_backward as _theirs

def tanh_backward(dout, cache):
    return _theirs(dout, cache)
'''
GRADERS_MUL = ("from backprop.grading.exercises.lesson01_chain_rule import "
               "_ref_mul_backward as mul_backward\n")
RIGHT_MUL = '''def mul_backward(dout, cache):
    x, y = cache
    return dout * y, dout * x
'''


# ---------------------------------------------------------------------------------
# Building submissions
# ---------------------------------------------------------------------------------


def _index(nb: nbformat.NotebookNode, grade_id: str) -> int:
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise AssertionError(f"no cell {grade_id}")


def _set(nb, grade_id: str, source: str):
    nb.cells[_index(nb, grade_id)].source = source
    return nb


def _after(nb, anchor: str, source: str):
    """Insert a new code cell after the cell with this grade_id, or this cell id."""
    for i, cell in enumerate(nb.cells):
        if anchor in (cell.get("id"), cell.metadata.get("nbgrader", {}).get("grade_id")):
            nb.cells.insert(i + 1, nbformat.v4.new_code_cell(source))
            return nb
    raise AssertionError(f"no cell {anchor}")


def _write(folder: Path, nb, name: str = f"{LESSON}.ipynb") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


TAMPER = '''
import builtins, dataclasses, sys
import numpy as np
import numpy.testing
import backprop.grading as grading
import backprop.course.sandbox.wire as wire

# Make every comparison pass, here and in any code that looks the names up later.
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: np.True_
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
builtins.all = lambda *a, **k: True
grading.check = check = lambda *a, **k: print("✓ all good")
grading.judge = lambda *a, **k: grading.Verdict(True, "✓ all good")
grading.Outcome.__eq__ = lambda self, other: True
_collect = grading.collect
def _clean_collect(exercise_id, fn, **kw):
    return [dataclasses.replace(o, error=None, used_reference=False)
            for o in _collect(exercise_id, fn, **kw)]
grading.collect = _clean_collect
_dump = wire.dump
def _boasting_dump(obj, folder, name):
    if isinstance(obj, dict):
        obj = dict(obj, passed=True, score=100)
    return _dump(obj, folder, name)
wire.dump = _boasting_dump
sys.modules["backprop.grading"] = grading
'''

HOOKS = '''
import os, sys
ip = get_ipython()
# nbgrader's classic cheats: blank out the test lines, swallow every exception.
ip.input_transformers_post.append(
    lambda lines: ["pass\\n" if "check(" in line else line for line in lines])
ip.set_custom_exc((BaseException,), lambda *a, **k: None)
sys.excepthook = lambda *a: None
'''

ENV_CHEAT = '''
# Only while the instructor grades (read without `os`, which the grader's reader refuses).
if b"NBGRADER_EXECUTION" in open("/proc/self/environ", "rb").read():
    def mul_backward(dout, cache):
        x, y = cache
        return dout * y, dout * x
'''


def _stealer(course: Path, victim: str) -> str:
    """A mul_backward taken from the instructor's solution, or the known mistake."""
    return f'''
import json, os, pathlib, sqlite3
import backprop

COURSE = pathlib.Path({str(course)!r})
REAL = pathlib.Path(backprop.__file__).resolve().parents[1]
NB = "solutions/{LESSON}/{LESSON}.ipynb"
tried = {{}}

def attempt(name, action):
    try:
        value = action()
        tried[name] = "ok"
        return value
    except BaseException as exc:
        tried[name] = type(exc).__name__
        return None

def read_solution(path):
    cells = json.loads(pathlib.Path(path).read_text())["cells"]
    return next("".join(c["source"]) for c in cells if "def mul_backward" in "".join(c["source"]))

stolen = None
for name, path in [("relative3", "../../../" + NB), ("relative2", "../../" + NB),
                   ("relative1", "../" + NB), ("via_backprop", REAL / NB),
                   ("absolute", COURSE / NB)]:
    stolen = stolen or attempt("read_" + name, lambda: read_solution(path))
attempt("read_gradebook", lambda: (COURSE / "gradebook.db").read_bytes()[:16])
attempt("sql_gradebook", lambda: sqlite3.connect(COURSE / "gradebook.db").execute(
    "update grade set auto_score = 100").connection.commit())
attempt("write_gradebook", lambda: (COURSE / "gradebook.db").write_bytes(b"pwned"))
attempt("write_submitted", lambda: (COURSE / "submitted/{victim}/{LESSON}/{LESSON}.ipynb")
        .write_text("pwned"))
attempt("write_autograded", lambda: (COURSE / "autograded/{victim}/{LESSON}/{LESSON}.ipynb")
        .write_text("pwned"))
attempt("write_solutions", lambda: (COURSE / NB).write_text("pwned"))
attempt("write_real_course", lambda: (REAL / "gradebook.db").write_bytes(b"pwned"))
print("STEAL " + json.dumps(tried, sort_keys=True))

if stolen:
    exec(stolen)
else:
{"".join("    " + line + chr(10) for line in WRONG_MUL.splitlines())}'''


LINGER = '''
import os, subprocess, sys, threading, time
# A process in a new session, a double-forked daemon and a daemon thread: each would write
# a file long after the notebook ended.
subprocess.Popen(["sh", "-c", "sleep 30; echo late > late-shell.txt"], start_new_session=True)
subprocess.Popen([sys.executable, "-c",
                  "import os, time\\nif os.fork(): os._exit(0)\\nos.setsid()\\ntime.sleep(30)\\n"
                  "open('late-daemon.txt', 'w').write('late')"])
def later():
    time.sleep(30)
    open("late-thread.txt", "w").write("late")
threading.Thread(target=later, daemon=True).start()
'''

NETWORK = '''
import urllib.request
urllib.request.urlopen("http://1.1.1.1/", timeout=3)
'''

FORK_BOMB = '''
import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            while True:
                time.sleep(1)
        children += 1
except OSError as exc:
    print(f"fork stopped after {children} children: {type(exc).__name__}")
'''

MEMORY_BOMB = '''
import numpy as np
def bomb():
    chunks = []
    while True:
        chunks.append(np.zeros(2**24))
bomb()
'''


def _cohort(root: Path) -> dict[str, dict]:
    """Write every student's submission; return what each case expects.

    Each entry: "scores" (grade_id -> score), and optionally "swapped" (the mul_backward
    verdict must name the known mistake), "reason" (the submission couldn't be graded:
    this text is in every cell's message), "notes" (text in the autograded notebook's
    header), "outputs" (text in the autograded notebook's cell outputs).
    """
    source = nbformat.read(root / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    release = nbformat.read(root / "lessons" / LESSON / f"{LESSON}.ipynb", as_version=4)
    sub = root / "submitted"

    def sol():
        return copy.deepcopy(source)

    cases: dict[str, dict] = {}

    def add(student: str, nb, **expect) -> None:
        if nb is not None:
            _write(sub / student / LESSON, nb)
        cases[student] = expect

    add("solver", sol(), scores=FULL)
    add("blank", copy.deepcopy(release), scores=ZERO)

    warner = _after(sol(), "code-01", 'import sys, warnings\nwarnings.warn("careful")\n'
                    'warnings.warn("old", DeprecationWarning)\nprint("noise", file=sys.stderr)\n')
    _set(warner, "ex3-mul-backward", 'import sys, warnings\n\n' + RIGHT_MUL.replace(
        "    x, y = cache\n", '    warnings.warn("called")\n    print("debug", file=sys.stderr)\n'
        "    x, y = cache\n"))
    add("warner", warner, scores=FULL)

    patcher = _after(_set(sol(), "ex3-mul-backward", WRONG_MUL), "code-01", TAMPER)
    # Patching numpy and the grader inside the kernel: the reader refuses the notebook before
    # it runs (the sandbox would make the patches worthless anyway).
    add("patcher", patcher, scores=QUIZ_ONLY, refused=dict.fromkeys(
        EXERCISES, UNFOLLOWABLE + "3, line 8 uses a change to the imported np."))

    hooker = _set(sol(), "ex3-mul-backward", WRONG_MUL)
    _after(hooker, "code-01", HOOKS)
    hooker.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(0)"))
    add("hooker", hooker, scores=QUIZ_ONLY,
        refused=dict.fromkeys(EXERCISES, UNFOLLOWABLE + "3, line 2 uses get_ipython."))
    add("env_cheat", _after(_set(sol(), "ex3-mul-backward", WRONG_MUL), "ex3-mul-backward",
                            ENV_CHEAT), scores=NO_MUL, swapped=True)

    add("stealer", _set(sol(), "ex3-mul-backward", _stealer(root, "solver")),
        scores=QUIZ_ONLY, refused=dict(
            dict.fromkeys(EXERCISES, UNFOLLOWABLE + "29, line 5 uses the attribute __file__."),
            **{"ex3-test": UNFOLLOWABLE + "29, line 40 uses exec."}))

    # The package's answer under the learner's name, and the grader's own reference.
    add("aliaser", _set(sol(), "ex4-tanh-backward", ALIASED_TANH),
        scores=dict(FULL, **{"ex4-test": 0.0}), refused={"ex4-test": (
            "tanh_backward: your code reaches backprop's own tanh_backward (through "
            "tanh_backward → _theirs), cell 38, line 4, which computes this exercise's answer.")})
    add("grader_user", _set(sol(), "ex3-mul-backward", GRADERS_MUL),
        scores=NO_MUL, refused={
            "ex3-test": "mul_backward: your code reaches backprop's own _ref_mul_backward",
            "ex5-test": "neuron_backward: your code reaches the grader's own code, "
                        "backprop.grading.exercises.lesson01_chain_rule._ref_mul_backward"})

    killer = _after(sol(), "ex2-test", "import os\nos._exit(1)")
    _after(killer, "ex4-test", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    add("killer", killer, scores=FULL)
    add("sigint", _after(sol(), "ex3-test", "import signal\nsignal.signal(signal.SIGINT, "
                         "signal.SIG_IGN)\nwhile True:\n    pass"),
        scores=FULL, notes=["ran out of time and was interrupted"])
    add("membomb", _after(sol(), "ex1-test", MEMORY_BOMB), scores=FULL, outputs=["MemoryError"])
    add("forkbomb", _after(sol(), "ex1-test", FORK_BOMB), scores=FULL,
        outputs=["fork stopped after"])
    add("printer", _after(sol(), "ex1-test", 'for _ in range(2**20):\n    print("x" * 1023)'),
        scores=FULL, outputs=["[output truncated by the grader]"])
    lingerer = _after(_after(sol(), "code-01", LINGER), "ex2-test", NETWORK)
    add("lingerer", lingerer, scores=FULL, outputs=["URLError"])

    # Broken files.
    folder = sub / "invalid" / LESSON
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").write_text('{"cells": [', encoding="utf-8")
    add("invalid", None, scores=ZERO, reason="is not a readable notebook")

    nb = sol()
    for cell in nb.cells:
        cell.pop("id", None)
    nb.nbformat_minor = 4
    folder = sub / "old_format" / LESSON
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").write_text(nbformat.writes(nb, version=3), encoding="utf-8")
    assert json.loads((folder / f"{LESSON}.ipynb").read_text())["nbformat"] == 3
    add("old_format", None, scores=FULL)

    sloppy = sol()
    sloppy.metadata["kernelspec"] = {"name": "nonexistent", "display_name": "Nope"}
    _write(sub / "sloppy" / LESSON, sloppy)
    raw = json.loads((sub / "sloppy" / LESSON / f"{LESSON}.ipynb").read_text())
    for cell in raw["cells"]:
        del cell["id"]  # nbformat 4.5 requires them; a hand-edited file may lack them
    (sub / "sloppy" / LESSON / f"{LESSON}.ipynb").write_text(json.dumps(raw))
    _write(sub / "sloppy" / LESSON, copy.deepcopy(release), "scratch.ipynb")
    add("sloppy", None, scores=FULL, notes=["ignored: scratch.ipynb"])

    edited = _set(sol(), "ex3-mul-backward", WRONG_MUL)
    _set(edited, "ex3-test", "pass")
    _set(edited, "ex4-test", "check = lambda *a, **k: None")
    retyped = edited.cells[_index(edited, "ex2-test")]
    edited.cells[_index(edited, "ex2-test")] = nbformat.v4.new_markdown_cell(
        retyped.source, metadata=retyped.metadata)
    del edited.cells[_index(edited, "ex1-test")]
    add("edited_tests", edited, scores=NO_MUL, swapped=True,
        notes=["Cells deleted from the notebook were not restored: ex1-test"])

    dup = sol()
    i = _index(dup, "ex3-mul-backward")
    second = copy.deepcopy(dup.cells[i])
    second.id, second.source = "copy-of-mul", WRONG_MUL
    dup.cells.insert(i + 1, second)  # a later copy with the same grade_id: it wins
    j = _index(dup, "q1-test")
    q1_copy = copy.deepcopy(dup.cells[j])
    q1_copy.id, q1_copy.source = "copy-of-q1", "pass"
    dup.cells.insert(j + 1, q1_copy)
    add("duplicated", dup, scores=NO_MUL, swapped=True,
        notes=["Cell ex3-mul-backward appears twice; both copies run, in order.",
               "Cell q1-test appears twice; the copy was ignored."])

    _write(sub / "renamed" / LESSON, sol(), "my_homework.ipynb")
    add("renamed", None, scores=ZERO, reason=f"the submission has no {LESSON}.ipynb. "
        "Found: my_homework.ipynb.")

    huge = sol()
    huge.cells.append(nbformat.v4.new_markdown_cell("x" * (21 * 2**20)))
    add("huge", huge, scores=ZERO, reason="over the 20 MB limit")

    add("stale", sol(), scores=FULL)  # re-submitted broken later, see test_no_stale_grade
    return cases


# ---------------------------------------------------------------------------------
# Reading the outcome
# ---------------------------------------------------------------------------------


def _grades(root: Path) -> dict[str, dict[str, float]]:
    with Gradebook(f"sqlite:///{root / DB}", course_id=COURSE_ID) as gb:
        return {sub.student.id: {g.name: g.score for g in sub.notebooks[0].grades}
                for sub in gb.assignment_submissions(LESSON)}


def _verdicts(root: Path) -> dict:
    with Gradebook(f"sqlite:///{root / DB}", course_id=COURSE_ID) as gb:
        return load_verdicts(gb, LESSON)


def _autograded(root: Path, student: str) -> nbformat.NotebookNode:
    return nbformat.read(root / "autograded" / student / LESSON / f"{LESSON}.ipynb",
                         as_version=4)


def _header(nb) -> str:
    first = nb.cells[0]
    return first.source if first.cell_type == "markdown" and (
        "could not be graded" in first.source or first.source.startswith("- ")) else ""


def _outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(out.get("ename", "") + ": " + out.get("evalue", ""))
            parts.extend(out.get("traceback", []))
    return "\n".join(parts)


def _state(root: Path, exclude: str) -> dict:
    """Everything of every student but `exclude`: gradebook rows and files, as bytes."""
    rows = {}
    with Gradebook(f"sqlite:///{root / DB}", course_id=COURSE_ID) as gb:
        for sub in gb.assignment_submissions(LESSON):
            if sub.student.id == exclude:
                continue
            for nb in sub.notebooks:
                for g in nb.grades:
                    rows[sub.student.id, g.name, "grade"] = (
                        g.auto_score, g.manual_score, g.needs_manual_grade)
                for c in nb.comments:
                    rows[sub.student.id, c.name, "comment"] = c.auto_comment
    files = {}
    for top in ("submitted", "autograded", "solutions", "lessons"):
        for path in sorted((root / top).rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not (top in ("submitted", "autograded")
                                       and rel.parts[1] == exclude):
                files[str(rel)] = path.read_bytes()
    return {"rows": rows, "files": files}


def _sandbox_processes() -> list[str]:
    """What this test's jobs left running (graders in other test files hold their own uids)."""
    return stray_sandbox_processes()


def _autograde(root: Path, *extra: str) -> None:
    code = cli.main(["autograde", LESSON, "--course", str(root), *CLI_LIMITS, *extra])
    assert code == 0


# ---------------------------------------------------------------------------------
# The batch, graded once
# ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-course")
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for top in ("solutions", "lessons"):
        shutil.copytree(ROOT / top / LESSON, root / top / LESSON)
    cases = _cohort(root)
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as mp:
        # The grader's own environment, as under nbgrader: the sandbox must not pass it on.
        mp.setenv("NBGRADER_EXECUTION", "autograde")
        _autograde(root, "--jobs", "2")
    batch_seconds = time.monotonic() - started
    return {"root": root, "cases": cases, "grades": _grades(root),
            "verdicts": _verdicts(root), "seconds": batch_seconds,
            "notebooks": {s: _autograded(root, s) for s in cases}}


CASES = ["solver", "blank", "warner", "patcher", "hooker", "stealer", "aliaser", "grader_user",
         "env_cheat", "killer", "sigint",
         "membomb", "forkbomb", "printer", "lingerer", "invalid", "old_format", "sloppy",
         "edited_tests", "duplicated", "renamed", "huge", "stale"]


@pytest.mark.parametrize("student", CASES)
def test_scores_and_messages(cohort, student):
    expect = cohort["cases"][student]
    assert cohort["grades"][student] == expect["scores"]
    verdicts = cohort["verdicts"].get(student, {})
    nb = cohort["notebooks"][student]
    if expect.get("swapped"):
        mul = verdicts["ex3-test"]
        assert (mul.passed, mul.mistake) == (False, "swapped")
        assert SWAPPED.message in mul.message
        neuron = verdicts["ex5-test"]
        assert (neuron.passed, neuron.mistake) == (False, "swapped_inputs")
    if "reason" in expect:
        for grade_id in FULL:
            if grade_id in verdicts:  # saved under the answer cell each test cell checks
                assert verdicts[grade_id].message.startswith("not graded: ")
                assert expect["reason"] in verdicts[grade_id].message
        assert len(verdicts) == len(FULL)
        assert "could not be graded automatically" in _header(nb)
        assert expect["reason"] in _header(nb)
    else:
        assert "could not be graded" not in _header(nb)
        passed = {g for g, d in verdicts.items() if d.passed}
        assert passed == {g for g, s in expect["scores"].items() if s > 0}
    for grade_id, text in expect.get("refused", {}).items():
        assert not verdicts[grade_id].passed
        assert text in verdicts[grade_id].message, verdicts[grade_id].message
    for note in expect.get("notes", []):
        assert note in _header(nb)
    for text in expect.get("outputs", []):
        assert text in _outputs_text(nb)


def test_the_cohort_is_complete(cohort):
    assert sorted(cohort["cases"]) == sorted(CASES)
    assert sorted(cohort["grades"]) == sorted(CASES)


def test_the_first_grading_made_the_course_secret(cohort):
    """Beside the gradebook, the owner's alone; the hidden cases were drawn from it."""
    path = cohort["root"] / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(course_secret(cohort["root"])) == 64


def test_the_environment_cheat_saw_no_grader_variable(cohort):
    # The grader ran with NBGRADER_EXECUTION set, and the cheat's mul_backward stayed wrong.
    assert cohort["grades"]["env_cheat"]["ex3-test"] == 0
    assert cohort["verdicts"]["env_cheat"]["ex3-test"].mistake == "swapped"


def test_stealing_and_writing_outside_fails(cohort):
    text = _outputs_text(cohort["notebooks"]["stealer"])
    line = next(ln for ln in text.splitlines() if ln.startswith("STEAL "))
    tried = json.loads(line.removeprefix("STEAL "))
    assert len(tried) == 12
    assert {k: v for k, v in tried.items() if v == "ok"} == {}
    root = cohort["root"]
    for top in ("solutions", "lessons"):
        assert (root / top / LESSON / f"{LESSON}.ipynb").read_bytes() == (
            ROOT / top / LESSON / f"{LESSON}.ipynb").read_bytes()
    assert (root / DB).read_bytes()[:16] == b"SQLite format 3\x00"
    assert not (ROOT / DB).exists() or (ROOT / DB).read_bytes()[:5] != b"pwned"


def test_output_is_capped(cohort):
    path = cohort["root"] / "autograded" / "printer" / LESSON / f"{LESSON}.ipynb"
    assert path.stat().st_size < 4 * 2**20


def test_no_sandbox_process_survives(cohort):
    assert _sandbox_processes() == []
    time.sleep(1)
    assert _sandbox_processes() == []


# ---------------------------------------------------------------------------------
# Each hostile student alone: the others stay byte-identical, the scores are the same
# ---------------------------------------------------------------------------------


# Re-graded alone: the attackers that reach past their own notebook (others' files, the
# kernel, interrupts, processes that outlive the job). A re-grade runs the notebook again,
# and what it must not disturb is the same for every student: one of each kind is enough.
REGRADED = ["stealer", "killer", "sigint", "lingerer"]


@pytest.mark.parametrize("student", REGRADED)
def test_regrading_one_student_touches_nobody_else(cohort, student):
    root = cohort["root"]
    before = _state(root, student)
    _autograde(root, "--student", student, "--jobs", "1")
    after = _state(root, student)
    assert after["rows"] == before["rows"]
    assert after["files"].keys() == before["files"].keys()
    changed = [name for name in before["files"] if after["files"][name] != before["files"][name]]
    assert changed == []
    assert _grades(root)[student] == cohort["grades"][student]
    assert _sandbox_processes() == []


def test_no_stale_grade(cohort):
    """A correct submission replaced by a broken one: every score goes to 0, with the reason."""
    root = cohort["root"]
    assert _grades(root)["stale"] == FULL
    path = root / "submitted" / "stale" / LESSON / f"{LESSON}.ipynb"
    path.write_bytes(b"\x00\xffnot a notebook")
    before = _state(root, "stale")
    _autograde(root, "--student", "stale", "--jobs", "1")
    assert _state(root, "stale") == before
    assert _grades(root)["stale"] == ZERO
    verdicts = _verdicts(root)["stale"]
    assert len(verdicts) == len(FULL)
    assert all(not d.passed and d.message.startswith("not graded: ") and
               "is not a readable notebook" in d.message for d in verdicts.values())
    assert "could not be graded automatically" in _header(_autograded(root, "stale"))


def test_feedback_shows_the_messages_and_never_a_hidden_test(cohort, capsys):
    import html
    import re

    root = cohort["root"]
    assert cli.main(["feedback", LESSON, "--course", str(root)]) == 0
    hidden = hidden_test_lines(
        nbformat.read(root / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4))
    assert hidden, "the lesson has no hidden tests"
    pages = {}
    for student in CASES:
        path = root / "feedback" / student / LESSON / f"{LESSON}.html"
        pages[student] = html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))
    for student, text in pages.items():
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{student}'s feedback shows hidden tests: {leaked[:3]}"
    # The search itself works: the visible half of a test cell is there.
    assert 'check("mul_backward", mul_backward)' in pages["blank"]
    assert SWAPPED.message in pages["env_cheat"]
    assert UNFOLLOWABLE + "3, line 8 uses a change to the imported np." in pages["patcher"]
    assert "not a readable notebook" in pages["stale"]
    assert "not written yet" in pages["blank"]
