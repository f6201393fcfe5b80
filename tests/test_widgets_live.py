"""The widgets' live rendering (Pyodide, cnnlib.widgets._base.LIVE): faster, same picture.

The stored widget images come from ``savefig``; in the live pages a widget renders with
one drawing pass and solves its layout only when its axes change.  These tests compare
the two paths on the same figures (the live path forced on here).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from cnnlib.viz.style import COLUMN_PX
from cnnlib.widgets import _base, backprop
from cnnlib.widgets._base import FigureImage, cropped_png


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def _figure_image() -> FigureImage:
    image = FigureImage(figsize=(4, 2), dpi=100)
    ax_left, ax_right = image.fig.subplots(1, 2)
    ax_left.imshow(np.arange(12.0).reshape(3, 4), cmap="gray")
    ax_left.set_title("input")
    image.line, = ax_right.plot([0, 1, 2], [0, 1, 4])
    ax_right.set_title("curve")
    return image


def test_fast_render_matches_savefig():
    image = _figure_image()
    stored = _pixels(image.render())          # LIVE is False off Pyodide: savefig
    fast = _pixels(image.render_fast())       # first live render: layout solved
    assert fast.shape == stored.shape == (200, 400, 3)
    assert np.abs(fast - stored).mean() < 1.0
    # a redraw that keeps the axes keeps their places (no layout pass) ...
    image.line.set_ydata([4, 1, 0])
    moved = _pixels(image.render_fast())
    assert image._laid_out == tuple(map(id, image.fig.axes))
    assert np.abs(moved - _pixels(image.render())).mean() < 1.0
    # ... and a new axes makes it lay the figure out again
    image.fig.add_subplot(2, 2, 4)
    image.render_fast()
    assert len(image._laid_out) == 3


def test_render_takes_the_live_path_only_live(monkeypatch):
    image = _figure_image()
    calls = []
    monkeypatch.setattr(FigureImage, "render_fast", lambda self: calls.append(1) or b"")
    image.render()
    assert calls == []
    monkeypatch.setattr(_base, "LIVE", True)
    image.render()
    assert calls == [1]


def test_cropped_png_cuts_the_margins_to_the_ink():
    fig = Figure(figsize=(2, 1), dpi=100)     # 200 x 100 pixels, white
    # a black square from (50, 25) to (150, 75) pixels, measured from the bottom left
    fig.add_artist(Rectangle((0.25, 0.25), 0.5, 0.5, transform=fig.transFigure,
                             facecolor="black", edgecolor="none"))
    pixels = _pixels(cropped_png(fig, pad=4))
    height, width = pixels.shape[:2]
    assert abs(width - (100 + 2 * 4)) <= 2 and abs(height - (50 + 2 * 4)) <= 2
    assert pixels[height // 2, width // 2].max() < 10    # the square's middle is black
    assert pixels[0, 0].min() > 245                      # the pad is the background


@pytest.mark.parametrize("live", [False, True])
def test_gradient_flow_draws_live_at_its_own_dpi(monkeypatch, live):
    monkeypatch.setattr(backprop, "LIVE", live)
    widget = backprop.gradient_flow(np.arange(25.0).reshape(5, 5), np.ones((3, 3)),
                                    stride=2, padding=1, cell=(1, 1))
    width = Image.open(io.BytesIO(widget.image.value)).size[0]
    widget.row.value = 0                                  # a slider moved: redrawn
    assert widget.grad_output[0, 0, 0, 1] == 1.0
    # the book's image is drawn at twice the figure's dpi, the live one at once
    assert width <= COLUMN_PX if live else width > 1.3 * COLUMN_PX


def test_gradient_flow_reuses_its_layout_live(monkeypatch):
    """Live, a redraw whose grids keep their sizes places the axes where the last
    figure's layout put them: the picture matches a freshly laid-out one."""
    monkeypatch.setattr(backprop, "LIVE", True)
    x, k = np.arange(36.0).reshape(6, 6) - 17, np.array([[1.0, -2.0], [0.5, 3.0]])
    widget = backprop.gradient_flow(x, k, stride=2, padding=1, cell=(0, 0))
    widget.col.value = 2                                  # same grid sizes: layout reused
    fresh = backprop.gradient_flow(x, k, stride=2, padding=1, cell=(0, 2))
    moved, laid_out = _pixels(widget.image.value), _pixels(fresh.image.value)
    assert moved.shape == laid_out.shape
    assert np.abs(moved - laid_out).mean() < 0.5
    widget.padding.value = 0                              # the grids change: laid out again
    assert widget.grad_output.shape[2:] == (3, 3)


def test_gradient_flow_updates_its_figure_live(monkeypatch):
    """Live, a new cell with the same grid sizes and colour scales redraws the last
    figure with new numbers, title and outlines: the same picture as a new widget's."""
    monkeypatch.setattr(backprop, "LIVE", True)
    x, k = np.arange(36.0).reshape(6, 6) - 17, np.array([[1.0, -2.0], [0.5, 3.0]])
    widget = backprop.gradient_flow(x, k, stride=2, padding=1, cell=(1, 1))
    figure = widget._live_figure[1]
    for cell in [(1, 2), (2, 1)]:          # windows wholly on the input: same scales
        widget.row.value, widget.col.value = cell
        assert widget._live_figure[1] is figure       # updated, not rebuilt
        fresh = backprop.gradient_flow(x, k, stride=2, padding=1, cell=cell)
        moved, drawn = _pixels(widget.image.value), _pixels(fresh.image.value)
        assert moved.shape == drawn.shape
        assert np.abs(moved - drawn).mean() < 0.5
    # the outlined window moved with the cell: the two pictures differ
    first = backprop.gradient_flow(x, k, stride=2, padding=1, cell=(1, 1))
    assert np.abs(_pixels(first.image.value) - moved).mean() > 0.5
