"""Run one grading job (a learner's notebook) inside bubblewrap, with resource limits.

The instructor's side of autograding: `run_job(job_dir, ...)` starts
`python -m backprop.course.sandbox.runner JOB_DIR` in a sandbox where the learner's code

- has no network: a private network namespace holds only the loopback interface, which
  the Jupyter kernel needs for its ZMQ sockets;
- sees the system (/usr, /etc, ...), the Python environment and the `backprop` package
  read-only, and nothing else of the course folder: solutions/, gradebook.db, submitted/,
  autograded/ and other jobs are hidden under an empty tmpfs;
- can write only to its job folder (also its HOME and working directory) and a private /tmp;
- runs as an unprivileged uid, one per parallel slot (60000 + slot), under limits on CPU
  time, address space, processes and file size;
- is killed whole, with every process it started, at the wall timeout and at the end.

How the uid is dropped depends on who runs the grader. As root, bubblewrap sets up the
mounts with root's rights (so an interpreter under /root/.pyenv is reachable) and then
`setpriv` drops to the slot's uid inside, so RLIMIT_NPROC applies (root is exempt from it).
As an ordinary user, bubblewrap creates a user namespace and the job runs as that user.

The job folder's format (job.json, inputs, results) is described in
`backprop.course.sandbox.runner`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import backprop

try:  # POSIX only: on Windows the grader refuses to start with a plain message instead
    import fcntl
    import resource
except ImportError:  # pragma: no cover (exercised by a test that hides them)
    fcntl = resource = None  # type: ignore[assignment]

__all__ = ["JobResult", "Limits", "SandboxUnavailable", "bwrap_path", "run_job"]

BASE_UID = 60000
MAX_SLOTS = 64  # sandbox uids 60000-60063, shared by every grader on the machine
# One lock file per sandbox uid, held by the grader whose job runs as that uid.
UID_LOCKS = Path(tempfile.gettempdir()) / "backprop-sandbox-uids"
TAIL_BYTES = 64 * 1024  # how much of the job's stdout and stderr is kept
# System folders shown read-only inside the sandbox (those that exist on this machine).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
NEEDS_POSIX = (
    "Grading runs each student's code under the operating system's resource limits (the "
    "`resource` module), which this system does not have: grade on Linux, where bubblewrap "
    "also gives the sandbox (on Windows, in WSL2 or a Linux VM). Learners' own checks and "
    "`backprop-course validate` work everywhere.")
INSTALL_HINT = (
    "Grading runs student code inside bubblewrap, which is not installed. Install it with "
    "`sudo apt-get install bubblewrap` (Debian/Ubuntu; `dnf install bubblewrap` on Fedora), "
    "or pass --unsafe to run student code without a sandbox (only for code you trust)."
)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing (or unusable) and unsafe mode was not asked for."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one grading job.

    Attributes:
        cell_timeout: Seconds per notebook cell (interrupt, then kill and restart the kernel).
        wall_timeout: Seconds for the whole job; then every process of the job is killed.
        cpu_seconds: RLIMIT_CPU, per process.
        memory_bytes: RLIMIT_AS, per process (numpy and the kernel need about 1-2 GB virtual).
        processes: How many processes (threads count) the job may start. Run as root, the
            job has a uid of its own, and this is its RLIMIT_NPROC. Run as an ordinary
            user, the kernel counts every process of the user (a desktop's browser too), so
            the limit is what the user already runs plus this many.
        file_bytes: RLIMIT_FSIZE: the largest file the job may write.
        output_bytes: Cap on the executed notebook's outputs; the rest is dropped with a note.
    """

    cell_timeout: float = 60.0
    wall_timeout: float = 600.0
    cpu_seconds: int = 600
    memory_bytes: int = 4 * 2**30
    processes: int = 128
    file_bytes: int = 256 * 2**20
    output_bytes: int = 2 * 2**20


@dataclass
class JobResult:
    """How the sandboxed runner ended.

    Attributes:
        returncode: The runner's exit status (negative: killed by that signal); None if it
            had to be killed at the wall timeout.
        timed_out: True when the wall timeout killed the job.
        signal: The signal that ended the runner, if any.
        stdout_tail: The last 64 KiB of the job's stdout (kernel and runner messages).
        stderr_tail: The last 64 KiB of its stderr.
        seconds: Wall-clock time of the job, sandbox setup included.
    """

    returncode: int | None
    timed_out: bool
    signal: int | None
    stdout_tail: str
    stderr_tail: str
    seconds: float


def bwrap_path() -> str | None:
    """Where the bubblewrap executable is, or None when it isn't installed."""
    return shutil.which("bwrap")


def run_job(
    job_dir: Path,
    *,
    course: Path,
    limits: Limits,
    slot: int = 0,
    unsafe: bool = False,
) -> JobResult:
    """Run `python -m backprop.course.sandbox.runner JOB_DIR` in the sandbox and wait for it.

    Args:
        job_dir: The job's scratch folder, holding job.json, the notebook and its inputs.
            The job may write only here; the runner writes results and executed.ipynb here.
        course: The course folder, hidden from the job (except the backprop package).
        limits: The resource limits.
        slot: The parallel job slot (0, 1, ...): the job runs as uid 60000 + slot, so
            parallel jobs never share a process count nor can signal each other.
        unsafe: Run without bubblewrap (rlimits only) and warn. For trusted code only.

    Returns:
        How the runner ended. The job's own outcome is in JOB_DIR/results (see
        `backprop.course.sandbox.runner`).

    Raises:
        SandboxUnavailable: If bubblewrap is missing and unsafe is False, or the system has
            no POSIX resource limits.
        FileNotFoundError: If job_dir or job_dir/job.json is missing.
    """
    if resource is None or fcntl is None:
        raise SandboxUnavailable(NEEDS_POSIX)
    job_dir = Path(job_dir).resolve()
    if not (job_dir / "job.json").is_file():
        raise FileNotFoundError(f"{job_dir / 'job.json'} is missing: write the job first")
    runner = [sys.executable, "-m", "backprop.course.sandbox.runner", str(job_dir)]
    env = _job_env(job_dir)
    if unsafe:
        warnings.warn(
            "running student code WITHOUT a sandbox (--unsafe): it can read and write "
            "everything you can, including solutions/ and the gradebook",
            stacklevel=2,
        )
        _make_job_dirs(job_dir)
        try:
            return _run(runner, env=env, cwd=job_dir, limits=limits, uid=None)
        finally:
            _defuse(job_dir)
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable(INSTALL_HINT)
    if os.geteuid() != 0:
        return _run_sandboxed(bwrap, runner, job_dir, course, env, limits, uid=None)
    # The slot's uid, or a free one if another grader on this machine holds it: the job
    # starts by killing every process of its uid, which must never be another's job.
    with _claim_uid(slot) as uid:
        return _run_sandboxed(bwrap, runner, job_dir, course, env, limits, uid=uid)


def _run_sandboxed(bwrap: str, runner: list[str], job_dir: Path, course: Path,
                   env: dict[str, str], limits: Limits, *, uid: int | None) -> JobResult:
    _make_job_dirs(job_dir)
    if uid is not None:
        _chown_tree(job_dir, uid)
        _kill_uid(uid)  # nothing left over from an earlier job may share the slot
    command = [bwrap, *_bwrap_args(job_dir, Path(course).resolve(), env, root=uid is not None)]
    if uid is not None:
        command += [
            shutil.which("setpriv") or "/usr/bin/setpriv",
            f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
        ]
    command += runner
    try:
        # bwrap itself gets the clean environment too: as pid 1 of the sandbox, its
        # /proc/1/environ would otherwise show the grader's variables to the job.
        return _run(command, env=env, cwd=job_dir, limits=limits, uid=uid)
    finally:
        if uid is not None:
            _kill_uid(uid)
        _defuse(job_dir)


@contextlib.contextmanager
def _claim_uid(slot: int) -> Iterator[int]:
    """Hold a machine-wide lock on a sandbox uid while a job runs as it.

    Graders running at once (two courses, a benchmark beside the tests) would otherwise
    use the same slot uids and kill each other's jobs. The slot's own uid is preferred;
    when another process holds it, the next free one of the MAX_SLOTS uids is taken, and
    when all are held, the job waits for its own.
    """
    folder = UID_LOCKS
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise SandboxUnavailable(f"{folder} is not a folder of this user: remove it.")
    candidates = [BASE_UID + (slot + k) % MAX_SLOTS for k in range(MAX_SLOTS)]
    for blocking in (False, True):
        for uid in candidates[:1] if blocking else candidates:
            handle = open(folder / f"{uid}.lock", "a")  # noqa: SIM115 (held while yielding)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield uid
                return
            finally:
                handle.close()  # releases the lock


def _defuse(job_dir: Path) -> None:
    """Remove what the job left that could trick the grader reading its files as root.

    A symlink named executed.ipynb could point at solutions/ (it dangles inside the sandbox
    but not outside), and a FIFO would block the reader forever: only regular files and
    folders stay.
    """
    for dirpath, dirnames, filenames in os.walk(job_dir):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            mode = os.lstat(path).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                os.unlink(path)


def _job_env(job_dir: Path) -> dict[str, str]:
    """The job's whole environment: nothing of the grader's (no NBGRADER_EXECUTION, no secrets)."""
    home = str(job_dir)
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",  # the learner's ~/.local must not shadow packages
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{home}/.config/matplotlib",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "XDG_CACHE_HOME": f"{home}/.cache",
        "JUPYTER_PLATFORM_DIRS": "1",
        "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
        "JUPYTER_DATA_DIR": f"{home}/.local/share/jupyter",
        "JUPYTER_RUNTIME_DIR": f"{home}/.local/share/jupyter/runtime",
        "IPYTHONDIR": f"{home}/.ipython",
        "TMPDIR": "/tmp",
    }


def _make_job_dirs(job_dir: Path) -> None:
    """The writable folders the kernel, Jupyter and matplotlib expect to exist."""
    for sub in (".config/matplotlib", ".cache", ".jupyter", ".local/share/jupyter/runtime",
                ".ipython"):
        (job_dir / sub).mkdir(parents=True, exist_ok=True)


def _chown_tree(folder: Path, uid: int) -> None:
    os.chown(folder, uid, uid)
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)


def _bind_sources() -> list[Path]:
    """Read-only folders the runner needs: the Python installation(s) and the package."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
             Path(sys.base_exec_prefix), Path(backprop.__file__).resolve().parent}
    # A venv's python is often a symlink into another installation (pyenv, /usr).
    paths.add(Path(os.path.realpath(sys.executable)).parent.parent)
    return sorted(p for p in paths if p.exists())


def _bwrap_args(job_dir: Path, course: Path, env: dict[str, str], *, root: bool) -> list[str]:
    """The options of bubblewrap: namespaces, the filesystem view and the environment."""
    args = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if root:
        # Root sets up the mounts with its own rights; setpriv then drops to the slot uid,
        # which needs these two capabilities (and drops them all after).
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    else:
        args += ["--unshare-user"]
    # Mounts apply in order, so a folder's mount must come before mounts inside it: sort
    # by depth. The course's tmpfs hides everything of it that isn't mounted back on top.
    mounts: list[tuple[Path, list[str]]] = []
    for name in SYSTEM_PATHS:
        path = Path(name)
        if path.is_symlink():
            mounts.append((path, ["--symlink", os.readlink(path), name]))
        elif path.is_dir():
            mounts.append((path, ["--ro-bind", name, name]))
    mounts.append((Path("/tmp"), ["--perms", "1777", "--tmpfs", "/tmp"]))
    mounts.append((course, ["--perms", "0755", "--tmpfs", str(course)]))
    for path in _bind_sources():
        if path not in {m[0] for m in mounts}:  # e.g. a system python: /usr is already there
            mounts.append((path, ["--ro-bind", str(path), str(path)]))
    mounts.append((job_dir, ["--bind", str(job_dir), str(job_dir)]))
    # bwrap creates missing parents of mount points as 0700 root folders, which the slot's
    # uid couldn't traverse: create them first, world-readable.
    targets = {path for path, _ in mounts}
    parents = {parent for path in targets for parent in path.parents} - targets - {Path("/")}
    mounts += [(parent, ["--perms", "0755", "--dir", str(parent)]) for parent in parents]
    mounts.sort(key=lambda m: (len(m[0].parts), str(m[0])))
    for _, option in mounts:
        args += option
    args += ["--proc", "/proc", "--dev", "/dev", "--chdir", str(job_dir), "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args + ["--"]


def _tasks_of(uid: int) -> int:
    """How many threads the processes of this (real) uid run: what RLIMIT_NPROC counts."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", "rb") as f:
                fields = dict(line.split(b":", 1) for line in f.read().splitlines()
                              if b":" in line)
            if int(fields[b"Uid"].split()[0]) == uid:
                count += int(fields[b"Threads"])
        except (OSError, KeyError, ValueError, IndexError):  # a process that just ended
            continue
    return count


def nproc_limit(limits: Limits, *, own_uid: bool) -> int:
    """The RLIMIT_NPROC that gives the job `limits.processes` processes of its own.

    With a uid of its own (root drops to the slot's uid) that is the number itself. As an
    ordinary user, the count is the user's: the job gets what the user already runs on top,
    so that a busy desktop doesn't stop the sandbox from starting (the job's own share is
    still capped; what the user starts meanwhile comes out of the job's share).
    """
    if own_uid or os.geteuid() == 0:
        return limits.processes
    return _tasks_of(os.getuid()) + limits.processes


def _rlimits(limits: Limits, *, own_uid: bool = True) -> dict[int, int]:
    return {
        resource.RLIMIT_CPU: limits.cpu_seconds,
        resource.RLIMIT_AS: limits.memory_bytes,
        resource.RLIMIT_NPROC: nproc_limit(limits, own_uid=own_uid),
        resource.RLIMIT_FSIZE: limits.file_bytes,
        resource.RLIMIT_CORE: 0,
    }


def _prlimit_prefix(limits: Limits, *, own_uid: bool = True) -> list[str] | None:
    """`prlimit --cpu=... --` to set the rlimits at exec: unlike preexec_fn, thread-safe."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return None
    names = {resource.RLIMIT_CPU: "cpu", resource.RLIMIT_AS: "as", resource.RLIMIT_NPROC: "nproc",
             resource.RLIMIT_FSIZE: "fsize", resource.RLIMIT_CORE: "core"}
    return [prlimit, *(f"--{names[k]}={v}:{v}"
                       for k, v in _rlimits(limits, own_uid=own_uid).items()), "--"]


def _limit_setter(limits: Limits, *, own_uid: bool = True) -> Callable[[], None]:
    """A preexec function that sets the job's rlimits in the child (when prlimit is missing)."""
    values = _rlimits(limits, own_uid=own_uid)

    def set_limits() -> None:
        for which, value in values.items():
            resource.setrlimit(which, (value, value))

    return set_limits


class _Tail:
    """Drains a pipe in a thread, keeping only its last bytes (a job may print gigabytes)."""

    def __init__(self, stream) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream) -> None:
        while chunk := stream.read1(65536):
            self._chunks.append(chunk)
            self._size += len(chunk)
            while self._size - len(self._chunks[0]) >= TAIL_BYTES:
                self._size -= len(self._chunks.popleft())
        stream.close()

    def text(self) -> str:
        self._thread.join(timeout=5)
        data = b"".join(self._chunks)[-TAIL_BYTES:]
        return data.decode("utf-8", errors="replace")


def _run(command: list[str], *, env: dict[str, str] | None, cwd: Path, limits: Limits,
         uid: int | None) -> JobResult:
    """Start the command in its own session, wait up to the wall timeout, kill it all after."""
    start = time.monotonic()
    prefix = _prlimit_prefix(limits, own_uid=uid is not None)
    proc = subprocess.Popen(
        [*(prefix or []), *command], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=None if prefix else _limit_setter(limits, own_uid=uid is not None),
    )
    out, err = _Tail(proc.stdout), _Tail(proc.stderr)
    timed_out = False
    try:
        proc.wait(timeout=limits.wall_timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        # bwrap's pid namespace dies with its first process, taking every process of the
        # job with it; the session kill covers unsafe mode.
        _kill_group(proc.pid)
        if uid is not None:
            _kill_uid(uid)
        proc.wait()
    code = None if timed_out else proc.returncode
    return JobResult(
        returncode=code,
        timed_out=timed_out,
        signal=-code if code is not None and code < 0 else None,
        stdout_tail=out.text(),
        stderr_tail=err.text(),
        seconds=time.monotonic() - start,
    )


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_uid(uid: int) -> None:
    """SIGKILL every process of this uid, until none is left (forks may race the kill)."""
    for _ in range(50):
        pids = [pid for pid in _pids_of(uid) if pid != os.getpid()]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.02)


def _pids_of(uid: int) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid != uid:
                    continue
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    state = f.read().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != b"Z":  # a zombie is already dead; its parent reaps it
                pids.append(int(entry.name))
    return pids


def check_available(*, unsafe: bool = False) -> None:
    """Refuse to grade when the sandbox can't run, unless unsafe mode was asked for.

    Args:
        unsafe: The grader was told to run without a sandbox: only warn.

    Raises:
        SandboxUnavailable: If bubblewrap is missing or cannot create its namespaces here,
            or (even with `unsafe`) the system has no POSIX resource limits (Windows).
    """
    if resource is None or fcntl is None:
        raise SandboxUnavailable(NEEDS_POSIX)  # even --unsafe can't limit a job here
    if unsafe:
        return
    problem = _sandbox_problem()
    if problem is not None:
        raise SandboxUnavailable(problem)


@functools.cache
def _sandbox_problem() -> str | None:
    bwrap = bwrap_path()
    if bwrap is None:
        return INSTALL_HINT
    userns = [] if os.geteuid() == 0 else ["--unshare-user"]
    probe = subprocess.run(
        [bwrap, *userns, "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--proc",
         "/proc", "--dev", "/dev", "--", "true"],
        capture_output=True, text=True, timeout=30, check=False,
    )
    if probe.returncode != 0:
        return (f"bubblewrap ({bwrap}) is installed but cannot create a sandbox here: "
                f"{probe.stderr.strip()}. Unprivileged user namespaces may be disabled "
                "(sysctl kernel.unprivileged_userns_clone=1), or pass --unsafe.")
    return None
