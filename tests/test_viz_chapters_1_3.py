"""Smoke tests for cnnlib.viz.images and cnnlib.viz.activations: they draw what they are given."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from cnnlib.viz.activations import activation_figure, bar_figure, curve_figure
from cnnlib.viz.images import image_row, image_with_boxes, matrix_figure


def teardown_function():
    plt.close("all")


def test_image_row_draws_one_panel_per_image_with_labels():
    a = np.arange(12.0).reshape(3, 4) - 5
    fig = image_row([a, np.zeros((3, 4, 3))], ["signed", "rgb"], title="t", signed=True,
                    shared_scale=True, clip_quantile=0.9)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["signed", "rgb"]
    assert all(ax.get_xlabel() == "column" and ax.get_ylabel() == "row" for ax in panels)
    lo, hi = panels[0].images[0].get_clim()
    assert lo == -hi == -np.quantile(np.abs(a), 0.9)       # symmetric, clipped scale


def test_image_row_errors():
    with pytest.raises(ValueError, match="image_row: titles must have one entry per image"):
        image_row([np.zeros((2, 2))], ["a", "b"])
    with pytest.raises(ValueError, match=r"image_row: images\[0\] must be \(H, W\) or \(H, W, 3\)"):
        image_row([np.zeros((2, 2, 2))], ["a"])


def test_matrix_and_boxes():
    fig = matrix_figure(np.array([[1.0, -2.0], [0.0, 3.0]]), "m", "in", "out")
    assert fig.axes[0].get_xlabel() == "in" and fig.axes[0].images[0].get_clim() == (-3.0, 3.0)
    fig = image_with_boxes(np.zeros((10, 10)), [(1, 1, 3, 3)], ["A"], "where")
    assert len(fig.axes[0].patches) == 1 and fig.axes[0].texts[0].get_text() == "A"
    with pytest.raises(ValueError, match="image_with_boxes: one label per box"):
        image_with_boxes(np.zeros((10, 10)), [(1, 1, 3, 3)], [], "where")


def test_activation_curves_and_bars():
    x = np.linspace(-1, 1, 5)
    fig = activation_figure(x, {"f": x, "g": -x}, {"f": np.ones(5), "g": -np.ones(5)})
    left, right = fig.axes
    assert len(left.lines) == len(right.lines) == 2 + 2   # two curves plus the two axis lines
    with pytest.raises(ValueError, match="activation_figure: values and derivatives"):
        activation_figure(x, {"f": x}, {"g": x})
    fig = bar_figure(["a", "b"], [0.25, 0.5], "t", "fraction")
    assert [t.get_text().strip() for t in fig.axes[0].texts] == ["0.25", "0.50"]
    fig = curve_figure(np.arange(1, 4), {"a": np.array([1.0, 0.1, 0.01])}, "t", "x", "y", logy=True)
    assert fig.axes[0].get_yscale() == "log"


def test_house_widths_and_shared_colour_bar():
    from cnnlib.viz.style import COLUMN_INCHES

    a = np.arange(12.0).reshape(3, 4)
    fig = image_row([a, a + 1, a + 2], ["a", "b", "c"], shared_scale=True)
    assert fig.get_figwidth() <= COLUMN_INCHES + 1e-9
    assert sum(ax.get_label() == "<colorbar>" for ax in fig.axes) == 1     # one shared bar
    fig = image_row([a] * 6, list("abcdef"))                               # wraps: 2 rows
    assert sum(ax.get_visible() and ax.get_label() != "<colorbar>" for ax in fig.axes) == 6
    fig = image_row([a, -a], ["u", "s"], signed=[False, True], cmap="magma_r")
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert panels[0].images[0].get_cmap().name == "magma_r"
    assert panels[1].images[0].get_clim() == (-11.0, 11.0)
    assert bar_figure(list("abcdefgh"), np.ones(8), "t", "x").get_figwidth() == COLUMN_INCHES
    fig = curve_figure(np.arange(3), {"a": np.ones(3)}, "t", "x", "y", marks={"edge": 1.0})
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "edge"]
