"""Figures for the chapter *Training in practice*: learning curves, a confusion matrix,
BatchNorm's running statistics against the data's, curves over several
seeds, and a learning-rate sweep.

No maths here: the histories come from :func:`cnnlib.train.fit` (stacked over
seeds by :func:`cnnlib.experiments.run_seeds`), the counts from
:func:`cnnlib.train.confusion_matrix`, the statistics from the layers, the
sweep's spreads from :func:`cnnlib.experiments.summarise`.
Runs are told apart by the Okabe-Ito colours *and* by marker shape; training
and test curves by line style (solid and dashed), so every line reads in grey
and for colour-blind readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import COLUMN_INCHES

__all__ = [
    "confusion_figure",
    "history_figure",
    "lr_sweep_figure",
    "running_stats_figure",
    "seeds_figure",
]

# Okabe & Ito's colour-blind-safe palette, most distinct first.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_SPLITS = {
    "train": ("", "-", "training"),
    "test": ("val_", "--", "test"),
    "val": ("val_", "--", "validation"),
}
_PANELS = {
    "loss": ("Cross-entropy loss", "loss"),
    "accuracy": ("Accuracy", "fraction correct"),
}


def history_figure(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    panels: Sequence[str] = ("loss", "accuracy"),
    splits: Sequence[str] = ("train", "test"),
    title: str | None = None, log_loss: bool = True,
    accuracy_ylim: tuple[float, float] | None = (0.0, 1.02),
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Learning curves of one or more training runs, one panel per quantity.

    Parameters
    ----------
    histories : mapping of str to history
        ``{run label: history}``, each history as :func:`cnnlib.train.fit`
        returns it: lists under ``'loss'`` and ``'accuracy'`` (training) and
        ``'val_loss'`` and ``'val_accuracy'`` (the held-out set, called
        *test* here).
    panels : sequence of {'loss', 'accuracy'}
        One panel each, side by side.
    splits : sequence of {'train', 'val', 'test'}
        Which curves to draw in every panel: training solid, held-out
        dashed.  ``'val'`` and ``'test'`` both read the ``val_`` curves and
        differ only in their label (*validation* or *test*): call it what
        ``val_data`` was.
    title : str, optional
        The figure's title.
    log_loss : bool, default True
        A logarithmic y axis for the loss.
    accuracy_ylim : (low, high) or None
        Fixed y range of the accuracy panel.
    figsize : (width, height), optional
        Default: the text column's width, 3.1 inches high.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not histories:
        raise ValueError("history_figure: histories must hold at least one run")
    for name in panels:
        if name not in _PANELS:
            raise ValueError(f"history_figure: panels must be 'loss' or 'accuracy', got {name!r}")
    for name in splits:
        if name not in _SPLITS:
            raise ValueError(
                f"history_figure: splits must be 'train', 'val' or 'test', got {name!r}"
            )
    if figsize is None:
        figsize = (COLUMN_INCHES, 3.1)
    fig, axes = plt.subplots(1, len(panels), squeeze=False, figsize=figsize, layout="constrained")
    for ax, panel in zip(axes[0], panels, strict=True):
        panel_title, ylabel = _PANELS[panel]
        for i, (label, history) in enumerate(histories.items()):
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            for split in splits:
                prefix, style, split_name = _SPLITS[split]
                key = prefix + panel
                if key not in history:
                    raise ValueError(
                        f"history_figure: run {label!r} has no {key!r} (was fit given val_data?)"
                    )
                values = np.asarray(history[key], dtype=float)
                epochs = np.arange(1, values.size + 1)
                every = max(1, values.size // 10)
                name = label if len(splits) == 1 else f"{label}, {split_name}"
                ax.plot(epochs, values, linestyle=style, color=colour, marker=marker,
                        markevery=every, markersize=5,
                        markerfacecolor=colour if split == "train" else "white", label=name)
        ax.set(title=panel_title, xlabel="epoch", ylabel=ylabel)
        if panel == "loss" and log_loss:
            ax.set_yscale("log")
        if panel == "accuracy" and accuracy_ylim is not None:
            ax.set_ylim(*accuracy_ylim)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def confusion_figure(
    confusion: np.ndarray, class_names: Sequence[str] | None = None,
    title: str = "Confusion matrix", figsize: tuple[float, float] = (5.6, 4.6),
) -> Figure:
    """A confusion matrix as a grid of counts: rows true classes, columns predictions.

    Parameters
    ----------
    confusion : ndarray of int, shape (C, C)
        As :func:`cnnlib.train.confusion_matrix` returns it.
    class_names : sequence of str, optional
        Tick labels; ``0 .. C-1`` by default.
    title : str
    figsize : (width, height)

    Returns
    -------
    matplotlib.figure.Figure
        Each cell shows its count (zeros left blank, so mistakes stand out);
        the colour (``cividis``, on a square-root scale so that small counts
        are visible beside the large diagonal) repeats it.
    """
    cm = np.asarray(confusion)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(
            f"confusion_figure: confusion must be a square (C, C) matrix, got shape {cm.shape}"
        )
    c = cm.shape[0]
    names = [str(i) for i in range(c)] if class_names is None else list(class_names)
    if len(names) != c:
        raise ValueError(
            f"confusion_figure: class_names must have {c} entries, got {len(names)}"
        )
    from matplotlib.colors import PowerNorm

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    im = ax.imshow(cm, cmap="cividis", norm=PowerNorm(0.5, vmin=0, vmax=max(1, cm.max())))
    threshold = 0.6 * np.sqrt(max(1, cm.max()))
    for i in range(c):
        for j in range(c):
            if cm[i, j]:
                dark = np.sqrt(cm[i, j]) < threshold
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=9.5,
                        color="white" if dark else "black")
    ax.set_xticks(range(c), names)
    ax.set_yticks(range(c), names)
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    fig.colorbar(im, ax=ax, shrink=0.85, label="number of test images")
    return fig


def running_stats_figure(
    batch_means: np.ndarray, running_mean: np.ndarray,
    batch_vars: np.ndarray, running_var: np.ndarray,
    title: str | None = None, figsize: tuple[float, float] = (COLUMN_INCHES, 3.1),
) -> Figure:
    """Per-channel statistics measured on data beside a BatchNorm layer's running estimates.

    Parameters
    ----------
    batch_means, batch_vars : ndarray, shape (C,)
        Each channel's mean and variance measured on the data (e.g. over a
        whole training set).
    running_mean, running_var : ndarray, shape (C,)
        The layer's buffers.
    title : str, optional
    figsize : (width, height)

    Returns
    -------
    matplotlib.figure.Figure
        Two panels, mean and variance, with one point per channel and the
        line y = x on which a perfect estimate would lie.
    """
    pairs = [("mean", batch_means, running_mean), ("variance", batch_vars, running_var)]
    fig, axes = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    for ax, (name, measured, running) in zip(axes, pairs, strict=True):
        measured = np.asarray(measured, dtype=float)
        running = np.asarray(running, dtype=float)
        if measured.shape != running.shape or measured.ndim != 1:
            raise ValueError(
                f"running_stats_figure: the measured and running {name}s must be two (C,) "
                f"arrays, got shapes {measured.shape} and {running.shape}"
            )
        lo = min(measured.min(), running.min())
        hi = max(measured.max(), running.max())
        pad = 0.05 * (hi - lo or 1.0)
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="#000000", linestyle=":",
                linewidth=1, label="y = x")
        ax.plot(measured, running, linestyle="none", marker="o", color=COLOURS[0],
                label="one channel")
        ax.set(title=f"Per-channel {name}", xlabel=f"{name} measured on the data",
               ylabel=f"running_{'mean' if name == 'mean' else 'var'}")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def seeds_figure(
    panels: Mapping[str, Mapping[str, np.ndarray]],
    ylabels: Mapping[str, str] | None = None, title: str | None = None,
    log_y: Sequence[str] = (), first_epoch: int = 1,
    figsize: tuple[float, float] | None = None,
    ylims: Mapping[str, tuple[float, float]] | None = None,
) -> Figure:
    """Curves over several seeds: each setting's mean as a line, its spread as a band.

    Parameters
    ----------
    panels : mapping of str to mapping of str to ndarray
        ``{panel title: {setting label: curves}}``, ``curves`` of shape
        (S, E): one row per seed, as :func:`cnnlib.experiments.run_seeds`
        stacks a history.  Every setting gets one colour and marker across
        all panels.
    ylabels : mapping of str to str, optional
        The y-axis label of each panel (by title); the title by default.
    title : str, optional
        The figure's title.
    log_y : sequence of str
        Titles of the panels with a logarithmic y axis.
    first_epoch : int, default 1
        The epoch number of column 0 (e.g. the first epoch a moving average
        covers fully).
    figsize : (width, height), optional
        Default: the text column's width, 3.1 inches high.
    ylims : mapping of str to (low, high), optional
        A fixed y range for the panels named (by title), e.g. to show where
        curves level off rather than where they start.

    Returns
    -------
    matplotlib.figure.Figure
        In each panel a line per setting through the mean over seeds, and a
        shaded band from the smallest to the largest seed at every epoch.
    """
    fn = "seeds_figure"
    if not panels:
        raise ValueError(f"{fn}: panels must hold at least one panel")
    if figsize is None:
        figsize = (COLUMN_INCHES, 3.1)
    fig, axes = plt.subplots(1, len(panels), squeeze=False, figsize=figsize,
                             layout="constrained")
    labels: list[str] = []
    for ax, (panel, curves) in zip(axes[0], panels.items(), strict=True):
        if not curves:
            raise ValueError(f"{fn}: panel {panel!r} holds no curves")
        for label, values in curves.items():
            c = np.asarray(values, dtype=float)
            if c.ndim != 2 or c.shape[1] == 0:
                raise ValueError(
                    f"{fn}: curves must have shape (seeds, epochs), got {c.shape} for "
                    f"{label!r} in panel {panel!r}"
                )
            if label not in labels:
                labels.append(label)
            i = labels.index(label)
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            epochs = np.arange(first_epoch, first_epoch + c.shape[1])
            ax.fill_between(epochs, c.min(axis=0), c.max(axis=0), color=colour, alpha=0.2,
                            linewidth=0)
            ax.plot(epochs, c.mean(axis=0), color=colour, marker=marker,
                    markevery=max(1, c.shape[1] // 8), markersize=5, label=label)
        ax.set(title=panel, xlabel="epoch",
               ylabel=(ylabels or {}).get(panel, panel))
        if panel in log_y:
            ax.set_yscale("log")
        if ylims and panel in ylims:
            ax.set_ylim(*ylims[panel])
        ax.grid(alpha=0.3)
    axes[0][0].legend()
    if title:
        fig.suptitle(title)
    return fig


def lr_sweep_figure(
    panels: Mapping[str, Mapping[str, Mapping[float, object]]],
    ylabel: str = "validation accuracy", title: str | None = None,
    xlabel: str = "learning rate", ylim: tuple[float, float] | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """A learning-rate sweep: score against rate (log axis), mean and range over seeds.

    Parameters
    ----------
    panels : mapping
        ``{panel title: {line label: {lr: spread}}}``, each ``spread`` with
        ``mean``, ``min`` and ``max`` attributes, as
        :func:`cnnlib.experiments.summarise` returns them (one line per
        method or variant, e.g. with and without BatchNorm).
    ylabel, xlabel : str
    title : str, optional
    ylim : (low, high), optional
        Shared y range.
    figsize : (width, height), optional
        Default: the text column's width, 2.9 inches high.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per entry, side by side with a shared y axis; each line
        passes through the means, with a vertical bar from the worst to the
        best seed at every rate.  Lines differ in colour, marker and style.
    """
    fn = "lr_sweep_figure"
    if not panels:
        raise ValueError(f"{fn}: panels must hold at least one panel")
    if figsize is None:
        figsize = (COLUMN_INCHES, 2.9)
    fig, axes = plt.subplots(1, len(panels), squeeze=False, sharey=True, figsize=figsize,
                             layout="constrained")
    styles = ("-", "--", ":", "-.")
    for ax, (panel, lines) in zip(axes[0], panels.items(), strict=True):
        for i, (label, spreads) in enumerate(lines.items()):
            if not spreads:
                raise ValueError(f"{fn}: line {label!r} in panel {panel!r} has no rates")
            lrs = np.array(sorted(spreads), dtype=float)
            if np.any(lrs <= 0):
                raise ValueError(f"{fn}: learning rates must be > 0, got {lrs.tolist()}")
            mean = np.array([spreads[lr].mean for lr in sorted(spreads)])
            low = np.array([spreads[lr].min for lr in sorted(spreads)])
            high = np.array([spreads[lr].max for lr in sorted(spreads)])
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            ax.errorbar(lrs, mean, yerr=[mean - low, high - mean], color=colour,
                        marker=marker, markersize=5, linestyle=styles[i % len(styles)],
                        capsize=3, label=label,
                        markerfacecolor=colour if i == 0 else "white")
        ax.set_xscale("log")
        ax.set(title=panel, xlabel=xlabel)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(ylabel)
    if ylim is not None:
        axes[0][0].set_ylim(*ylim)
    axes[0][0].legend()
    if title:
        fig.suptitle(title)
    return fig
