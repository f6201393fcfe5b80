"""Figures for the chapter *Transfer learning*: sweeps, accuracy curves, filters.

No maths here: the scores, curves and filters come from training runs in the
chapter.  Every figure is drawn at the width of the book's text column
(6.9 inches at 100 dpi) with text of at least 9 points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["STRATEGY_STYLES", "plot_filter_change", "plot_lr_sweep", "plot_transfer_curves"]

#: Okabe-Ito colours (readable with every common colour-vision deficiency),
#: with a line style and marker each so that the curves also part in grey.
STRATEGY_STYLES: dict[str, dict[str, object]] = {
    "from scratch": {"color": "#E69F00", "linestyle": "--", "marker": "o"},
    "frozen features": {"color": "#0072B2", "linestyle": "-", "marker": "s"},
    "fine-tuning": {"color": "#009E73", "linestyle": "-.", "marker": "^"},
}

_WIDTH = 6.9        # inches: the 688 px text column at 100 dpi
_SMALL = 9          # points: the smallest text in these figures


def _panels(n: int, height: float) -> tuple[Figure, np.ndarray]:
    fig = plt.figure(figsize=(_WIDTH, height), dpi=100, layout="constrained")
    axes = fig.subplots(1, n, sharey=True, squeeze=False)[0]
    for ax in axes:
        ax.tick_params(labelsize=_SMALL)
        ax.grid(alpha=0.3)
    return fig, axes


def plot_lr_sweep(
    lrs: Sequence[float], scores: Mapping[str, Mapping[str, np.ndarray]],
    chosen: Mapping[str, Mapping[str, float]] | None = None, title: str = "",
    ylabel: str = "validation accuracy",
) -> Figure:
    """A learning-rate sweep: score against learning rate, one panel per data set.

    Parameters
    ----------
    lrs : sequence of float, length K
        The learning rates tried (the x axis, logarithmic).
    scores : mapping of panel title to mapping of strategy to ndarray
        ``scores["5 labels per class"]["fine-tuning"]`` has shape ``(S, K)``:
        one row per seed, one column per learning rate.  The line joins the
        means over seeds; the bar at each point spans the worst to the best
        seed.
    chosen : mapping of panel title to mapping of strategy to float, optional
        The learning rate picked for each strategy, drawn as a large ring.
    title : str
    ylabel : str, default 'validation accuracy'

    Returns
    -------
    matplotlib.figure.Figure
        One panel per entry of ``scores``, side by side, sharing the y axis
        (0 to 1, with chance for five classes, 0.2, dotted).
    """
    x = np.asarray(lrs, dtype=float)
    fig, axes = _panels(len(scores), 2.9)
    for ax, (panel, by_strategy) in zip(axes, scores.items(), strict=True):
        n_seeds = 0
        for i, (strategy, runs) in enumerate(by_strategy.items()):
            runs = np.asarray(runs, dtype=float)
            n_seeds = runs.shape[0]
            mean = runs.mean(axis=0)
            style = dict(STRATEGY_STYLES.get(strategy, {}))
            shift = x * 1.1 ** (i - (len(by_strategy) - 1) / 2)   # part the bars a little
            below = np.maximum(mean - runs.min(axis=0), 0.0)      # >= 0 despite round-off
            above = np.maximum(runs.max(axis=0) - mean, 0.0)
            ax.errorbar(shift, mean, yerr=[below, above], label=strategy, markersize=5,
                        capsize=2, **style)
            if chosen is not None and strategy in chosen.get(panel, {}):
                k = int(np.argmin(np.abs(x - chosen[panel][strategy])))
                ax.plot(shift[k], mean[k], marker="o", markersize=13, fillstyle="none",
                        color=style.get("color"), linestyle="none")
        ax.axhline(0.2, color="0.4", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set_xticks(x, [f"{v:g}" for v in x])
        ax.minorticks_off()
        ax.set_title(f"{panel} ({n_seeds} seeds)", fontsize=_SMALL + 1)
        ax.set_xlabel("learning rate", fontsize=_SMALL + 1)
    axes[0].set_ylabel(ylabel, fontsize=_SMALL + 1)
    axes[0].set_ylim(0, 1.02)
    axes[0].legend(loc="lower left", fontsize=_SMALL)
    if title:
        fig.suptitle(title, fontsize=_SMALL + 2)
    return fig


def plot_transfer_curves(
    steps: Sequence[int], curves: Mapping[str, Mapping[str, np.ndarray]], title: str = "",
    ylabel: str = "validation accuracy",
) -> Figure:
    """Accuracy against training steps, one panel per amount of labelled data.

    Parameters
    ----------
    steps : sequence of int, length T
        The steps at which accuracy was measured (the x axis).
    curves : mapping of panel title to mapping of strategy to ndarray
        ``curves["5 labels per class"]["frozen features"]`` has shape
        ``(S, T)``: one row per seed.  The line is the mean over seeds, the
        band spans the worst to the best seed at each step.
    title : str
    ylabel : str, default 'validation accuracy'

    Returns
    -------
    matplotlib.figure.Figure
        One panel per entry of ``curves``, titled with the number of seeds.
    """
    x = np.asarray(steps)
    fig, axes = _panels(len(curves), 2.9)
    for ax, (panel, by_strategy) in zip(axes, curves.items(), strict=True):
        for strategy, runs in by_strategy.items():
            runs = np.asarray(runs, dtype=float)
            style = STRATEGY_STYLES.get(strategy, {})
            ax.plot(x, runs.mean(axis=0), label=strategy, markersize=4, **style)
            ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), color=style.get("color"),
                            alpha=0.2, linewidth=0)
        ax.set_title(f"{panel} ({runs.shape[0]} seeds)", fontsize=_SMALL + 1)
        ax.set_xlabel("training step", fontsize=_SMALL + 1)
    axes[0].set_ylabel(ylabel, fontsize=_SMALL + 1)
    axes[0].set_ylim(0, 1.02)
    axes[-1].legend(loc="lower right", fontsize=_SMALL)
    if title:
        fig.suptitle(title, fontsize=_SMALL + 2)
    return fig


def plot_filter_change(before: np.ndarray, after: np.ndarray, title: str = "") -> Figure:
    """First-layer filters before and after fine-tuning, and their difference.

    Parameters
    ----------
    before, after : ndarray, shape (F, 1, kh, kw) or (F, kh, kw)
        The same layer's filters at two moments.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Three rows of ``F`` panels: before, after (one signed colour scale
        shared by both), and after minus before (on the same scale, so a
        small change looks small).
    """
    b = np.asarray(before).reshape(len(before), *np.asarray(before).shape[-2:])
    a = np.asarray(after).reshape(b.shape)
    f = b.shape[0]
    limit = float(max(np.abs(b).max(), np.abs(a).max()))
    fig = plt.figure(figsize=(min(_WIDTH, 0.4 * f + 1.6), 2.6), dpi=100, layout="constrained")
    axes = fig.subplots(3, f, squeeze=False)
    rows = [("before", b), ("after", a), ("change", a - b)]
    image = None
    for r, (label, filters) in enumerate(rows):
        for i in range(f):
            ax = axes[r, i]
            image = ax.imshow(filters[i], cmap="RdBu", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(str(i), fontsize=_SMALL)
        axes[r, 0].set_ylabel(label, fontsize=_SMALL)
    bar = fig.colorbar(image, ax=axes, shrink=0.8)
    bar.set_label("weight", fontsize=_SMALL)
    bar.ax.tick_params(labelsize=_SMALL)
    fig.supxlabel("filter number (3x3 kernels; blue positive, red negative)", fontsize=_SMALL)
    if title:
        fig.suptitle(title, fontsize=_SMALL + 1)
    return fig
