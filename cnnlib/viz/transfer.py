"""Figures for the chapter *Transfer learning*: accuracy curves, filters before and after.

No maths here: the curves and filters come from training runs in the chapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["STRATEGY_STYLES", "plot_filter_change", "plot_transfer_curves"]

#: Okabe-Ito colours (readable with every common colour-vision deficiency),
#: with a line style and marker each so that the curves also part in grey.
STRATEGY_STYLES: dict[str, dict[str, object]] = {
    "from scratch": {"color": "#E69F00", "linestyle": "--", "marker": "o"},
    "frozen features": {"color": "#0072B2", "linestyle": "-", "marker": "s"},
    "fine-tuning": {"color": "#009E73", "linestyle": "-.", "marker": "^"},
}


def plot_transfer_curves(
    steps: Sequence[int], curves: Mapping[str, Mapping[str, np.ndarray]], title: str = "",
) -> Figure:
    """Test accuracy against training steps, one panel per amount of labelled data.

    Parameters
    ----------
    steps : sequence of int
        The steps at which accuracy was measured (the x axis).
    curves : mapping of panel title to mapping of strategy to ndarray
        ``curves["5 labels per class"]["frozen features"]`` has shape
        ``(seeds, len(steps))``: one row per seed.  The line is the mean over
        seeds, the band the mean plus and minus one standard deviation.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = plt.figure(figsize=(4.0 * len(curves), 3.6), layout="constrained")
    axes = fig.subplots(1, len(curves), sharey=True, squeeze=False)[0]
    x = np.asarray(steps)
    for ax, (panel, by_strategy) in zip(axes, curves.items(), strict=True):
        for strategy, runs in by_strategy.items():
            runs = np.asarray(runs, dtype=float)
            mean, std = runs.mean(axis=0), runs.std(axis=0)
            style = STRATEGY_STYLES.get(strategy, {})
            ax.plot(x, mean, label=strategy, markersize=4, **style)
            ax.fill_between(x, mean - std, mean + std, color=style.get("color"), alpha=0.15,
                            linewidth=0)
        ax.set_title(f"{panel} ({runs.shape[0]} seeds)")
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy on digits 5-9")
    axes[0].set_ylim(0, 1.02)
    axes[-1].legend(loc="lower right")
    if title:
        fig.suptitle(title)
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
    fig = plt.figure(figsize=(0.75 * f + 1.6, 2.9), layout="constrained")
    axes = fig.subplots(3, f, squeeze=False)
    rows = [("pre-trained", b), ("fine-tuned", a), ("difference", a - b)]
    image = None
    for r, (label, filters) in enumerate(rows):
        for i in range(f):
            ax = axes[r, i]
            image = ax.imshow(filters[i], cmap="RdBu", vmin=-limit, vmax=limit)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(str(i), fontsize=8)
        axes[r, 0].set_ylabel(label, fontsize=8)
    fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
    fig.supxlabel("filter number (3x3 kernels, blue positive, red negative)", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig
