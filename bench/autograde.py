"""Autograde a synthetic class with `backprop-course autograde` and with serial nbgrader.

    python bench/autograde.py [--students 40] [--lessons 01_chain_rule,02_single_neuron]
                              [--jobs N] [--cell-timeout 10]

Builds a cohort in a temporary course: every student submits every chosen lesson (all
lessons by default), as one of four kinds in turn: the solution (two of four), the
solution with its first exercise written as a known mistake, and the solution with its
second exercise looping forever (stopped by the cell timeout). It grades the cohort twice:

- with `backprop.course.autograde.autograde` (what `backprop-course autograde` runs): sandboxed,
  `--jobs` submissions at once (default: one per core);
- with `nbgrader autograde LESSON` on a copy, lesson after lesson (nbgrader grades one
  notebook at a time).

It prints notebooks per minute for both and their ratio (goal: >= 2x nbgrader on 2 cores),
and the grader's overhead per notebook: the time one submission takes to grade, minus the
time its lesson's solution notebook takes to execute on its own with nbclient (goal:
<= 1.5 s). Looping submissions are left out of the overhead, since their time is the
timeout. Both graders must agree on every score; the script says so, or exits 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from backprop.course import folders as course
from backprop.course.autograde import autograde
from backprop.course.release import register_lesson
from backprop.course.sandbox.bubblewrap import Limits
from backprop.grading import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("solution", "solution", "mistake", "timeout")


def _replace(nb: nbformat.NotebookNode, name: str, source: str) -> None:
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code" and f"def {name}(" in cell.source:
            cell.source = source
            return
    raise SystemExit(f"no solution cell defines {name}")


def submission(lesson: str, kind: str) -> nbformat.NotebookNode:
    """The solution notebook of `lesson`, changed as a student of this kind would."""
    nb = nbformat.read(ROOT / course.SOURCE / lesson / f"{lesson}.ipynb", as_version=4)
    graded = [ex.id for ex in REGISTRY.values() if ex.lesson == lesson and ex.mistakes]
    if kind == "mistake":
        first = graded[0]
        _replace(nb, first, (
            "from backprop.grading import REGISTRY\n\n"
            f"_mistake = REGISTRY[{first!r}].mistakes[0]\n\n"
            f"def {first}(*args):\n    return _mistake.compute(*args)\n"))
    elif kind == "timeout":
        _replace(nb, graded[1], f"def {graded[1]}(*args):\n    while True:\n        pass\n")
    return nb


def build(root: Path, lessons: list[str], students: int) -> dict[tuple[str, str], str]:
    shutil.copy2(ROOT / course.CONFIG_FILE, root / course.CONFIG_FILE)
    for lesson in lessons:
        shutil.copytree(ROOT / course.SOURCE / lesson, root / course.SOURCE / lesson)
        shutil.copytree(ROOT / course.RELEASE / lesson, root / course.RELEASE / lesson)
    kinds = {}
    for i in range(students):
        student = f"student{i:03d}"
        for lesson in lessons:
            kind = KINDS[i % len(KINDS)]
            folder = root / "submitted" / student / lesson
            folder.mkdir(parents=True)
            nbformat.write(submission(lesson, kind), folder / f"{lesson}.ipynb")
            kinds[(student, lesson)] = kind
    return kinds


def plain_execution(lesson: str) -> float:
    """Seconds to execute the lesson's solution notebook with nbclient, kernel start included."""
    path = ROOT / course.SOURCE / lesson / f"{lesson}.ipynb"
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def nbgrader_scores(root: Path, lessons: list[str], timeout: float) -> tuple[float, dict]:
    """Grade with plain nbgrader, lesson by lesson; return the seconds and every score."""
    from nbgrader.api import Gradebook

    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for lesson in lessons:  # registering the lessons is set-up, not grading: untimed
        subprocess.run(["nbgrader", "generate_assignment", lesson, "--force"], cwd=root,
                       env=env, check=True, capture_output=True)
    start = time.perf_counter()
    for lesson in lessons:
        subprocess.run(["nbgrader", "autograde", lesson, "--force",
                        f"--Execute.timeout={timeout:g}"], cwd=root, env=env, check=True,
                       capture_output=True)
    seconds = time.perf_counter() - start
    scores = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="backprop-workbook") as gb:
        for lesson in lessons:
            for sub in gb.assignment_submissions(lesson):
                scores[(sub.student.id, lesson)] = sub.score
    return seconds, scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--lessons", default="all", help="comma-separated, or 'all'")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cell-timeout", type=float, default=10.0)
    args = parser.parse_args()
    lessons = course.lesson_ids(ROOT) if args.lessons == "all" else args.lessons.split(",")

    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        ours_root, theirs_root = Path(tmp) / "ours", Path(tmp) / "nbgrader"
        ours_root.mkdir()
        kinds = build(ours_root, lessons, args.students)
        shutil.copytree(ours_root, theirs_root)
        n = len(kinds)
        print(f"cohort: {args.students} students x {len(lessons)} lesson(s) = {n} notebooks "
              f"({', '.join(f'{k}: {list(kinds.values()).count(k)}' for k in sorted(set(KINDS)))})"
              f"; cell timeout {args.cell_timeout:g} s; {os.cpu_count()} cores")

        own = {lesson: plain_execution(lesson) for lesson in lessons}
        print("plain execution of each solution notebook: "
              + ", ".join(f"{lesson} {t:.1f} s" for lesson, t in own.items()))

        for lesson in lessons:  # untimed set-up, as for nbgrader below
            register_lesson(ours_root, lesson)
        start = time.perf_counter()
        results = autograde(ours_root, jobs=args.jobs, limits=Limits(
            cell_timeout=args.cell_timeout), log=lambda msg: None)
        ours_s = time.perf_counter() - start
        theirs_s, theirs = nbgrader_scores(theirs_root, lessons, args.cell_timeout)

        ours = {(r.student, r.lesson): r.score for r in results}
        differ = {k: (ours.get(k), theirs.get(k)) for k in kinds if ours.get(k) != theirs.get(k)}
        overhead = [r.seconds - own[r.lesson] for r in results
                    if kinds[(r.student, r.lesson)] != "timeout"]
        rate_ours, rate_theirs = 60 * n / ours_s, 60 * n / theirs_s
        print(f"backprop-course autograde --jobs {args.jobs}: {ours_s:7.1f} s, "
              f"{rate_ours:6.1f} notebooks/min")
        print(f"nbgrader autograde (serial):       {theirs_s:7.1f} s, "
              f"{rate_theirs:6.1f} notebooks/min")
        print(f"ratio (ours / nbgrader, notebooks per minute): {rate_ours / rate_theirs:.2f} "
              "(goal >= 2)")
        print(f"overhead per notebook over its own execution: median "
              f"{statistics.median(overhead):.2f} s, max {max(overhead):.2f} s (goal <= 1.5 s)")
        if differ:
            print(f"the graders disagree on {len(differ)} submission(s), e.g. "
                  f"{list(differ.items())[:3]}")
            sys.exit(1)
        print(f"both graders agree on all {n} scores")


if __name__ == "__main__":
    main()
