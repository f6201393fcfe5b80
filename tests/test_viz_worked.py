"""cnnlib.viz.worked: column-wide number grids and map panels, shared scales, legible text."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.viz.style import COLUMN_INCHES, MIN_TEXT_PX, figure_png, png_legibility
from cnnlib.viz.worked import map_panels, worked_grids


def bars(fig):
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def test_grids_share_a_scale_per_group_and_wrap_beyond_four():
    fm = np.array([[-6.0, 14.0], [-2.0, 9.0]])
    panels = [("x", np.arange(16.0).reshape(4, 4)), ("k", -np.eye(3)), ("fm", fm),
              ("relu", np.maximum(fm, 0)), ("pool", np.array([[14.0]]))]
    fig, grids = worked_grids(panels, signed=[False, True, True, True, True],
                              groups=["x", "k", "m", "m", "m"], labels=["a", "b", "c"])
    assert fig.get_size_inches()[0] == pytest.approx(COLUMN_INCHES)
    # the three map panels share the symmetric scale of their largest |value|, 14
    assert [(g.vmin, g.vmax) for g in grids[2:]] == [(-14.0, 14.0)] * 3
    assert (grids[0].vmin, grids[0].vmax) == (0.0, 15.0)
    assert grids[1].image.get_cmap().name == "RdBu" and grids[0].image.get_cmap().name == "Greys"
    assert sorted(b.get_xlabel() for b in bars(fig)) == ["a", "b", "c"]    # one bar per group
    # five panels wrap onto two rows (4 across at most)
    tops = sorted({round(g.ax.get_position().y0, 3) for g in grids})
    assert len(tops) == 2
    png, meta = figure_png(fig)
    assert png_legibility(png, meta) >= MIN_TEXT_PX


def test_a_group_split_by_another_panel_gets_a_bar_per_panel():
    fig, _ = worked_grids([("a", np.ones((2, 2))), ("b", -np.ones((2, 2))),
                           ("c", 2 * np.ones((2, 2)))], groups=[0, 1, 0])
    assert len(bars(fig)) == 3


def test_outlines_and_defaults():
    fig, grids = worked_grids([("x", np.eye(3))], outlines={0: ([0, 1], [1, 2])})
    assert grids[0].window.get_visible()
    assert grids[0].window.get_bbox().bounds == (0.5, -0.5, 2.0, 2.0)


def test_grid_errors():
    with pytest.raises(ValueError, match="worked_grids: panels must hold at least one"):
        worked_grids([])
    with pytest.raises(ValueError, match=r"worked_grids: panels\[0\] must be a 2-D array"):
        worked_grids([("x", np.ones(3))])
    with pytest.raises(ValueError, match="worked_grids: signed must have one entry per panel"):
        worked_grids([("x", np.ones((2, 2)))], signed=[True, False])
    with pytest.raises(ValueError, match="not all signed or all unsigned"):
        worked_grids([("a", np.ones((2, 2))), ("b", -np.ones((2, 2)))], signed=[False, True],
                     groups=[0, 0])


def test_map_panels_clip_and_share():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((40, 30))
    a[0, 0] = 100.0                                   # one outlier
    fig = map_panels([("a", a), ("b", np.abs(a))], signed=[True, False], clip_quantile=0.9,
                     labels=["signed", "size"])
    lo, hi = fig.axes[0].images[0].get_clim()
    assert lo == -hi and hi == pytest.approx(np.quantile(np.abs(a), 0.9))
    assert fig.axes[1].images[0].get_cmap().name == "gray"
    assert sorted(b.get_xlabel() for b in bars(fig)) == ["signed", "size"]
    fig = map_panels([("a", np.ones((3, 3))), ("b", 3 * np.ones((3, 3)))], groups=[0, 0])
    assert fig.axes[0].images[0].get_clim() == fig.axes[1].images[0].get_clim() == (1.0, 3.0)
    assert len(bars(fig)) == 1
    with pytest.raises(ValueError, match="map_panels: labels must have one entry per group"):
        map_panels([("a", np.ones((3, 3)))], labels=["x", "y"])
