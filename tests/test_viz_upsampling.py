"""cnnlib.viz.upsampling: the figures draw what they are given, legibly."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.viz import overlap_figure, plot_number_steps, plot_stamps, segmentation_figure
from cnnlib.viz.style import COLUMN_INCHES, MIN_FONT_PT, smallest_font_pt


def _check_house(fig):
    assert fig.get_figwidth() == pytest.approx(COLUMN_INCHES)
    assert smallest_font_pt(fig) >= MIN_FONT_PT


def test_overlap_figure_one_scale_one_colour_bar():
    a = np.array([[1, 2], [2, 4]])
    b = np.ones((3, 3), dtype=int)
    fig = overlap_figure([a, b], ["k = 3", "k = 4"])
    _check_house(fig)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 2
    assert all(im.get_clim() == (0, 4) for im in images)        # shared scale
    assert len(fig.axes) == 3                                   # two panels and one bar
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["1", "2", "2", "4"]
    with pytest.raises(ValueError, match="overlap_figure"):
        overlap_figure([a], ["x", "y"])


def test_number_steps_and_stamps():
    fig = plot_number_steps([("x", np.eye(2)), ("w", -np.eye(3))], signed=[False, True])
    _check_house(fig)
    assert fig.axes[1].images[0].get_cmap().name == "RdBu"
    lo, hi = fig.axes[1].images[0].get_clim()
    assert lo == -hi                                             # centred at 0
    stamps = [np.array([[1.0, -1.0, 0.0]]), np.array([[0.0, 2.0, -2.0]])]
    fig = plot_stamps(stamps, stamps[0] + stamps[1], ["x0", "x1"])
    _check_house(fig)
    clims = {ax.images[0].get_clim() for ax in fig.axes}
    assert clims == {(-2.0, 2.0)}
    with pytest.raises(ValueError, match="plot_number_steps"):
        plot_number_steps([("x", np.eye(2))], signed=[True, False])


def test_segmentation_figure_rows():
    rng = np.random.default_rng(0)
    img = rng.random((4, 8, 8))
    fig = segmentation_figure(img, img > 0.5, img > 0.4)
    _check_house(fig)
    assert len(fig.axes) == 12
    assert [fig.axes[k].get_ylabel() for k in (0, 4, 8)] == ["digit", "target", "predicted"]


def test_pattern_figure_signed_shared_scale():
    from cnnlib.viz import pattern_figure

    fig = pattern_figure([np.array([[1.0, -2.0]]), np.array([[0.5, 0.0]])], ["a", "b"])
    _check_house(fig)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert [im.get_clim() for im in images] == [(-2.0, 2.0), (-2.0, 2.0)]
    assert images[0].get_cmap().name == "RdBu"
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="pattern_figure"):
        pattern_figure([np.eye(2)], ["a", "b"])
