"""A failure of the grader itself is never a student's 0 (issue 17, item 1, first part).

When the sandbox or the notebook's kernel can't start (here: a job allowed a single
process, so the runner can't start its kernel, as on a machine at its process limit), the
submission is not written to the gradebook, `autograde` says what went wrong and how to fix
it, and exits non-zero; graded again once the cause is gone, it gets its real score.
An ordinary user's process limit counts everything the user runs: the job gets its own
share on top (`nproc_limit`), so an unprivileged instructor who already runs 200 threads
grades the class in the sandbox (a real user, created for the test, and a real process
holding the threads).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop.course import cli
from backprop.course.sandbox.bubblewrap import Limits, _tasks_of, nproc_limit
from tests.conftest import ROOT, needs_sandbox

LESSON = "01_chain_rule"


def test_an_ordinary_users_job_gets_its_processes_on_top_of_the_users(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    running = _tasks_of(os.getuid())
    assert running >= 1  # this test's own process, at least
    limit = nproc_limit(Limits(processes=128), own_uid=False)
    assert running + 128 <= limit <= running + 128 + 64  # others may start meanwhile
    assert nproc_limit(Limits(processes=128), own_uid=True) == 128  # a uid of its own


@pytest.mark.slow
@needs_sandbox
def test_a_sandbox_that_cannot_start_records_nothing(tmp_path, capsys):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for top in ("solutions", "lessons"):
        shutil.copytree(ROOT / top / LESSON, root / top / LESSON)
    nb = nbformat.read(root / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    folder = root / "submitted" / "ann" / LESSON
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{LESSON}.ipynb")

    code = cli.main(["autograde", LESSON, "--course", str(root), "--processes", "1",
                     "--cell-timeout", "10"])
    out, err = capsys.readouterr()
    assert code == 3
    assert "ann 01_chain_rule: NOT GRADED, a problem of the grader, not of the submission" in out
    assert "NOT GRADED: 1 submission(s), because the grader failed, not the student" in err
    assert "kernel could not start" in err or "runner stopped before" in err
    assert "ulimit -u" in err
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="backprop-workbook") as gb:
        assert gb.assignment_submissions(LESSON) == []  # no 0 recorded
    assert not (root / "autograded" / "ann").exists()

    # Once the cause is gone, the same submission gets its real score.
    assert cli.main(["autograde", LESSON, "--course", str(root), "--cell-timeout", "10"]) == 0
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="backprop-workbook") as gb:
        (sub,) = gb.assignment_submissions(LESSON)
        assert sub.score == sub.max_score > 0


# ---------------------------------------------------------------------------------
# An ordinary user on a busy machine (a desktop with a browser open) grades the class
# ---------------------------------------------------------------------------------

USER = "backprop-ci"  # created for this test when it is missing (needs root)
BUSY_THREADS = 200
BUSY = f'''
import threading, time
stop = threading.Event()
threads = [threading.Thread(target=stop.wait, daemon=True) for _ in range({BUSY_THREADS})]
for t in threads:
    t.start()
print("ready", flush=True)
time.sleep(600)
'''


def _as_user(uid: int, gid: int) -> list[str]:
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--"]


def _ordinary_user() -> tuple[int, int]:
    import pwd

    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", USER], check=True)
        entry = pwd.getpwnam(USER)
    return entry.pw_uid, entry.pw_gid


@pytest.mark.slow
@needs_sandbox
def test_an_ordinary_user_who_runs_200_threads_grades_the_class():
    if os.geteuid() != 0:
        pytest.skip("needs root, to start the grader as an unprivileged user")
    uid, gid = _ordinary_user()
    as_user = _as_user(uid, gid)
    # The user must be able to run this environment's interpreter, and start it again (the
    # grader runs nbgrader's alembic and the sandbox's runner by their paths).
    reachable = subprocess.run(
        [*as_user, sys.executable, "-c", "import subprocess, sys; import backprop.course; "
         "subprocess.run([sys.executable, '-c', 'pass'], check=True)"],
        capture_output=True, text=True, check=False)
    if reachable.returncode != 0:
        why = (f"{sys.executable} can't be run by an unprivileged user (an interpreter under "
               "/root?): build the venv from a system python, as .ci/run does. "
               + reachable.stderr[-300:])
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    root = Path(tempfile.mkdtemp(prefix="backprop-user-course-", dir="/tmp"))
    busy = None
    try:
        shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
        for top in ("solutions", "lessons"):
            shutil.copytree(ROOT / top / LESSON, root / top / LESSON)
        nb = nbformat.read(root / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
        folder = root / "submitted" / "ann" / LESSON
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{LESSON}.ipynb")
        for path in [root, *root.rglob("*")]:
            os.chown(path, uid, gid, follow_symlinks=False)
        # The user already runs 200 threads: more than a job's 128 processes on their own.
        busy = subprocess.Popen([*as_user, sys.executable, "-c", BUSY], stdout=subprocess.PIPE,
                                text=True, start_new_session=True)
        assert busy.stdout.readline().strip() == "ready"
        assert _tasks_of(uid) > BUSY_THREADS
        graded = subprocess.run(
            [*as_user, sys.executable, "-m", "backprop.course.cli", "autograde", LESSON,
             "--course", str(root), "--cell-timeout", "10", "--jobs", "1"],
            capture_output=True, text=True, check=False, cwd=root,
            env={"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                 "HOME": str(root), "LANG": "C.UTF-8"}, timeout=600)  # the venv, activated
        assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-2000:]
        assert "in a bubblewrap sandbox" in graded.stdout
        assert "NOT GRADED" not in graded.stdout + graded.stderr
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="backprop-workbook") as gb:
            (sub,) = gb.assignment_submissions(LESSON)
            assert sub.score == sub.max_score > 0
    finally:
        if busy is not None:  # stopped by its own PID (its session: setpriv execs python)
            os.killpg(busy.pid, signal.SIGKILL)
            busy.wait()
        shutil.rmtree(root, ignore_errors=True)
