"""Feedback never shows a hidden test: ScrubHiddenTests removes them from outputs."""

from __future__ import annotations

import nbformat

from backprop.course.scrub import _ANSI, ScrubHiddenTests


def test_scrub_hidden_tests_removes_them_from_tracebacks_and_streams():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        '"""Check that q1 is one of the options."""\n'
        'check_choice("q1", q1)\n'
        "### BEGIN HIDDEN TESTS\n"
        'check_choice("q1", q1, answer="b")\n'
        "### END HIDDEN TESTS"
    )
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout",
                               text='echo: check_choice("q1", q1, answer="b")\nfine\n'),
        nbformat.v4.new_output(
            "error", ename="NameError", evalue="name 'q1' is not defined",
            traceback=[
                "\x1b[0;31mNameError\x1b[0m  Traceback (most recent call last)",
                "Cell In[3], line 2\n      1 \"\"\"Check that q1 ...\"\"\"\n"
                "----> 2 check_choice(\x1b[33m\"q1\"\x1b[39m, q1)\n"
                "      3 ### BEGIN HIDDEN TESTS\n"
                "      4 check_choice(\x1b[33m\"q1\"\x1b[39m, q1, answer=\x1b[33m\"b\"\x1b[39m)",
            ],
        ),
    ]
    nb.cells.append(cell)
    nb, _ = ScrubHiddenTests().preprocess(nb, {})
    stream, error = nb.cells[0].outputs
    text = stream["text"] + "\n".join(error["traceback"])
    assert 'answer="b"' not in _ANSI.sub("", text)
    assert "HIDDEN TESTS" not in text
    assert "(hidden test)" in text and "fine" in text
    assert 'check_choice(\x1b[33m"q1"\x1b[39m, q1)' in text  # the visible line stays
