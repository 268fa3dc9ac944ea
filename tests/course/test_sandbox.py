"""The grading sandbox: real jobs, run in bubblewrap, probing what student code can reach.

Each test writes a small notebook into a job folder, runs it with `run_job` as the
autograder does, and reads what the notebook printed from executed.ipynb. Where a probe
must be able to fail, the test first shows that the same action works outside the sandbox.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest

from backprop import grading
from backprop.course.sandbox import bubblewrap as sandbox
from backprop.course.sandbox import wire
from backprop.course.sandbox.bubblewrap import Limits, SandboxUnavailable, run_job
from tests.conftest import ROOT, stray_sandbox_processes

pytestmark = pytest.mark.slow

# Without bwrap: skip with the reason on a workstation; in CI (which installs it) the tests
# run and fail.
needs_bwrap = pytest.mark.skipif(
    sandbox.bwrap_path() is None and not os.environ.get("CI"),
    reason="bubblewrap is not installed (sudo apt-get install bubblewrap)",
)

FAST = Limits(cell_timeout=20, wall_timeout=120)
PROBE = '''
import json, os
def attempt(action):
    try:
        action()
        return "ok"
    except BaseException as exc:
        return type(exc).__name__
'''


def make_job(folder: Path, cells: list[str], *, exercises=(), quiz=(), cell_timeout=20,
             output_bytes=2 * 2**20) -> Path:
    """A job folder as the autograder writes it: notebook, job.json and the inputs."""
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, folder / "submission.ipynb")
    wire.dump({ex_id: {part: [c.args for c in grading.cases_for(ex_id, hidden=part == "hidden")]
                       for part in ("visible", "hidden")} for ex_id, _ in exercises},
              folder, "inputs")
    job = {"notebook": "submission.ipynb",
           "exercises": [{"id": ex_id, "function": fn} for ex_id, fn in exercises],
           "quiz": list(quiz), "cell_timeout": cell_timeout, "output_bytes": output_bytes}
    (folder / "job.json").write_text(json.dumps(job), encoding="utf-8")
    return folder


def results(job: Path) -> dict:
    return wire.load(job, "results", max_bytes=2**26)


def printed(job: Path, index: int) -> str:
    """The stdout text of one executed cell."""
    nb = nbformat.read(job / "executed.ipynb", as_version=4)
    return "".join(o.get("text", "") for o in nb.cells[index].outputs
                   if o.output_type == "stream" and o.name == "stdout")


def printed_json(job: Path, index: int) -> dict:
    text = printed(job, index).strip().splitlines()
    assert text, f"cell {index} printed nothing: {results(job)['cells']}"
    return json.loads(text[-1])


def _host_address() -> str | None:
    """This machine's own non-loopback address (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def _slot_pids(slot: int) -> list[str]:
    """What the job of this slot left running: processes of the sandbox uids no grader holds
    (the job may have run as another uid than the slot's, when another grader held that)."""
    return stray_sandbox_processes() if os.geteuid() == 0 else []


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder with an instructor's secrets and another student's files."""
    root = tmp_path / "course"
    (root / "solutions" / "01_x").mkdir(parents=True)
    (root / "solutions" / "01_x" / "01_x.ipynb").write_text("SECRET SOLUTION")
    (root / "gradebook.db").write_text("SECRET GRADES")
    (root / "submitted" / "bob" / "01_x").mkdir(parents=True)
    (root / "submitted" / "bob" / "01_x" / "01_x.ipynb").write_text("BOB'S WORK")
    return root


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@needs_bwrap
def test_no_network_but_loopback(tmp_path, course):
    server = socket.create_server(("0.0.0.0", 0))
    port = server.getsockname()[1]
    host = _host_address()
    threading.Thread(target=lambda: [server.accept() for _ in range(2)], daemon=True).start()
    if host:  # the probe can fail: outside the sandbox, this connection works
        socket.create_connection((host, port), timeout=5).close()
    cells = [PROBE + f'''
import socket
def connect(address):
    socket.create_connection(address, timeout=3).close()
def loopback():
    s = socket.create_server(("127.0.0.1", 0)); socket.create_connection(s.getsockname()).close()
print(json.dumps({{"public": attempt(lambda: connect(("1.1.1.1", 53))),
                  "host": attempt(lambda: connect(({host!r}, {port}))) if {host!r} else "none",
                  "dns": attempt(lambda: socket.getaddrinfo("example.com", 80)),
                  "loopback": attempt(loopback)}}))
''']
    job = make_job(course / "autograded" / ".jobs" / "alice", cells)
    result = run_job(job, course=course, limits=FAST)
    server.close()
    assert result.returncode == 0, result.stderr_tail
    seen = printed_json(job, 0)
    assert seen["public"] != "ok" and seen["dns"] != "ok"
    assert seen["host"] != "ok"
    assert seen["loopback"] == "ok"  # the kernel's own ZMQ sockets need it


@needs_bwrap
def test_cannot_read_or_write_outside_the_job(tmp_path, course):
    other_job = course / "autograded" / ".jobs" / "bob"
    other_job.mkdir(parents=True)
    (other_job / "results.json").write_text("BOB'S RESULTS")
    outside = tmp_path / "grader-scratch.txt"
    outside.write_text("GRADER")
    before = _snapshot(course)
    cells = [PROBE + f'''
course, other, outside = {str(course)!r}, {str(other_job)!r}, {str(outside)!r}
def read(path):
    return open(path).read()
def write(path):
    with open(path, "a") as f:
        f.write("HACKED")
print(json.dumps({{
    "course_listing": sorted(os.listdir(course)),
    "solution": attempt(lambda: read(course + "/solutions/01_x/01_x.ipynb")),
    "gradebook": attempt(lambda: read(course + "/gradebook.db")),
    "bob": attempt(lambda: read(course + "/submitted/bob/01_x/01_x.ipynb")),
    "other_job": attempt(lambda: read(other + "/results.json")),
    "repo_solutions": attempt(lambda: os.listdir({str(ROOT / "solutions")!r})),
    "outside_tmp": attempt(lambda: read(outside)),
    "write_gradebook": attempt(lambda: write(course + "/gradebook.db")),
    "write_course": attempt(lambda: write(course + "/new.txt")),
    "write_package": attempt(lambda: write({str(ROOT / "backprop" / "grading" / "judge.py")!r})),
    "write_tmp": attempt(lambda: write(outside)),
    "write_root_home": attempt(lambda: write("/root/escape.txt")),
    "write_job": attempt(lambda: write("mine.txt")),
    "import_backprop": attempt(lambda: __import__("backprop.grading")),
    "link": attempt(lambda: os.symlink(course + "/gradebook.db", "executed-link.ipynb")),
    "fifo": attempt(lambda: os.mkfifo("results-fifo.json")),
}}))
''']
    job = make_job(course / "autograded" / ".jobs" / "alice", cells)
    package = _snapshot(ROOT / "backprop")
    result = run_job(job, course=course, limits=FAST)
    assert result.returncode == 0, result.stderr_tail
    seen = printed_json(job, 0)
    # Only the path down to the job folder exists: everything else of the course is hidden.
    assert seen.pop("course_listing") == ["autograded"]
    assert seen.pop("import_backprop") == "ok"
    assert seen.pop("write_job") == "ok"
    assert seen.pop("link") == seen.pop("fifo") == "ok"
    # ... but the grader, reading as root outside, never meets them
    assert not os.path.lexists(job / "executed-link.ipynb")
    assert not os.path.lexists(job / "results-fifo.json")
    assert all(v != "ok" for v in seen.values()), seen
    after = _snapshot(course)
    assert after.pop("autograded/.jobs/alice/mine.txt") == b"HACKED"
    assert {k: v for k, v in after.items() if "alice" not in k} == \
        {k: v for k, v in before.items() if "alice" not in k}
    assert outside.read_text() == "GRADER"
    assert not Path("/root/escape.txt").exists()
    assert _snapshot(ROOT / "backprop") == package


@needs_bwrap
def test_grader_environment_is_invisible(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("BACKPROP_TEST_SECRET", "hunter2")
    cells = ['''
import os, glob, json
seen = dict(os.environ)
for path in glob.glob("/proc/[0-9]*/environ"):
    try:
        seen[path] = open(path, "rb").read().decode(errors="replace")
    except OSError:
        pass
print(json.dumps(seen))
''']
    job = make_job(tmp_path / "job", cells)
    result = run_job(job, course=tmp_path, limits=FAST)
    assert result.returncode == 0, result.stderr_tail
    text = printed(job, 0)
    assert "hunter2" not in text and "autograde" not in text
    assert "BACKPROP_TEST_SECRET" not in text and "NBGRADER" not in text


@needs_bwrap
def test_memory_processes_and_file_size_are_limited(tmp_path):
    limits = Limits(cell_timeout=30, wall_timeout=120, memory_bytes=3 * 2**30, processes=64,
                    file_bytes=16 * 2**20)
    cells = [
        PROBE + 'print(json.dumps({"memory": attempt(lambda: bytearray(4 * 2**30))}))',
        PROBE + '''
import signal, time
children, error = [], None
for _ in range(500):
    try:
        pid = os.fork()
    except OSError as exc:
        error = type(exc).__name__
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(json.dumps({"forked": len(children), "error": error}))
''',
        PROBE + '''
def big():
    with open("big.bin", "wb") as f:
        for _ in range(64):
            f.write(b"x" * 2**20)
print(json.dumps({"file": attempt(big), "size": os.path.getsize("big.bin")}))
''',
    ]
    job = make_job(tmp_path / "job", cells)
    result = run_job(job, course=tmp_path, limits=limits)
    assert result.returncode == 0, result.stderr_tail
    assert printed_json(job, 0) == {"memory": "MemoryError"}
    forks = printed_json(job, 1)
    assert forks["error"] == "BlockingIOError" and 0 < forks["forked"] < 64
    assert printed_json(job, 2) == {"file": "OSError", "size": 16 * 2**20}


@needs_bwrap
def test_cpu_limit_kills_a_busy_kernel_and_the_rest_still_runs(tmp_path):
    cells = ["x = 41", "while True:\n    pass", "print(x + 1)"]
    job = make_job(tmp_path / "job", cells, cell_timeout=60)
    start = time.monotonic()
    result = run_job(job, course=tmp_path, limits=Limits(cpu_seconds=4, cell_timeout=60))
    assert time.monotonic() - start < 40  # the CPU limit, not the 60 s cell timeout, stopped it
    assert result.returncode == 0, result.stderr_tail
    cells_run = results(job)["cells"]
    assert cells_run[1]["died"] and not cells_run[0]["died"] and not cells_run[2]["died"]
    assert printed(job, 2) == "42\n"  # the kernel was restarted and cell 0 replayed


@needs_bwrap
def test_wall_timeout_kills_everything(tmp_path):
    cells = ['''
import signal, subprocess, sys, time
code = ("import signal, time\\n"
        "for s in (signal.SIGTERM, signal.SIGINT): signal.signal(s, signal.SIG_IGN)\\n"
        "time.sleep(1000)")
subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    time.sleep(0.1)
''']
    job = make_job(tmp_path / "job", cells, cell_timeout=60)
    start = time.monotonic()
    result = run_job(job, course=tmp_path, limits=Limits(wall_timeout=6), slot=1)
    assert result.timed_out and result.returncode is None
    assert time.monotonic() - start < 12
    assert _slot_pids(1) == []


@needs_bwrap
def test_stuck_and_dead_kernels_are_restarted(tmp_path):
    cells = [
        "y = 2",
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        "import os\nos._exit(1)",
        "print(y * 21)",
    ]
    job = make_job(tmp_path / "job", cells, cell_timeout=2)
    result = run_job(job, course=tmp_path, limits=FAST)
    assert result.returncode == 0, result.stderr_tail
    records = {c["index"]: c for c in results(job)["cells"]}
    assert records[1]["timed_out"] and records[1]["died"]
    assert records[2]["died"] and not records[2]["timed_out"]
    assert not records[3]["died"] and records[3]["error"] is None
    assert printed(job, 3) == "42\n"


@needs_bwrap
def test_background_process_does_not_outlive_the_job(tmp_path):
    cells = ['''
import subprocess, sys
beat = "import time\\nwhile True:\\n    open('heartbeat', 'a').write('.')\\n    time.sleep(0.1)"
subprocess.Popen([sys.executable, "-c", beat], start_new_session=True)
import time; time.sleep(0.5)
''']
    job = make_job(tmp_path / "job", cells)
    result = run_job(job, course=tmp_path, limits=FAST, slot=2)
    assert result.returncode == 0, result.stderr_tail
    size = (job / "heartbeat").stat().st_size
    assert size > 0  # it ran while the job did
    time.sleep(1)
    assert (job / "heartbeat").stat().st_size == size
    assert _slot_pids(2) == []


@needs_bwrap
def test_outputs_are_capped(tmp_path):
    cells = ["print('x' * 5_000_000)", "print('after')"]
    job = make_job(tmp_path / "job", cells, output_bytes=100_000)
    result = run_job(job, course=tmp_path, limits=FAST)
    assert result.returncode == 0, result.stderr_tail
    assert (job / "executed.ipynb").stat().st_size < 200_000
    nb = nbformat.read(job / "executed.ipynb", as_version=4)
    assert "[output truncated by the grader]" in json.dumps(nb.cells[0].outputs)


MUL = "def mul_backward(dout, cache):\n    x, y = cache\n    return dout * y, dout * x"
LOOPING_TANH = "def tanh_backward(*args):\n    while True:\n        pass"
OBJECT_DSIN = "def dsin_square(x):\n    return object()"


@needs_bwrap
def test_extraction_hands_back_plain_data_for_the_judge(tmp_path):
    cells = [MUL, LOOPING_TANH, OBJECT_DSIN,
             "import numpy as np\nnp.allclose = lambda *a, **k: True", "q1 = 'c'\nq2 = ['a']"]
    exercises = [("mul_backward", "mul_backward"), ("tanh_backward", "tanh_backward"),
                 ("dsin_square", "dsin_square"), ("neuron_backward", "neuron_backward")]
    job = make_job(tmp_path / "job", cells, exercises=exercises, quiz=["q1", "q2", "q3"],
                   cell_timeout=3)
    result = run_job(job, course=tmp_path, limits=FAST)
    assert result.returncode == 0, result.stderr_tail
    got = results(job)
    assert got["quiz"] == {"q1": "c", "q2": None, "q3": None}
    ex = got["exercises"]
    assert grading.judge("mul_backward", [grading.Outcome(**{**o, "mutated": tuple(o["mutated"])})
                                          for o in ex["mul_backward"]["hidden"]],
                         hidden=True).passed
    assert "ran past the time limit" in ex["tanh_backward"]["missing"]
    # An object wire can't carry comes back as its description, judged as a wrong type.
    dsin = [grading.outcome_from_data(o) for o in ex["dsin_square"]["visible"]]
    verdict = grading.judge("dsin_square", dsin, hidden=False)
    assert not verdict.passed and "dfdx should be a number, but it is a object" in verdict.message
    assert ex["neuron_backward"] == {
        "missing": "no function named neuron_backward is defined "
                   "(did its cell run without errors?)"}


def test_unsafe_mode_runs_and_warns(tmp_path):
    job = make_job(tmp_path / "job", ["print(6 * 7)"])
    with pytest.warns(UserWarning, match="WITHOUT a sandbox"):
        result = run_job(job, course=tmp_path, limits=FAST, unsafe=True)
    assert result.returncode == 0, result.stderr_tail
    assert printed(job, 0) == "42\n"


def test_missing_bwrap_refuses_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on this PATH
    job = make_job(tmp_path / "job", ["print(1)"])
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        run_job(job, course=tmp_path, limits=FAST)


def test_graders_running_at_once_never_share_a_uid():
    # Each job kills every process of its uid when it starts: two graders on one machine
    # (a benchmark beside the tests) must not get the same one.
    with sandbox._claim_uid(0) as first, sandbox._claim_uid(0) as second:
        assert first != second
        assert {first, second} <= set(range(sandbox.BASE_UID,
                                            sandbox.BASE_UID + sandbox.MAX_SLOTS))
