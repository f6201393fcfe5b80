"""cnnlib.viz.interpret: the figures of *What a trained CNN sees*.

Checked for what a reader relies on: the mosaic puts every map where it
says, signed maps are centred at zero, panels that share a scale share one
colour bar, and every text is at least the house style's smallest font.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnlib.viz.interpret import (  # noqa: E402
    LayerMapsView,
    plot_explanations,
    plot_filters_and_patches,
    plot_image_grid,
    plot_layer_maps,
    plot_seed_curves,
    tile_maps,
)
from cnnlib.viz.style import COLUMN_INCHES, MIN_FONT_PT, smallest_font_pt  # noqa: E402

RNG = np.random.default_rng(0)


def _images(ax):
    return ax.get_images()


def test_tile_maps_places_each_map_with_nan_gaps():
    maps = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    mosaic = tile_maps(maps, columns=2)
    # 3 rows of maps 2 high with 1-pixel gaps: 3*2 + 2; 2 columns 3 wide: 2*3 + 1.
    assert mosaic.shape == (8, 7)
    np.testing.assert_array_equal(mosaic[0:2, 0:3], maps[0])
    np.testing.assert_array_equal(mosaic[0:2, 4:7], maps[1])
    np.testing.assert_array_equal(mosaic[6:8, 0:3], maps[4])
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[:, 3]).all()
    assert np.isnan(mosaic[6:8, 4:7]).all()              # the empty sixth slot
    assert tile_maps(np.ones((16, 4, 4))).shape == (9, 39)   # default 8 across
    with pytest.raises(ValueError, match="tile_maps: maps must have shape"):
        tile_maps(np.ones((4, 4)))


def test_layer_view_centres_signed_maps_and_starts_others_at_zero():
    fig = Figure()
    view = LayerMapsView(fig)
    signed = RNG.normal(size=(4, 3, 3))
    view.show(np.zeros((8, 8)), signed, "input", "conv")
    low, high = _images(view.ax_maps)[0].get_clim()
    assert low == -high == -np.abs(signed).max()
    assert _images(view.ax_maps)[0].get_cmap().name.startswith("RdBu")
    positive = np.abs(signed)
    view.show(np.zeros((8, 8)), positive, "input", "relu")
    assert _images(view.ax_maps)[0].get_clim() == (0.0, positive.max())
    assert view.ax_maps.get_title() == "relu"
    assert len(fig.axes) == 3                             # image, maps, one colour bar


def test_layer_maps_figure_has_a_row_per_layer():
    layers = [("0: Conv2d", RNG.normal(size=(16, 8, 8))), ("6: ReLU", RNG.random((32, 4, 4)))]
    fig = plot_layer_maps(RNG.random((8, 8)), layers, title="inside")
    assert fig.get_size_inches()[0] == pytest.approx(COLUMN_INCHES)
    titles = [ax.get_title() for ax in fig.axes]
    assert "0: Conv2d" in titles and "6: ReLU" in titles
    assert smallest_font_pt(fig) >= MIN_FONT_PT
    with pytest.raises(ValueError, match="at least one layer"):
        plot_layer_maps(np.zeros((8, 8)), [])


def test_filters_share_one_signed_scale():
    weights = RNG.normal(size=(3, 1, 3, 3))
    patches = [RNG.random((4, 1, 3, 3)) for _ in range(3)]
    fig = plot_filters_and_patches(weights, patches, title="filters")
    filt, patch = fig.axes[0], fig.axes[1]
    low, high = _images(filt)[0].get_clim()
    assert low == -high == -np.abs(weights).max()
    assert _images(patch)[0].get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in filt.get_yticklabels()] == ["0", "1", "2"]
    assert smallest_font_pt(fig) >= MIN_FONT_PT
    with pytest.raises(ValueError, match="plot_filters_and_patches"):
        plot_filters_and_patches(weights, patches[:2])


def test_explanations_share_one_colour_bar_per_column():
    images = RNG.random((3, 8, 8))
    drops = RNG.normal(size=(3, 6, 6))
    sal = RNG.random((3, 8, 8))
    fig = plot_explanations(images, [("occlusion", drops, "signed"),
                                     ("saliency", sal, "positive")],
                            row_labels=["a", "b", "c"], title="where")
    panels = [ax for ax in fig.axes if ax.get_images() and ax.get_label() != "<colorbar>"]
    assert len(panels) == 9
    clims = {ax.get_title(): ax.get_images()[0].get_clim() for ax in panels if ax.get_title()}
    m = np.abs(drops).max()
    assert clims["occlusion"] == (-m, m)
    assert clims["saliency"] == (0.0, sal.max())
    assert clims["input"] == (0.0, 1.0)
    # one colour bar per non-image column: 9 panels + 2 bars
    assert len(fig.axes) == 11
    assert smallest_font_pt(fig) >= MIN_FONT_PT
    # A NaN border (no value there) does not disturb the shared scale.
    bordered = np.pad(drops, ((0, 0), (1, 1), (1, 1)), constant_values=np.nan)
    fig = plot_explanations(images, [("occlusion", bordered, "signed")])
    assert fig.axes[1].get_images()[0].get_clim() == (-m, m)
    with pytest.raises(ValueError, match="kind must be one of"):
        plot_explanations(images, [("x", sal, "rainbow")])
    with pytest.raises(ValueError, match="every column needs 3 maps"):
        plot_explanations(images, [("x", sal[:2], "positive")])


def test_image_grid_uses_one_scale_and_hides_spare_cells():
    maps = RNG.normal(size=(7, 8, 8))
    fig = plot_image_grid(maps, [f"class {c}" for c in range(7)], columns=4)
    shown = [ax for ax in fig.axes if ax.get_visible() and ax.get_images()
             and ax.get_title()]
    assert len(shown) == 7
    m = np.abs(maps).max()
    assert all(ax.get_images()[0].get_clim() == (-m, m) for ax in shown)
    assert sum(not ax.get_visible() for ax in fig.axes) == 1
    assert smallest_font_pt(fig) >= MIN_FONT_PT


def test_seed_curves_draw_every_seed_and_the_mean():
    values = np.array([[1.0, 0.5, 0.2], [0.9, 0.6, 0.1]])
    fig = plot_seed_curves([0, 0.1, 0.2], {"FGSM": values}, "epsilon", "accuracy",
                           title="curve", ylim=(0, 1))
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3
    np.testing.assert_allclose(lines[2].get_ydata(), [0.95, 0.55, 0.15])
    assert ax.get_xlabel() == "epsilon" and ax.get_ylabel() == "accuracy"
    assert "mean of 2 seeds" in ax.get_legend().get_texts()[0].get_text()
    assert smallest_font_pt(fig) >= MIN_FONT_PT
    with pytest.raises(ValueError, match="shape \\(seeds, 3\\)"):
        plot_seed_curves([0, 1, 2], {"x": np.ones((2, 2))}, "a", "b")
