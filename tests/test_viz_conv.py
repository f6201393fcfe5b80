"""cnnlib.viz.conv: the static figures of the chapter *Convolution*.

Figures are checked for what a reader relies on: titles, labelled axes, the
colour-map rule, and artists that hold the numbers they were given.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib import conv2d, explain_conv2d  # noqa: E402
from cnnlib.kernels import kernel  # noqa: E402
from cnnlib.viz import (  # noqa: E402
    plot_conv_steps,
    plot_feature_maps,
    plot_kernel_effect,
    plot_kernel_gallery,
    plot_kernel_placement,
)
from cnnlib.viz.conv import output_style  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_output_style_follows_the_sum_of_the_weights():
    rng = np.random.default_rng(0)
    out = rng.normal(size=(50, 40))
    cmap, low, high = output_style(kernel("sobel_x"), out)
    assert cmap == "RdBu" and low == -high and high == pytest.approx(np.quantile(np.abs(out), 0.98))
    assert output_style(kernel("box_blur"), out) == ("gray", 0.0, pytest.approx(1.0))
    assert output_style(np.ones((3, 3)), out) == ("gray", 0.0, 9.0)      # burns out at 9
    assert output_style(-np.ones((3, 3)), out) == ("gray", -9.0, 0.0)
    assert output_style(kernel("laplacian"), np.zeros((4, 4)))[1:] == (-1.0, 1.0)


def test_kernel_effect_figure():
    image = np.random.default_rng(0).random((12, 10))
    fig = plot_kernel_effect(image, kernel("sharpen"), conv2d(image[None, None],
                             kernel("sharpen")[None, None])[0, 0], title="sharpen")
    ax_in, ax_k, ax_out = fig.axes[:3]
    assert fig._suptitle.get_text() == "sharpen"
    assert ax_in.get_title() == "input (12×10)" and ax_out.get_title() == "output (10×8)"
    assert ax_in.get_xlabel() and ax_in.get_ylabel() and ax_out.get_xlabel()
    assert ax_k.get_title() == "kernel"
    assert [t.get_text() for t in ax_k.texts][:3] == ["0", "-1", "0"]


def test_gallery_has_a_kernel_and_an_output_per_panel():
    image = np.random.default_rng(0).random((12, 10))
    names = ["box_blur", "sobel_x", "diagonal", "identity"]
    panels = [(n, kernel(n), conv2d(image[None, None], kernel(n)[None, None])[0, 0])
              for n in names]
    fig = plot_kernel_gallery(panels, ncols=3, title="gallery")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:4] == ["box_blur / 9", "output (grey, 0 to 1)", "sobel_x",
                          "output (signed, red < 0 < blue)"]
    # the box blur's weights are written as whole numbers, the divisor in the title
    assert [t.get_text() for t in fig.axes[0].texts][:3] == ["1", "1", "1"]
    assert sum(ax.axison for ax in fig.axes) == 8               # 2 empty slots switched off


def test_feature_maps_per_map_colour_maps():
    maps = np.random.default_rng(0).normal(size=(3, 8, 9))
    fig = plot_feature_maps(maps, ["a", "b", "c"], signed=[True, False, True], title="maps")
    panels = [ax for ax in fig.axes if ax.get_title() in {"a", "b", "c"}]
    assert [ax.images[0].get_cmap().name for ax in panels] == ["RdBu", "gray", "RdBu"]
    assert all(ax.get_xlabel() == "column" and ax.get_ylabel() == "row" for ax in panels)
    with pytest.raises(ValueError, match="plot_feature_maps: maps must be"):
        plot_feature_maps(maps, ["a", "b"])


def test_conv_steps_outline_each_window():
    x = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 1]]).reshape(1, 1, 3, 3)
    k = kernel("roberts").reshape(1, 1, 2, 2)
    steps = [explain_conv2d(x, k, row=i, col=j) for i in range(2) for j in range(2)]
    fig = plot_conv_steps(x[0, 0], steps, conv2d(x, k)[0, 0], title="steps")
    top = [ax.get_title() for ax in fig.axes[:4]]          # first row of a 2x4 grid
    assert top == ["S(0,0) = 0", "S(0,1) = -1", "S(1,0) = -1", "S(1,1) = 0"]


def test_static_kernel_placement_titles():
    fig = plot_kernel_placement(7, 3, stride=1, padding=2, dilation=2)
    assert fig._suptitle.get_text() == "i = 7, k = 3, s = 1, p = 2, d = 2"
    left, right = fig.axes[:2]
    assert left.get_title().startswith("padded input 11×11: 7×7 positions")
    assert right.get_title() == "one row: 7 positions\nof a 3-tap kernel"
    assert left.get_xlabel() and right.get_ylabel()
