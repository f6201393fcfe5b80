"""cnnlib.viz.training: the figures of the chapter *Training in practice*.

Checked for what a reader relies on: titles, labelled axes, curves that hold
the numbers they were given, distinct styles for training and test.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib.experiments import Spread  # noqa: E402
from cnnlib.viz import (  # noqa: E402
    confusion_figure,
    digit_gallery,
    history_figure,
    lr_sweep_figure,
    regulariser_table,
    running_stats_figure,
    seeds_figure,
)
from cnnlib.viz.style import COLUMN_INCHES, MIN_FONT_PT, smallest_font_pt  # noqa: E402

RUN_A = {"loss": [2.0, 1.0, 0.5], "accuracy": [0.3, 0.6, 0.9],
         "val_loss": [2.1, 1.2, 0.9], "val_accuracy": [0.25, 0.55, 0.8]}
RUN_B = {"loss": [2.2, 2.0, 1.9], "accuracy": [0.1, 0.2, 0.3],
         "val_loss": [2.2, 2.1, 2.0], "val_accuracy": [0.1, 0.2, 0.25]}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_history_figure_draws_every_run_and_split_with_its_numbers():
    fig = history_figure({"A": RUN_A, "B": RUN_B}, title="two runs")
    loss_ax, acc_ax = fig.axes[:2]
    assert loss_ax.get_title() == "Cross-entropy loss" and loss_ax.get_yscale() == "log"
    assert acc_ax.get_xlabel() == "epoch" and acc_ax.get_ylabel() == "fraction correct"
    labels = [line.get_label() for line in acc_ax.get_lines()]
    assert labels == ["A, training", "A, test", "B, training", "B, test"]
    lines = dict(zip(labels, acc_ax.get_lines(), strict=True))
    np.testing.assert_allclose(lines["A, test"].get_ydata(), RUN_A["val_accuracy"])
    np.testing.assert_allclose(lines["B, training"].get_xdata(), [1, 2, 3])
    assert lines["A, training"].get_linestyle() == "-"
    assert lines["A, test"].get_linestyle() == "--"
    assert lines["A, training"].get_color() != lines["B, training"].get_color()
    assert lines["A, training"].get_marker() != lines["B, training"].get_marker()
    assert fig.get_suptitle() == "two runs"


def test_history_figure_one_split_uses_the_run_label_alone():
    fig = history_figure({"A": RUN_A}, panels=("loss",), splits=("test",), log_loss=False)
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.get_lines()] == ["A"]
    assert ax.get_yscale() == "linear"


def test_history_figure_names_a_missing_curve():
    with pytest.raises(ValueError, match="run 'A' has no 'val_loss'"):
        history_figure({"A": {"loss": [1.0], "accuracy": [0.5]}})
    with pytest.raises(ValueError, match="panels must be 'loss' or 'accuracy'"):
        history_figure({"A": RUN_A}, panels=("lr",))


def test_confusion_figure_writes_the_nonzero_counts():
    cm = np.array([[5, 0, 1], [0, 7, 0], [2, 0, 4]])
    fig = confusion_figure(cm, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert sorted(t.get_text() for t in ax.texts) == sorted(["5", "1", "7", "2", "4"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="class_names must have 3 entries"):
        confusion_figure(cm, class_names=["a"])


def test_running_stats_figure_plots_measured_against_running():
    fig = running_stats_figure(np.array([0.1, 0.2]), np.array([0.11, 0.19]),
                               np.array([1.0, 2.0]), np.array([1.1, 1.9]))
    mean_ax, var_ax = fig.axes
    points = [line for line in mean_ax.get_lines()
              if line.get_label() == "one channel (2 in all)"][0]
    np.testing.assert_allclose(points.get_xdata(), [0.1, 0.2])
    np.testing.assert_allclose(points.get_ydata(), [0.11, 0.19])
    assert var_ax.get_ylabel() == "running_var"
    # one legend, below both panels, none inside them
    assert mean_ax.get_legend() is None and var_ax.get_legend() is None
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "y = x: running estimate equals the data's", "one channel (2 in all)"]
    with pytest.raises(ValueError, match="two \\(C,\\) arrays"):
        running_stats_figure(np.zeros(2), np.zeros(3), np.zeros(2), np.zeros(2))


def test_history_figure_val_split_is_labelled_validation_and_fits_the_column():
    fig = history_figure({"A": RUN_A}, splits=("train", "val"))
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["A, training", "A, validation"]
    np.testing.assert_allclose(fig.axes[0].get_lines()[1].get_ydata(), RUN_A["val_loss"])
    assert fig.get_figwidth() == pytest.approx(COLUMN_INCHES)
    assert smallest_font_pt(fig) >= MIN_FONT_PT
    with pytest.raises(ValueError, match="splits must be 'train', 'val' or 'test'"):
        history_figure({"A": RUN_A}, splits=("valid",))


CURVES = np.array([[1.0, 0.5, 0.4], [1.2, 0.7, 0.2], [0.8, 0.6, 0.3]])     # 3 seeds, 3 epochs


def test_seeds_figure_draws_the_mean_and_a_band_from_min_to_max():
    fig = seeds_figure({"validation loss": {"plain": CURVES, "dropout": CURVES + 1}},
                       log_y=("validation loss",), title="t")
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["plain"].get_ydata(), [1.0, 0.6, 0.3])   # column means
    np.testing.assert_allclose(lines["dropout"].get_xdata(), [1, 2, 3])
    band = ax.collections[0].get_paths()[0].vertices
    # the band's outline passes through the columns' minima (0.8, 0.5, 0.2) and maxima
    for x, lo, hi in [(1, 0.8, 1.2), (2, 0.5, 0.7), (3, 0.2, 0.4)]:
        ys = band[np.isclose(band[:, 0], x), 1]
        assert ys.min() == pytest.approx(lo) and ys.max() == pytest.approx(hi)
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"
    assert lines["plain"].get_color() != lines["dropout"].get_color()
    assert lines["plain"].get_marker() != lines["dropout"].get_marker()
    assert smallest_font_pt(fig) >= MIN_FONT_PT


def test_seeds_figure_keeps_a_settings_colour_across_panels_and_shifts_epochs():
    fig = seeds_figure({"a": {"x": CURVES, "y": CURVES}, "b": {"y": CURVES}}, first_epoch=5,
                       ylims={"b": (0.1, 0.9)})
    assert fig.axes[1].get_ylim() == (0.1, 0.9)
    colour_y_a = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "y"][0].get_color()
    colour_y_b = fig.axes[1].get_lines()[0].get_color()
    assert colour_y_a == colour_y_b
    np.testing.assert_allclose(fig.axes[1].get_lines()[0].get_xdata(), [5, 6, 7])


def test_seeds_figure_rejects_curves_that_are_not_seeds_by_epochs():
    with pytest.raises(ValueError, match="seeds_figure: curves must have shape"):
        seeds_figure({"p": {"x": np.zeros(3)}})


def spread(values):
    v = np.asarray(values, dtype=float)
    return Spread(float(v.mean()), float(v.min()), float(v.max()), v)


def test_lr_sweep_figure_plots_means_on_a_log_axis_with_min_max_bars():
    panels = {"SGD": {"with BN": {0.1: spread([0.9, 0.8]), 0.01: spread([0.5, 0.7])},
                      "without": {0.1: spread([0.6, 0.6])}},
              "Adam": {"with BN": {1e-3: spread([0.95, 0.97])}}}
    fig = lr_sweep_figure(panels, ylim=(0, 1))
    sgd, adam = fig.axes
    assert sgd.get_xscale() == "log" and sgd.get_ylabel() == "validation accuracy"
    bars = {c.get_label(): c for c in sgd.containers}
    assert list(bars) == ["with BN", "without"]
    line, _, (vertical,) = bars["with BN"].lines
    np.testing.assert_allclose(line.get_xdata(), [0.01, 0.1])          # sorted by rate
    np.testing.assert_allclose(line.get_ydata(), [0.6, 0.85])
    # the error bar at lr 0.01 spans the seeds, 0.5 .. 0.7
    segments = vertical.get_segments()
    spans = sorted((s[0, 1], s[1, 1]) for s in segments)
    assert spans[0] == pytest.approx((0.5, 0.7))
    assert sgd.get_ylim() == (0, 1) and adam.get_title() == "Adam"
    assert smallest_font_pt(fig) >= MIN_FONT_PT


def test_lr_sweep_figure_rejects_a_non_positive_rate():
    with pytest.raises(ValueError, match="lr_sweep_figure: learning rates must be > 0"):
        lr_sweep_figure({"p": {"x": {0.0: spread([0.5])}}})


def test_history_figure_can_share_one_legend_below_the_panels():
    fig = history_figure({"A": RUN_A, "B": RUN_B}, legend="below")
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "A, training", "A, test", "B, training", "B, test"]
    # below the panels: the legend's top is under every panel's bottom
    fig.canvas.draw()
    top = legend.get_window_extent().y1
    assert all(top <= ax.get_tightbbox().y0 + 1 for ax in fig.axes)
    assert smallest_font_pt(fig) >= MIN_FONT_PT
    with pytest.raises(ValueError, match="legend must be 'each' or 'below', got 'top'"):
        history_figure({"A": RUN_A}, legend="top")


def test_history_figure_keeps_a_legend_in_each_panel_by_default():
    fig = history_figure({"A": RUN_A})
    assert all(ax.get_legend() is not None for ax in fig.axes) and not fig.legends


def test_seeds_figure_has_one_legend_below_naming_the_settings_and_the_band():
    fig = seeds_figure({"a": {"x": CURVES, "y": CURVES}, "b": {"y": CURVES}})
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "x", "y", "lines: mean; bands: range of 3 seeds"]
    assert fig.get_figwidth() == pytest.approx(COLUMN_INCHES)


def test_a_legend_too_wide_for_one_row_takes_fewer_columns_and_fits_the_figure():
    long = {f"a rather long setting name {k}": CURVES for k in range(4)}
    fig = seeds_figure({"p": long})
    (legend,) = fig.legends
    fig.canvas.draw()
    assert legend._ncols < 4
    assert legend.get_window_extent().width <= fig.bbox.width


def test_seeds_figure_wraps_five_panels_onto_two_rows():
    fig = seeds_figure({f"p{k}": {"x": CURVES} for k in range(5)})
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 5 and len(fig.axes) == 6          # a 2 x 3 grid, one hidden
    rows = {round(ax.get_position().y0, 3) for ax in visible}
    assert len(rows) == 2
    assert smallest_font_pt(fig) >= MIN_FONT_PT


def test_lr_sweep_figure_ticks_the_rates_tried_and_draws_chance():
    panels = {"SGD": {"a": {0.03: spread([0.2]), 0.3: spread([0.9])},
                      "b": {0.1: spread([0.5])}}}
    fig = lr_sweep_figure(panels, chance=0.1)
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.get_xticks(), [0.03, 0.1, 0.3])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.03", "0.1", "0.3"]
    chance = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert len(chance) == 1 and tuple(chance[0].get_ydata()) == (0.1, 0.1)
    assert ax.get_legend() is None
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["a", "b", "chance, 0.1"]


def test_confusion_figure_labels_its_colour_bar():
    fig = confusion_figure(np.eye(3, dtype=int), count_label="validation images")
    assert fig.axes[1].get_ylabel() == "validation images"


def test_regulariser_table_gives_mean_and_seed_range_of_each_quantity():
    # Two seeds, four epochs.  By hand: seen loss 0.002 and 0.006 -> mean 0.004;
    # 2-epoch moving averages of the validation loss: seed 0 (1.5, 1.0, 1.2),
    # minimum 1.0; seed 1 (1.4, 1.2, 1.5), minimum 1.2 -> 1.10 (1.00-1.20);
    # last 3 epochs: seed 0 (0.8+1.2+1.2)/3 = 1.0667, seed 1 (1.0+1.4+1.6)/3
    # = 1.3333 -> 1.20 (1.07-1.33); accuracy over the last 3: seed 0 0.8,
    # seed 1 0.7 -> 75.0% (70.0%-80.0%).
    run = {"seen_loss": np.array([0.002, 0.006]),
           "val_loss": np.array([[2.2, 0.8, 1.2, 1.2], [1.8, 1.0, 1.4, 1.6]]),
           "val_accuracy": np.array([[0.1, 0.7, 0.8, 0.9], [0.2, 0.6, 0.7, 0.8]])}
    table = regulariser_table({"plain": run}, smooth=2, last=3)
    assert table.header[1:] == ["training loss (eval mode)", "lowest validation loss",
                                "validation loss, last 3", "validation accuracy, last 3"]
    assert table.rows == [["plain", "0.004 (0.002–0.006)", "1.10 (1.00–1.20)",
                           "1.20 (1.07–1.33)", "75.0% (70.0%–80.0%)"]]
    assert table.caption == "Mean over 2 seeds, and the smallest to the largest seed."
    page = table._repr_html_()
    assert page.count("<tr>") == 2                                 # header and one row
    # on the page each range sits under its mean, in small type
    assert "0.004<br><small" in page and "0.002–0.006</small>" in page
    with pytest.raises(ValueError, match="setting 'x' has no 'seen_loss'"):
        regulariser_table({"x": {"val_loss": run["val_loss"]}})


def test_digit_gallery_wraps_thumbnails_on_one_scale_with_one_colour_bar():
    images = [np.full((8, 8), k / 9) for k in range(10)]
    fig = digit_gallery(images, [f"label {k}" for k in range(10)], title="t", columns=5)
    shown = [ax for ax in fig.axes if ax.get_visible() and ax.images]
    assert len(shown) == 10 and len(fig.axes) == 11          # ten thumbnails and one bar
    assert len({round(ax.get_position().y0, 3) for ax in shown}) == 2      # two rows of 5
    assert {ax.images[0].get_clim() for ax in shown} == {(0.0, 1.0)}      # one scale
    assert shown[3].get_title() == "label 3" and list(shown[3].get_xticks()) == []
    assert fig.axes[-1].get_ylabel() == "brightness"
    assert fig.get_figwidth() <= COLUMN_INCHES + 1e-9
    assert smallest_font_pt(fig) >= MIN_FONT_PT
    with pytest.raises(ValueError, match="columns must be an int from 1 to 5, got 6"):
        digit_gallery(images, ["x"] * 10, columns=6)
    with pytest.raises(ValueError, match="one entry per image, got 1 titles for 10"):
        digit_gallery(images, ["x"])
