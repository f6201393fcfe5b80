"""cnnlib.architectures (stages, totals, the photo as input) and cnnlib.viz.architectures."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

import cnnlib
from cnnlib import models, nn, summary
from cnnlib.architectures import (
    INPUT_SIZES,
    STAGES,
    imagenet_input,
    square_photo,
    stage_outputs,
    stage_totals,
)
from cnnlib.viz.architectures import (
    draw_stage_field,
    plot_accuracy_vs_cost,
    plot_gradient_paths,
    plot_stage_fields,
)
from cnnlib.viz.style import smallest_font_pt

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def lenet_summary():
    return summary(models.lenet5(), INPUT_SIZES["lenet5"])


def test_stage_totals_lenet_by_hand(lenet_summary):
    # C1: 6 filters of 1x5x5 + 6 biases = 156; C3: 16 of 6x5x5 + 16 = 2416.
    # Fields: C1 5; S2 (2x2, stride 2) 6, jump 2; C3 6 + 4*2 = 14; S4 16, jump 4; C5 16 + 4*4 = 32.
    expected = {"features.0": (156, 5, 1), "features.2": (156, 6, 2),
                "features.3": (2572, 14, 2), "features.5": (2572, 16, 4),
                "features.6": (2572 + 120 * 16 * 25 + 120, 32, 4)}
    for row, (params, rf, jump) in expected.items():
        t = stage_totals(lenet_summary, row)
        assert (t.params, t.rf, t.jump) == (params, rf, jump), row
    # MACs of C1: 6 filters * 25 taps * 28 * 28 positions
    assert stage_totals(lenet_summary, "features.0").macs == 6 * 25 * 28 * 28
    last = stage_totals(lenet_summary, "features.6")
    assert last.output_shape == (1, 120, 1, 1)
    assert last.params_fraction == pytest.approx(50692 / 61706)


def test_stage_totals_container_row_counts_its_children():
    s = summary(models.mobilenet_v2(), INPUT_SIZES["mobilenet_v2"])
    t = stage_totals(s, "features.1")
    rows = {r.name: r for r in s}
    assert t.params == rows["features.0"].params + rows["features.1"].params
    assert t.rf == 7 and t.jump == 2


def test_stage_totals_errors(lenet_summary):
    with pytest.raises(ValueError, match="stage_totals: the summary has no row 'layer9'"):
        stage_totals(lenet_summary, "layer9")


def test_every_stage_row_exists_in_its_summary(lenet_summary):
    # the cheap models here; the others are checked by the chapter, which builds them all
    cnnlib.manual_seed(0)
    for name in ("lenet5", "mobilenet_v2", "efficientnet_b0"):
        s = lenet_summary if name == "lenet5" else summary(getattr(models, name)(),
                                                           INPUT_SIZES[name])
        names = {r.name for r in s}
        fields = [stage_totals(s, row).rf for _, row in STAGES[name]]
        assert all(row in names for _, row in STAGES[name])
        assert fields == sorted(fields), name


def test_square_photo_crops_the_centre():
    photo = np.zeros((6, 4))
    photo[1:5, :] = 1.0                    # the centred 4x4 square is all ones
    np.testing.assert_allclose(square_photo(photo, 4), np.ones((4, 4)))
    assert square_photo(np.ones((30, 50, 3)), 8).shape == (8, 8, 3)


def test_imagenet_input_normalises_per_channel():
    photo = np.empty((10, 10, 3))
    photo[...] = cnnlib.IMAGENET_MEAN      # the mean colour becomes 0 in every channel
    x = imagenet_input(photo, size=6)
    assert x.shape == (1, 3, 6, 6) and x.dtype == np.float32
    np.testing.assert_allclose(x, 0.0, atol=1e-6)
    one = imagenet_input(np.ones((4, 4, 3)), size=4)[0, :, 0, 0]
    expected = (1 - np.array(cnnlib.IMAGENET_MEAN)) / np.array(cnnlib.IMAGENET_STD)
    np.testing.assert_allclose(one, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="imagenet_input: photo must be an RGB array"):
        imagenet_input(np.ones((4, 4)))


def test_stage_outputs_match_the_full_forward():
    cnnlib.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(8, 3))
    x = np.random.default_rng(0).random((2, 1, 6, 6)).astype(np.float32)
    out = stage_outputs(net, x, ["1", "2"])
    assert list(out) == ["1", "2"]
    np.testing.assert_array_equal(out["2"], net[2](net[1](net[0](x))))
    with pytest.raises(ValueError, match="stage_outputs: model has no top-level child 'fc'"):
        stage_outputs(net, x, ["fc"])


def test_draw_stage_field_geometry():
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    field, neighbour = draw_stage_field(ax, np.zeros((224, 224)), rf=35, jump=8)
    assert field.get_width() == 35 and field.get_height() == 35
    # centred on the middle of the 224 pixels (coordinate 111.5)
    assert field.get_x() + field.get_width() / 2 == pytest.approx(111.5)
    assert neighbour.get_x() - field.get_x() == 8
    big, _ = draw_stage_field(Figure().subplots(), np.zeros((32, 32, 3)), rf=435, jump=32)
    assert big.get_width() == 435


def test_figures_have_titles_and_labels():
    fig = plot_gradient_paths([10, 20], {"plain": [1e-8, 1e-17], "residual": [0.9, 1.1]})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    fig = plot_accuracy_vs_cost(["a", "b"], [1e9, 4e9], [70.0, 76.0], [1e7, 2.5e7])
    assert fig.axes[0].get_xscale() == "log"
    fig = plot_stage_fields(np.zeros((16, 16)), [("s1", 3, 1), ("s2", 7, 2)], title="t")
    assert len(fig.axes) == 2
    fig = plot_stage_fields(np.zeros((16, 16)), [("s", 3, 1)] * 4)
    assert len(fig.axes) == 4                                    # 2 rows of 2
    fig = plot_stage_fields(np.zeros((16, 16)), [("s", 3, 1)] * 6)
    assert len(fig.axes) == 6 and fig.axes[2].get_subplotspec().colspan.stop == 3  # 2 of 3
    # the text column's width (6.88 in), one legend for all panels, no font below 8.5 pt
    assert abs(fig.get_size_inches()[0] - 6.88) < 1e-9 and len(fig.legends) == 1
    assert smallest_font_pt(fig) >= 8.5
    for fig in (plot_gradient_paths([10], {"a": [1.0]}),
                plot_accuracy_vs_cost(["a"], [1e9], [70.0], [1e7])):
        assert abs(fig.get_size_inches()[0] - 6.88) < 1e-9 and smallest_font_pt(fig) >= 8.5
    plt.close("all")
