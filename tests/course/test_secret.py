"""Hidden cases from a course secret: not computable from the package learners install."""

from __future__ import annotations

import copy
import json
import shutil
import stat
import subprocess

import numpy as np
import pytest

from backprop import grading
from backprop.course.autograde import _write_job, plan_lesson
from backprop.course.folders import CourseError
from backprop.course.sandbox import wire
from backprop.course.sandbox.bubblewrap import Limits
from backprop.course.scoring import judge_results
from backprop.course.secret import SECRET_FILE, course_secret, hidden_seed, secret_path
from backprop.data import load_digits
from backprop.grading.exercise import run
from tests.conftest import ROOT

SECRET = "0123456789abcdef" * 4


def _course(tmp_path, config: str = "") -> object:
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nimport os\nroot = os.path.dirname(os.path.abspath(__file__))\n"
        "c.CourseDirectory.db_url = 'sqlite:///' + os.path.join(root, 'db', 'gradebook.db')\n"
        + config)
    return tmp_path


def test_the_first_grading_creates_it_beside_the_gradebook(tmp_path):
    course = _course(tmp_path)
    with pytest.raises(CourseError, match="autograde"):
        course_secret(course)
    secret = course_secret(course, create=True)
    path = tmp_path / "db" / SECRET_FILE
    assert secret_path(course) == path and path.read_text().strip() == secret
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert course_secret(course, create=True) == secret  # kept, never replaced


def test_nbgrader_config_can_name_it(tmp_path):
    course = _course(tmp_path, "c.BackpropWorkbook.secret_file = 'keys/s.txt'\n")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "s.txt").write_text(SECRET + "\n")
    assert course_secret(course) == SECRET
    (tmp_path / "keys" / "s.txt").write_text("short\n")
    with pytest.raises(CourseError, match="at least 16"):
        course_secret(course)


def test_the_repository_ignores_it():
    for path in (SECRET_FILE, f"some/folder/{SECRET_FILE}"):
        done = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
        assert done.returncode == 0, f"{path} is not git-ignored"


def test_each_exercise_gets_its_own_seed():
    seeds = {hidden_seed(SECRET, e) for e in grading.REGISTRY}
    assert len(seeds) == len(grading.REGISTRY)
    assert hidden_seed(SECRET, "mul_backward") != hidden_seed(SECRET[::-1], "mul_backward")
    assert all(0 <= s < 2**63 for s in seeds)


def _fingerprint(obj):
    """Plain, comparable data for a case's arguments (arrays by their bytes)."""
    if isinstance(obj, np.ndarray):
        return ("array", obj.shape, obj.dtype.str, obj.tobytes())
    if isinstance(obj, list | tuple):
        return tuple(_fingerprint(o) for o in obj)
    if isinstance(obj, dict):
        return tuple(sorted((k, _fingerprint(v)) for k, v in obj.items()))
    return "a function" if callable(obj) else repr(obj)


@pytest.mark.parametrize("exercise_id", [e for e in grading.REGISTRY if e != "train_capstone"])
def test_secret_cases_differ_and_the_reference_still_passes(exercise_id):
    ex = grading.REGISTRY[exercise_id]
    seed = hidden_seed(SECRET, exercise_id)
    public = grading.cases_for(exercise_id, hidden=True)
    drawn = grading.cases_for(exercise_id, hidden=True, seed=seed)
    assert len(drawn) == len(public)
    differ = [_fingerprint(p.args) != _fingerprint(d.args)
              for p, d in zip(public, drawn, strict=True)]
    assert any(differ), "no hidden case depends on the seed"
    outcomes = [grading.Outcome(result=run(ex, ex.reference, copy.deepcopy(c.args)))
                for c in drawn]
    if ex.harness is None:  # a class's outcomes are what the harness makes of it
        assert grading.judge(exercise_id, outcomes, hidden=True, seed=seed).passed


def test_the_grader_sends_secret_cases_and_judges_with_them(tmp_path):
    course = tmp_path / "course"
    for top in ("solutions", "lessons"):
        shutil.copytree(ROOT / top / "01_chain_rule", course / top / "01_chain_rule")
    plan = plan_lesson(course, "01_chain_rule", SECRET)
    assert plan.hidden_seeds["mul_backward"] == hidden_seed(SECRET, "mul_backward")
    job_dir = tmp_path / "job"
    job_dir.mkdir()
    _write_job(plan, copy.deepcopy(plan.release), job_dir, Limits())
    inputs = wire.load(job_dir, "inputs", max_bytes=2**26)
    own = grading.cases_for("mul_backward", hidden=True, seed=plan.hidden_seeds["mul_backward"])
    assert _fingerprint(inputs["mul_backward"]["hidden"]) == _fingerprint([c.args for c in own])
    assert inputs["numerical_derivative"] is None  # holds a function: built in the sandbox
    job = json.loads((job_dir / "job.json").read_text())
    seeds = {e["id"]: e.get("hidden_seed") for e in job["exercises"]}
    assert seeds["numerical_derivative"] == hidden_seed(SECRET, "numerical_derivative")
    assert seeds["mul_backward"] is None  # its inputs travel as data: no seed needed
    # Judged on the secret's cases: the public cases' answers are wrong there.
    ex = grading.REGISTRY["mul_backward"]
    public = [grading.Outcome(result=run(ex, ex.reference, c.args))
              for c in grading.cases_for("mul_backward", hidden=True)]
    scores = judge_results(plan, {"exercises": {"mul_backward": {
        "visible": [grading.outcome_to_data(grading.Outcome(result=run(ex, ex.reference, c.args)))
                    for c in grading.cases_for("mul_backward", hidden=False)],
        "hidden": [grading.outcome_to_data(o) for o in public]}}})
    mul = next(c for c in scores if c.grade_id == "ex3-test")
    assert mul.score == 0.0
    plan.hidden_seeds = {}  # the package's own seeds: the same answers pass
    scores = judge_results(plan, {"exercises": {"mul_backward": {
        "visible": [grading.outcome_to_data(grading.Outcome(result=run(ex, ex.reference, c.args)))
                    for c in grading.cases_for("mul_backward", hidden=False)],
        "hidden": [grading.outcome_to_data(o) for o in public]}}})
    assert next(c for c in scores if c.grade_id == "ex3-test").score == 2.0


@pytest.mark.slow
def test_the_capstones_hidden_images_are_not_rows_of_the_bundled_digits():
    X, _ = load_digits()
    rows = {r.tobytes() for r in X}
    for secret in (SECRET, SECRET[::-1]):
        (case,) = grading.cases_for("train_capstone", hidden=True,
                                    seed=hidden_seed(secret, "train_capstone"))
        X_test = case.args[2]
        assert not any(r.tobytes() in rows for r in X_test)
        assert X_test.min() >= 0 and X_test.max() <= 16
    # the reference keeps its accuracy on them
    (case,) = grading.cases_for("train_capstone", hidden=True,
                                seed=hidden_seed(SECRET, "train_capstone"))
    ex = grading.REGISTRY["train_capstone"]
    outputs = run(ex, ex.reference, case.args)  # (pred, params)
    assert ex.accept(case, tuple(outputs)) is None
