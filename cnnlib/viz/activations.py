"""Figures for the chapter *ReLU*: activation curves with their derivatives, and bar charts.

The curves are computed by :mod:`cnnlib.activations` in the chapter and passed
in; nothing here computes. Lines differ by colour (the Okabe-Ito palette,
safe for colour-blind readers) *and* by dash pattern, so they read in grey.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import COLUMN_INCHES

__all__ = ["PALETTE", "activation_figure", "bar_figure", "curve_figure"]

#: Okabe & Ito's colour-blind-safe palette (black first).
PALETTE = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7")
_DASHES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)), (0, (1, 1)))


def activation_figure(
    x: np.ndarray, values: Mapping[str, np.ndarray], derivatives: Mapping[str, np.ndarray],
    title: str | None = None, figsize: tuple[float, float] = (COLUMN_INCHES, 3.4),
) -> Figure:
    """Two panels: each activation ``f(x)`` on the left, its derivative ``f'(x)`` on the right.

    Parameters
    ----------
    x : ndarray, shape (P,)
        The inputs, in increasing order.
    values, derivatives : mapping of name -> ndarray, shape (P,)
        Same names in both, in the order to draw them.
    title : str, optional
    figsize : (float, float)
        Column-wide by default; with more than two curves one legend goes
        under both panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if list(values) != list(derivatives):
        raise ValueError("activation_figure: values and derivatives must have the same names, "
                         f"got {list(values)} and {list(derivatives)}")
    fig, (left, right) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    for i, name in enumerate(values):
        style = {"color": PALETTE[i % len(PALETTE)], "linestyle": _DASHES[i % len(_DASHES)],
                 "linewidth": 2, "label": name}
        left.plot(x, values[name], **style)
        right.plot(x, derivatives[name], **style)
    for ax, what in ((left, "f(x)"), (right, "f′(x)")):
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.axvline(0, color="0.6", linewidth=0.8)
        ax.set_xlabel("input x")
        ax.set_ylabel(what)
        ax.grid(True, color="0.9")
    if len(values) > 2:
        fig.legend(*left.get_legend_handles_labels(), loc="outside lower center",
                   ncols=min(len(values), 3), frameon=False)
    elif len(values) > 1:
        left.legend(frameon=False)
    left.set_title("activation")
    right.set_title("derivative")
    if title:
        fig.suptitle(title)
    return fig


def bar_figure(
    labels: Sequence[str], values: Sequence[float], title: str, xlabel: str,
    xlim: tuple[float, float] | None = None, figsize: tuple[float, float] | None = None,
    value_format: str = "{:.2f}",
) -> Figure:
    """Horizontal bars, one per label, each with its value written at its end.

    Parameters
    ----------
    labels : sequence of str
    values : sequence of float
    title, xlabel : str
    xlim : (float, float), optional
    figsize : (float, float), optional
        Column-wide, a quarter of an inch per bar, by default.
    value_format : str
        How to print each value beside its bar.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if len(labels) != len(values):
        raise ValueError(f"bar_figure: one value per label, got {len(labels)} labels and "
                         f"{len(values)} values")
    if figsize is None:
        figsize = (COLUMN_INCHES, 0.9 + 0.24 * len(labels))
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    y = np.arange(len(labels))
    ax.barh(y, values, color=PALETTE[5])
    for yi, v in zip(y, values, strict=True):
        ax.text(v, yi, " " + value_format.format(v), va="center")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    if xlim:
        ax.set_xlim(*xlim)
    return fig


def curve_figure(
    x: np.ndarray, curves: Mapping[str, np.ndarray], title: str, xlabel: str, ylabel: str,
    logy: bool = False, markers: bool = True,
    figsize: tuple[float, float] = (COLUMN_INCHES, 3.4),
    marks: Mapping[str, float] | None = None,
) -> Figure:
    """Several named curves over one x axis, told apart by colour, dash and marker.

    Parameters
    ----------
    x : ndarray, shape (P,)
    curves : mapping of name -> ndarray, shape (P,)
    title, xlabel, ylabel : str
    logy : bool
        Logarithmic y axis (for quantities that shrink geometrically).
    markers : bool
        Mark every point (useful when x takes few values).
    figsize : (float, float)
    marks : mapping of label -> float, optional
        Vertical dotted lines at these x values, labelled in the legend.

    Returns
    -------
    matplotlib.figure.Figure
    """
    symbols = ("o", "s", "^", "D", "v", "P", "X")
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    for i, (name, y) in enumerate(curves.items()):
        ax.plot(x, y, color=PALETTE[i % len(PALETTE)], linestyle=_DASHES[i % len(_DASHES)],
                marker=symbols[i % len(symbols)] if markers else None, markersize=5,
                linewidth=2, label=name)
    for j, (label, where) in enumerate((marks or {}).items()):
        ax.axvline(where, color=PALETTE[(len(curves) + j) % len(PALETTE)], linestyle=":",
                   linewidth=1.5, label=label)
    if logy:
        ax.set_yscale("log")
    if np.issubdtype(np.asarray(x).dtype, np.integer):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="0.9")
    if len(curves) + len(marks or {}) > 1:
        ax.legend(frameon=False)
    return fig
