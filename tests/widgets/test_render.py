"""The one rendering module: a figure to PNG bytes, and the outputs that show them."""

import base64
import io
import re
import struct
import sys

import ipywidgets as widgets
import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure

from backprop.widgets import playground, render
from tests.conftest import ROOT

pytestmark = [pytest.mark.lesson2, pytest.mark.lesson3, pytest.mark.lesson4, pytest.mark.lesson5,
              pytest.mark.lesson6, pytest.mark.lesson7]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDGETS = ROOT / "backprop" / "widgets"


def _figure():
    fig = Figure(figsize=(2.0, 1.5), dpi=80)
    fig.subplots().plot([3, 1, 2])
    return fig


def _size(png):
    """(width, height) in pixels, from the PNG's header chunk."""
    return struct.unpack(">II", png[16:24])


def test_figure_png_gives_the_bytes_of_a_png_file():
    png = render.figure_png(_figure())
    assert isinstance(png, bytes) and png.startswith(PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"


def test_figure_png_draws_at_the_figures_dpi_unless_told_otherwise():
    assert _size(render.figure_png(_figure())) == (160, 120)  # 2 x 1.5 inches at 80 dpi
    assert _size(render.figure_png(_figure(), dpi=50)) == (100, 75)


def test_the_compress_level_changes_the_file_not_the_picture():
    fig = _figure()
    fast, small = (render.figure_png(fig, compress_level=level) for level in (1, 9))
    assert fast.startswith(PNG_SIGNATURE) and small.startswith(PNG_SIGNATURE)
    assert len(fast) >= len(small)
    np.testing.assert_array_equal(matplotlib.image.imread(io.BytesIO(fast)),
                                  matplotlib.image.imread(io.BytesIO(small)))


def test_png_output_holds_the_png_in_base64_and_the_text():
    png = render.figure_png(_figure())
    output = render.png_output(png, "<a line: 3 points>")
    assert output["output_type"] == "display_data" and output["metadata"] == {}
    assert set(output["data"]) == {"image/png", "text/plain"}
    assert isinstance(output["data"]["image/png"], str)  # JSON-ready, as a notebook stores it
    assert base64.b64decode(output["data"]["image/png"], validate=True) == png
    assert output["data"]["text/plain"] == "<a line: 3 points>"


def test_text_output_holds_the_text_alone():
    assert render.text_output("no plot: the run failed") == {
        "output_type": "display_data", "data": {"text/plain": "no plot: the run failed"},
        "metadata": {}}


def test_show_figure_and_show_text_replace_what_an_output_shows():
    output = widgets.Output()
    render.show_figure(output, _figure(), "<a line>", dpi=40)
    (shown,) = output.outputs
    png = base64.b64decode(shown["data"]["image/png"])
    assert png.startswith(PNG_SIGNATURE) and _size(png) == (80, 60)
    assert shown["data"]["text/plain"] == "<a line>"
    render.show_text(output, "no plot")
    assert output.outputs == (render.text_output("no plot"),)


def test_html_to_text_drops_the_tags_and_decodes_the_entities():
    markup = '<span style="color:#000"><b>✗ Diverged:</b></span> loss &lt; 1 &amp; rising<br> '
    assert render.html_to_text(markup) == "✗ Diverged: loss < 1 & rising"


def test_render_is_the_only_module_that_turns_a_figure_into_png():
    others = [p for p in sorted(WIDGETS.glob("*.py")) if p.name != "render.py"]
    assert len(others) >= 6
    for path in others:
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\.savefig\(|b64encode|BytesIO", source), path.name


def test_the_playground_draws_with_the_fastest_compression(monkeypatch):
    # The module, by its name: the attribute `backprop.widgets.playground` is the function.
    module = sys.modules["backprop.widgets.playground"]
    calls = []

    def spy(fig, **options):
        calls.append(options)
        return render.figure_png(fig, **options)

    monkeypatch.setattr(module, "figure_png", spy)
    pg = playground("xor", hidden=(4,), resolution=10)
    pg.redraw()
    assert calls == [{"compress_level": 1}]
    assert bytes(pg.image.value).startswith(PNG_SIGNATURE)
