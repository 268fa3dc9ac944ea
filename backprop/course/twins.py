"""Each solution notebook's text twin: `solutions/LESSON/LESSON.py`, in jupytext's percent format.

A notebook is JSON, awkward to read in a diff or a code review. Every notebook of
`solutions/` therefore has a paired twin next to it, written by jupytext
(https://jupytext.readthedocs.io): markdown cells become `# %% [markdown]` comment blocks,
code cells stay code, and each cell's nbgrader metadata and tags sit on its `# %%` line.
`solutions/jupytext.toml` declares the pairing, so JupyterLab (with jupytext installed)
keeps both files in step on every save.

- Edit the notebook: save it in JupyterLab (the twin follows), or run
  `backprop-course strip`, which writes the canonical notebook and its twin.
- Edit the twin in any editor: run `backprop-course sync`; the notebook takes the twin's
  cells and keeps its cell ids.

A twin never reaches `lessons/` (it holds the solutions): `release` leaves it out. A test
fails when a pair disagrees (`differences`).
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from backprop.course.folders import CourseError
from backprop.course.notebooks import clean_notebook, write_notebook

__all__ = ["FORMAT", "differences", "sync", "twin_of", "write_twin"]

FORMAT = "py:percent"
# What a twin compares and keeps of each cell, besides its type and source.
_COMPARED = ("nbgrader", "tags", "editable", "deletable")


def _jupytext():
    try:
        import jupytext
    except ImportError:  # an instructor's tool: learners don't install it
        raise CourseError("the notebooks' text twins need jupytext: "
                          "python -m pip install -r requirements-instructor.txt") from None
    return jupytext


def twin_of(notebook: Path) -> Path:
    """The twin of `solutions/LESSON/LESSON.ipynb`: `solutions/LESSON/LESSON.py`."""
    return Path(notebook).with_suffix(".py")


def _text(nb: NotebookNode) -> str:
    nb = copy.deepcopy(nb)
    # Only the kernel in the header: no jupytext version that would change with the tool.
    nb.metadata = {"kernelspec": nb.metadata.get("kernelspec", {}),
                   "jupytext": {"notebook_metadata_filter": "kernelspec,-all"}}
    return _jupytext().writes(nb, fmt=FORMAT)


def write_twin(nb: NotebookNode, notebook: Path) -> bool:
    """Write the twin of a notebook from its cells; return whether the file changed."""
    path, text = twin_of(notebook), _text(nb)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def _cells(nb: NotebookNode) -> list[tuple[str, str, dict]]:
    return [(c.cell_type, c.source, {k: c.metadata[k] for k in _COMPARED if k in c.metadata})
            for c in nb.cells]


def differences(notebook: Path) -> list[str]:
    """Say where a notebook and its twin disagree; [] when every cell is the same.

    Cells are compared by type, source, and the metadata the course keeps (nbgrader's,
    tags, editable, deletable); cell ids and outputs are not part of a twin.
    """
    notebook = Path(notebook)
    twin = twin_of(notebook)
    if not twin.is_file():
        return [f"{twin.name} is missing: run `backprop-course strip` to write it"]
    mine = _cells(nbformat.read(notebook, as_version=4))
    theirs = _cells(_jupytext().read(twin, fmt=FORMAT))
    found = []
    if len(mine) != len(theirs):
        found.append(f"{notebook.name} has {len(mine)} cells, {twin.name} {len(theirs)}")
    for i, (a, b) in enumerate(zip(mine, theirs, strict=False)):
        for what, x, y in (("type", a[0], b[0]), ("source", a[1], b[1]),
                           ("metadata", a[2], b[2])):
            if x != y:
                found.append(f"cell {i}: the {what} differs")
                break
    return found


def sync(notebook: Path) -> str:
    """Bring a notebook and its twin into step, from whichever was changed last.

    The twin wins when it is newer than the notebook (or the notebook is missing): the
    notebook takes its cells, keeping the cell ids of the cells that match. Otherwise the
    twin is rewritten from the notebook. Both end in the course's canonical form.

    Returns:
        What was done, in words.
    """
    notebook, twin = Path(notebook), twin_of(notebook)
    jupytext = _jupytext()
    twin_wins = twin.is_file() and (not notebook.is_file() or (
        twin.stat().st_mtime > notebook.stat().st_mtime and differences(notebook)))
    if twin_wins:
        from jupytext.combine import combine_inputs_with_outputs

        new = jupytext.read(twin, fmt=FORMAT)
        if notebook.is_file():
            new = combine_inputs_with_outputs(new, nbformat.read(notebook, as_version=4),
                                              fmt=FORMAT)
        nb = clean_notebook(new)
        write_notebook(nb, notebook)
        write_twin(nb, notebook)
        return f"{notebook.name} updated from {twin.name}"
    nb = clean_notebook(nbformat.read(notebook, as_version=4))
    changed = write_notebook(nb, notebook) | write_twin(nb, notebook)
    return f"{twin.name} updated from {notebook.name}" if changed else "already in step"
