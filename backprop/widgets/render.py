r"""Figures into pictures for the widgets: the one place a figure becomes PNG bytes (lessons 2-7).

Introduced in lesson 2 with the first explorer, `learning_rate_explorer`, and used by every
widget after it. The explorers of lessons 2, 4 and 5 show their figure in an
`ipywidgets.Output` as one display-data output, a PNG image with a line of text for views
that can't show images (`show_figure`), or the text alone when there is nothing to draw
(`show_text`). The playground of lessons 3 to 7 puts the PNG bytes of `figure_png` in an
`ipywidgets.Image`, with the fastest zlib level, because it redraws on every frame of Play.
`html_to_text` turns a widget's HTML status line into the text its repr shows.

Everything here runs headless (no browser, no pyplot), so nbval and CI draw the widgets too.

Example:
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2.0, 1.0))
    >>> _ = fig.subplots().plot([3, 1, 2])
    >>> png = figure_png(fig, dpi=50)
    >>> png[:4]
    b'\x89PNG'
    >>> output = png_output(png, "<a line>")
    >>> output["output_type"], sorted(output["data"])
    ('display_data', ['image/png', 'text/plain'])
    >>> html_to_text('<span style="color:red"><b>✗ Diverged</b></span> at step 3 &amp; on')
    '✗ Diverged at step 3 & on'
"""

from __future__ import annotations

import base64
import html
import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ipywidgets as widgets
    from matplotlib.figure import Figure

__all__ = ["figure_png", "html_to_text", "png_output", "show_figure", "show_text",
           "text_output"]


def figure_png(fig: Figure, *, dpi: float | None = None,
               compress_level: int | None = None) -> bytes:
    r"""Render a figure to the bytes of a PNG file.

    Args:
        fig: The figure, a `matplotlib.figure.Figure` (no pyplot: nothing is shown twice
            and no figure stays open).
        dpi: Dots per inch of the picture; the figure's own dpi when None.
        compress_level: The PNG's zlib level, 0 (none, fastest) to 9 (smallest); the
            image library's default when None. The playground passes 1, which draws
            faster for a slightly larger file (`bench/playground.py`).

    Returns:
        The PNG file's bytes; they start with the PNG signature b"\x89PNG".
    """
    options: dict[str, object] = {}
    if dpi is not None:
        options["dpi"] = dpi
    if compress_level is not None:
        options["pil_kwargs"] = {"compress_level": compress_level}
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", **options)
    return buffer.getvalue()


def png_output(png: bytes, text: str) -> dict:
    """Build the display-data output of a PNG picture, as an `ipywidgets.Output` holds it.

    Args:
        png: The bytes of a PNG file (see `figure_png`).
        text: What a view that shows no images shows instead, e.g. "<loss curve: 30 steps>".

    Returns:
        A dict with "output_type" "display_data", "data" holding "image/png" (the bytes,
        base64-encoded as ASCII text) and "text/plain", and empty "metadata".
    """
    return {
        "output_type": "display_data",
        "data": {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": text},
        "metadata": {},
    }


def text_output(text: str) -> dict:
    """Build a display-data output of text alone: what an explorer shows when it can't draw.

    Args:
        text: The text, e.g. "no plot: the run failed (see above)".

    Returns:
        A dict with "output_type" "display_data", "data" holding only "text/plain", and
        empty "metadata".
    """
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}


def show_figure(output: widgets.Output, fig: Figure, text: str, *, dpi: float) -> None:
    """Make `output` show `fig` as a PNG picture (and `text` where images can't be shown).

    Args:
        output: The `ipywidgets.Output` to fill; what it showed before is replaced.
        fig: The figure to draw.
        text: The text/plain alternative of the picture.
        dpi: Dots per inch of the picture.
    """
    output.outputs = (png_output(figure_png(fig, dpi=dpi), text),)


def show_text(output: widgets.Output, text: str) -> None:
    """Make `output` show one line of text instead of a picture.

    Args:
        output: The `ipywidgets.Output` to fill; what it showed before is replaced.
        text: The text.
    """
    output.outputs = (text_output(text),)


def html_to_text(markup: str) -> str:
    """Return the text of a line of simple HTML: tags dropped, entities decoded, trimmed.

    Args:
        markup: HTML such as a widget's status line, '<b>✗ Diverged</b> at step 3'.

    Returns:
        The plain text, e.g. '✗ Diverged at step 3'.
    """
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()
