"""The pooling explorer widget and the pooling/backprop figures."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from cnnlib.pooling_stats import shift_sensitivity
from cnnlib.viz.backprop import gradient_grids, relative_error_chart
from cnnlib.viz.pooling import (
    pool_backward_figure,
    pooling_figure,
    pooling_gallery,
    shift_sensitivity_figure,
)
from cnnlib.widgets.pooling import PoolingExplorer, pooling_explorer


@pytest.fixture
def fmap():
    return np.random.default_rng(3).random((20, 16))


def test_explorer_draws_initial_setting(fmap):
    w = pooling_explorer(fmap)
    assert isinstance(w, PoolingExplorer)
    assert w.pooled.shape == (10, 8)
    assert w.message.text == ""
    assert bytes(w.figure.image.value).startswith(b"\x89PNG")
    assert "= 10" in w.size_line.value and "= 8" in w.size_line.value


def test_callback_pools_with_the_library(fmap):
    w = pooling_explorer(fmap)
    assert w.update("avg", 3, 2, 1) is True
    # Independent: brute-force mean over zero-padded 3x3 windows, stride 2.
    padded = np.pad(fmap, 1)
    ho, wo = (20 + 2 - 3) // 2 + 1, (16 + 2 - 3) // 2 + 1
    want = np.array([[padded[2 * i : 2 * i + 3, 2 * j : 2 * j + 3].mean() for j in range(wo)]
                     for i in range(ho)])
    np.testing.assert_allclose(w.pooled, want)
    assert w.update("max", 4, 4) is True
    np.testing.assert_allclose(w.pooled, fmap.reshape(5, 4, 4, 4).max(axis=(1, 3)))


def test_impossible_settings_show_the_error(fmap):
    w = pooling_explorer(fmap)
    before = w.pooled.copy()
    assert w.update("max", 2, 2, 2) is False
    assert w.message.text.startswith("max_pool2d: padding must be at most half")
    np.testing.assert_array_equal(w.pooled, before)       # last good picture kept
    assert w.update("max", 30, 1, 0) is False
    assert "larger than the padded input" in w.message.text
    assert w.update("median", 2, 2) is False
    assert "mode must be 'max' or 'avg'" in w.message.text
    assert w.update("max", 2, 2) is True
    assert w.message.text == ""


def test_sliders_drive_the_callback(fmap):
    w = pooling_explorer(fmap)
    w.kernel_size.value = 5
    assert w.pooled.shape == (8, 6)           # window 5, stride still 2
    w.padding.value = 3
    assert "padding must be at most half" in w.message.text
    w.padding.value = 2
    assert w.message.text == ""
    w.mode.value = "avg"
    assert w.pooled.shape == (10, 8)


def test_explorer_rejects_non_2d():
    with pytest.raises(ValueError, match="pooling_explorer: feature_map must be 2-D"):
        pooling_explorer(np.ones((1, 1, 4, 4)))


def test_figures_have_titles_and_labels(fmap):
    x = np.array([[1.0, 3, 2, 4], [5, 6, 1, 2], [3, 2, 7, 8], [1, 0, 3, 4]])
    figs = [
        pooling_figure(x, 2, title="2x2"),
        pooling_figure(np.arange(25.0).reshape(5, 5), 3, 2, modes=("max",)),
        pool_backward_figure(x, np.array([[1.0, -2], [3, 4]]), 2),
        pooling_gallery(fmap, [("max", 2, 2), ("avg", 4, 4)]),
        shift_sensitivity_figure([shift_sensitivity(fmap[None, None], 3, 2)]),
        gradient_grids([("x", x), ("g", -x)], "grads"),
        relative_error_chart(["good", "bad"], [1e-10, 0.3]),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                assert ax.get_ylabel()          # a colour bar says what it measures
                continue
            assert ax.get_title() and ax.get_xlabel()


def test_shift_table_folds_the_numbers_of_the_figure(fmap):
    from cnnlib.viz.pooling import ShiftTable

    r = shift_sensitivity(fmap[None, None], 3, 2)
    table = ShiftTable({"2×2": r}, summary="numbers")
    page = table._repr_html_()
    assert page.startswith("<details><summary>numbers</summary>") and page.count("<tr>") == 5
    assert f"{r.changes['max'][1]:.3f}" in page and f"{r.changes['max'][1]:.3f}" in repr(table)
    assert max(len(line) for line in repr(table).splitlines()) <= 79
