"""Inside the sandbox: execute a learner's notebook, then hand back plain data for grading.

Run as `python -m backprop.course.sandbox.runner JOB_DIR` (by
`backprop.course.sandbox.bubblewrap.run_job`).
Everything it reads and writes is in JOB_DIR:

- `job.json` (written by the grader)::

      {"notebook": "submission.ipynb",
       "exercises": [{"id": "sigmoid_backward", "function": "sigmoid_backward"},
                     {"id": "numerical_derivative", "function": "...", "hidden_seed": 123},
                     ...],
       "quiz": ["q1", "q2"],
       "cell_timeout": 60, "output_bytes": 2097152}

- `inputs` (`backprop.course.sandbox.wire`, written by the grader): {exercise_id:
  {"visible": [args, ...], "hidden": [args, ...]}}, each args a tuple of positional
  arguments; None for an exercise whose inputs hold a function, whose cases are then built
  here (the hidden ones from job.json's `hidden_seed`, drawn from the course secret).
- `results` (`backprop.course.sandbox.wire`, written here)::

      {"exercises": {id: {"visible": [outcome, ...], "hidden": [outcome, ...]}
                         | {"missing": "why there is nothing to judge"}},
       "quiz": {"q1": "b" | 1 | 1.5 | True | [64, 10] | None, ...},
       "cells": [{"index": i, "error": "ZeroDivisionError" | None, "timed_out": bool,
                  "died": bool}, ...]}

  An outcome is `grading.Outcome` as a plain dict: {"result", "error", "not_implemented",
  "mutated" (a list), "used_reference"}. A result that `wire` cannot encode (an object,
  say) becomes result None with error "TypeError: ... cannot be sent to the grader: ...".
- `executed.ipynb`: the notebook with its outputs, capped at output_bytes.

The notebook runs with nbclient, errors allowed. A cell that runs past cell_timeout is
interrupted; if the kernel ignores the interrupt, or dies (os._exit, SIGKILL), it is
restarted, the cells that ran before are replayed silently, and execution goes on with the
next cell. Then, in the same kernel, one extraction cell per exercise (each under
cell_timeout, so a looping function costs only its own exercise) calls the learner's
function on the grader's inputs with `grading.collect`.

Nothing here is trusted by the grader: the learner's code shares this kernel, so results
are untrusted data that the grader validates (`wire.load`) and judges outside.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

# jsonschema (under nbformat) imports the optional rfc3987-syntax package, which compiles a
# grammar for 1.5 s; it checks URI formats no notebook uses. Every job pays the runner's
# start-up, so the package is hidden here: jsonschema then simply skips that format.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402
from jupyter_client.utils import ensure_async  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import DeadKernelError  # noqa: E402
from nbformat import NotebookNode  # noqa: E402

from backprop.course.sandbox import wire  # noqa: E402

TRUNCATED = "[output truncated by the grader]\n"
PHASE_FILE = wire.PHASE_FILE
MAX_RESTARTS = 3  # kernel restarts per job; after that, the remaining cells are skipped
INPUT_BYTES = 256 * 2**20
PART_BYTES = 256 * 2**20
INTERRUPT_GRACE = 3.0  # seconds a kernel gets to answer an interrupt before it is killed


def _seed(value: Any) -> int | None:
    """The hidden cases' seed from job.json: a whole number, or None for the package's own."""
    return value if type(value) is int and value >= 0 else None


class KernelStuck(Exception):
    """The kernel ignored the interrupt sent at the cell timeout.

    Not a CellControlSignal, so nbclient cancels the cell's output poller.
    """


class GradingClient(NotebookClient):
    """A NotebookClient that caps outputs and survives timeouts, stuck and dead kernels."""

    def __init__(self, nb: NotebookNode, *, output_bytes: int, **kw: Any) -> None:
        super().__init__(nb, **kw)
        self.output_budget = output_bytes
        self.output_used = 0
        self.truncated = False
        self.capture = True  # False while replaying or extracting: outputs are dropped
        self.cell_timed_out = False
        self.cell_error: str | None = None

    # --- outputs -----------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):  # noqa: D102 (nbclient's hook)
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or not outs or outs[-1] is not out:
            return out
        if not self.capture:
            outs.pop()
            return None
        size = len(json.dumps(out))
        if self.output_used + size > self.output_budget:
            outs.pop()
            if not self.truncated:
                self.truncated = True
                outs.append(nbformat.v4.new_output("stream", name="stderr", text=TRUNCATED))
            return None
        self.output_used += size
        return out

    # --- errors and timeouts -----------------------------------------------------------
    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        if exec_reply is not None and exec_reply["content"].get("status") == "error":
            self.cell_error = str(exec_reply["content"].get("ename") or "Error")
        return await super()._check_raise_for_error(cell, cell_index, exec_reply)

    async def _async_handle_timeout(self, timeout, cell=None):
        # nbclient would interrupt and then wait forever for a kernel that ignores SIGINT:
        # give it a short grace, then give up on this kernel.
        self.cell_timed_out = True
        await ensure_async(self.km.interrupt_kernel())
        deadline = asyncio.get_running_loop().time() + INTERRUPT_GRACE
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=left))
            except Exception:  # queue.Empty: no reply within the grace
                break
            if msg.get("msg_type") == "execute_reply":
                return msg
        raise KernelStuck(f"the kernel ignored the interrupt after {timeout} s")

    # --- kernel life -------------------------------------------------------------------
    async def start(self) -> None:
        """Start a kernel and its client."""
        self.km = self.create_kernel_manager()
        await self.async_start_new_kernel()
        await self.async_start_new_kernel_client()

    async def restart(self) -> None:
        """Kill the kernel (whatever state it is in) and start a fresh one."""
        try:
            await self._async_cleanup_kernel()
        except Exception:  # a dead kernel may fail to clean up; a new one is what matters
            self.km = None
            self.kc = None
        await self.start()

    async def run_cell(self, cell: NotebookNode, index: int) -> dict[str, Any]:
        """Execute one cell; report its error name, timeout and death. Never raises."""
        self.cell_timed_out, self.cell_error = False, None
        died = False
        try:
            await self.async_execute_cell(cell, index, execution_count=index + 1)
        except (DeadKernelError, KernelStuck):
            died = True
        except Exception as exc:  # noqa: BLE001 (a broken cell must not stop the job)
            self.cell_error = type(exc).__name__
            died = not await ensure_async(self.km.is_alive())
        return {"index": index, "error": self.cell_error, "timed_out": self.cell_timed_out,
                "died": died}

    async def run_scratch(self, source: str) -> dict[str, Any]:
        """Execute code that is not part of the notebook, its outputs dropped."""
        self.nb.cells.append(nbformat.v4.new_code_cell(source))
        index = len(self.nb.cells) - 1
        capture, self.capture = self.capture, False
        try:
            return await self.run_cell(self.nb.cells[index], index)
        finally:
            self.capture = capture
            self.nb.cells.pop()


class Job:
    """One job folder: its settings, the notebook, and what was recorded while running it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        spec = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        self.notebook = folder / spec["notebook"]
        self.exercises: list[dict[str, str]] = list(spec.get("exercises", []))
        self.quiz: list[str] = list(spec.get("quiz", []))
        self.cell_timeout = float(spec.get("cell_timeout", 60))
        self.output_bytes = int(spec.get("output_bytes", 2 * 2**20))
        self.parts = folder / "parts"  # one wire file per extraction, merged at the end
        self.restarts = 0
        self.good_cells: list[int] = []  # cells to replay after a restart

    async def run(self) -> None:
        """Execute, extract, and write results and executed.ipynb."""
        nb = nbformat.read(self.notebook, as_version=4)
        _use_this_python()
        client = GradingClient(
            nb, output_bytes=self.output_bytes, timeout=max(1, round(self.cell_timeout)),
            kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
            shutdown_kernel="immediate", record_timing=False,
            resources={"metadata": {"path": str(self.folder)}},
        )
        self.parts.mkdir(exist_ok=True)
        try:
            await client.start()
        except Exception as exc:  # no kernel: the machine's problem, not the notebook's
            _phase(self.folder, f"no kernel: {type(exc).__name__}: {exc}")
            raise
        _phase(self.folder, "kernel")
        try:
            cells = await self._execute(client, nb)
            await client.run_scratch(RELEASE_ERRORS)
            exercises = {}
            for n, exercise in enumerate(self.exercises):
                exercises[exercise["id"]] = await self._extract(client, nb, n, exercise)
            quiz = await self._quiz(client, nb)
        finally:
            try:
                await client._async_cleanup_kernel()
            except Exception:  # noqa: BLE001 (already dead: nothing to clean)
                pass
        wire.dump({"exercises": exercises, "quiz": quiz, "cells": cells}, self.folder, "results")
        nbformat.write(nb, self.folder / "executed.ipynb")

    async def _execute(self, client: GradingClient, nb: NotebookNode) -> list[dict[str, Any]]:
        records = []
        for index, cell in enumerate(list(nb.cells)):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if self.restarts > MAX_RESTARTS:
                cell.outputs = [nbformat.v4.new_output(
                    "stream", name="stderr", text="[not run: the kernel died too often]\n")]
                records.append({"index": index, "error": None, "timed_out": False,
                                "died": False, "skipped": True})
                continue
            record = await client.run_cell(cell, index)
            records.append(record)
            if record["died"]:
                await self._recover(client, nb)
            elif not record["timed_out"]:
                self.good_cells.append(index)
        return records

    async def _recover(self, client: GradingClient, nb: NotebookNode) -> None:
        """Restart the kernel and replay the cells that ran fine, so later cells see them."""
        self.restarts += 1
        await client.restart()
        if self.restarts > MAX_RESTARTS:
            return
        for index in self.good_cells:
            record = await client.run_scratch(nb.cells[index].source)
            if record["died"] or record["timed_out"]:
                await client.restart()
                self.restarts += 1
                return

    async def _extract(self, client: GradingClient, nb: NotebookNode, n: int,
                       exercise: dict[str, str]) -> dict[str, Any]:
        name = f"ex{n}"
        code = EXTRACT.format(job=str(self.folder), parts=str(self.parts), part=name,
                              exercise_id=exercise["id"], function=exercise["function"],
                              hidden_seed=_seed(exercise.get("hidden_seed")),
                              input_bytes=INPUT_BYTES)
        record = await client.run_scratch(code)
        if record["died"] or record["timed_out"]:
            if record["died"]:  # an interrupted kernel is still fine; a dead one isn't
                await self._recover(client, nb)
            why = "died" if record["died"] else "ran past the time limit"
            return {"missing": f"{exercise['function']} {why} while it was being checked "
                               f"({self.cell_timeout:g} s per exercise)"}
        if record["error"]:
            return {"missing": f"checking {exercise['function']} failed inside the notebook "
                               f"({record['error']}); was backprop or wire replaced?"}
        try:
            return wire.load(self.parts, name, max_bytes=PART_BYTES)
        except Exception as exc:  # noqa: BLE001 (the learner's kernel wrote this file)
            return {"missing": f"the values of {exercise['function']} could not be read: {exc}"}

    async def _quiz(self, client: GradingClient, nb: NotebookNode) -> dict[str, Any]:
        if not self.quiz:
            return {}
        code = QUIZ.format(parts=str(self.parts), names=self.quiz)
        record = await client.run_scratch(code)
        answers: dict[str, Any] = {}
        if not (record["died"] or record["timed_out"] or record["error"]):
            try:
                answers = wire.load(self.parts, "quiz", max_bytes=2**20)
            except Exception:  # noqa: BLE001 (written by the learner's kernel)
                answers = {}
        return {q: _plain_answer(answers.get(q)) if isinstance(answers, dict) else None
                for q in self.quiz}


def _plain_answer(value: Any) -> Any:
    if value is None or type(value) in (str, bool, int, float):
        return value
    if type(value) is list and len(value) <= 32 and all(type(n) is int for n in value):
        return value  # a shape
    return None


def _use_this_python() -> None:
    """A python3 kernelspec in the job's JUPYTER_DATA_DIR that starts this very interpreter.

    The submitted notebook's kernelspec is ignored: it may name a kernel that isn't
    installed, or another Python without backprop.
    """
    from jupyter_core.paths import jupyter_data_dir

    folder = Path(jupyter_data_dir()) / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (grader)", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


# Runs in the learner's kernel once, before the extraction. The last error's traceback
# keeps its frames alive: after a memory bomb raised MemoryError, their memory would be
# held until the end, and checking the learner's (correct) functions would fail too.
RELEASE_ERRORS = '''
import sys as __bp_sys
__bp_sys.last_type = __bp_sys.last_value = __bp_sys.last_traceback = None
__bp_sys.last_exc = None  # Python 3.12+
get_ipython().last_execution_result = None
for __bp_tb in (get_ipython().InteractiveTB, get_ipython().SyntaxTB):
    __bp_tb.tb = None  # IPython's formatter keeps the last traceback it printed
del __bp_tb
del __bp_sys
__import__("gc").collect()
'''

# Runs in the learner's kernel, one cell per exercise. A function keeps its names out of
# the learner's namespace; `globals()` there is the namespace of the notebook.
EXTRACT = '''
def __bp_extract():
    from pathlib import Path
    from backprop import grading
    from backprop.course.sandbox import wire
    parts = Path({parts!r})

    # The same plain form the grader reads back (a Value or an object array becomes its
    # description, so the learner gets the message a local check would give).
    plain = grading.outcome_to_data

    def readable(outcome):
        try:
            wire.dump(outcome, parts, {part!r} + "_probe")
            return outcome
        except (TypeError, ValueError) as exc:
            problem = "TypeError: the returned value cannot be sent to the grader: " + str(exc)
            return dict(outcome, result=None, error=problem)

    fn = globals().get({function!r})
    if fn is None:
        entry = {{"missing": "no function named {function} is defined "
                              "(did its cell run without errors?)"}}
    elif not callable(fn):
        entry = {{"missing": "{function} is a " + type(fn).__name__ + ", not a function"}}
    else:
        inputs = wire.load(Path({job!r}), "inputs", max_bytes={input_bytes})
        cases = inputs[{exercise_id!r}]
        entry = {{}}
        for part in ("visible", "hidden"):
            # None: the inputs hold a function (numerical_derivative's f), so the seeded
            # cases are rebuilt here; the grader judges on its own copy either way.
            args = None if cases is None else [tuple(a) for a in cases[part]]
            outcomes = grading.collect({exercise_id!r}, fn, hidden=part == "hidden",
                                       args=args,
                                       seed={hidden_seed!r} if part == "hidden" else None)
            entry[part] = [plain(o) for o in outcomes]
    try:
        wire.dump(entry, parts, {part!r})
    except (TypeError, ValueError):
        entry = {{k: [readable(o) for o in v] for k, v in entry.items()}}
        wire.dump(entry, parts, {part!r})
    for leftover in parts.glob({part!r} + "_probe.*"):
        leftover.unlink()

__bp_extract()
del __bp_extract
'''

QUIZ = '''
def __bp_quiz():
    from pathlib import Path
    from backprop.course.sandbox import wire
    answers = {{}}
    for name in {names!r}:
        value = globals().get(name)
        if isinstance(value, str):
            value = str.__str__(value)  # a str subclass could compare equal to anything
        elif isinstance(value, bool):
            value = bool(value)
        elif isinstance(value, int):
            value = int.__index__(value)
        elif isinstance(value, float):
            value = float.__float__(value)
        elif isinstance(value, tuple | list) and len(value) <= 32 and all(
                type(n) is int for n in value):
            value = [int.__index__(n) for n in value]  # a shape, as plain sizes
        else:
            value = None
        answers[name] = value
    wire.dump(answers, Path({parts!r}), "quiz")

__bp_quiz()
del __bp_quiz
'''


def _phase(folder: Path, text: str) -> None:
    (folder / PHASE_FILE).write_text(text[:2000], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the job in the folder given on the command line; 0 when results were written."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m backprop.course.sandbox.runner JOB_DIR", file=sys.stderr)
        return 2
    folder = Path(args[0]).resolve()
    _phase(folder, "started")
    asyncio.run(Job(folder).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
