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

from cnnlib.viz import confusion_figure, history_figure, running_stats_figure  # noqa: E402

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
    points = [line for line in mean_ax.get_lines() if line.get_label() == "one channel"][0]
    np.testing.assert_allclose(points.get_xdata(), [0.1, 0.2])
    np.testing.assert_allclose(points.get_ydata(), [0.11, 0.19])
    assert var_ax.get_ylabel() == "running_var"
    with pytest.raises(ValueError, match="two \\(C,\\) arrays"):
        running_stats_figure(np.zeros(2), np.zeros(3), np.zeros(2), np.zeros(2))
