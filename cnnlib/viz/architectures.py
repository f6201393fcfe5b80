"""Figures for the chapter *Architectures*.

Every number drawn here comes from :mod:`cnnlib.summary`,
:mod:`cnnlib.architectures` or :mod:`cnnlib.residual`; these functions only
place it on axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .style import column_figure, panel_figure

__all__ = [
    "draw_stage_field",
    "plot_accuracy_vs_cost",
    "plot_gradient_paths",
    "plot_stage_fields",
]

# Okabe-Ito colours: distinguishable with every common colour-vision deficiency
_BLUE, _ORANGE, _GREEN, _VERMILION, _PURPLE = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"


def draw_stage_field(
    ax: Axes, photo: np.ndarray, rf: int, jump: int, title: str = ""
) -> tuple[Rectangle, Rectangle]:
    """Draw a square input and the receptive field of its centre unit, and of its neighbour.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    photo : ndarray, shape (S, S) or (S, S, 3)
        The network's input as a picture (values in [0, 1]), e.g. from
        :func:`cnnlib.architectures.square_photo`.
    rf : int
        The receptive field, in input pixels.
    jump : int
        The distance between neighbouring units' fields, in input pixels.
    title : str

    Returns
    -------
    (Rectangle, Rectangle)
        The centre unit's field (solid) and its right-hand neighbour's
        (dashed, ``jump`` pixels further right).  A field larger than the
        input reaches past its edges, into the padding; the axes grow to
        show all of it.
    """
    size = photo.shape[0]
    centre = (size - 1) / 2
    ax.imshow(photo, cmap="gray" if photo.ndim == 2 else None, vmin=0, vmax=1,
              extent=(-0.5, size - 0.5, size - 0.5, -0.5))
    corner = centre - (rf - 1) / 2 - 0.5
    field = Rectangle((corner, corner), rf, rf, fill=False, edgecolor=_ORANGE, linewidth=2.5,
                      label=f"field of the centre unit: {rf} px")
    neighbour = Rectangle((corner + jump, corner), rf, rf, fill=False, edgecolor=_BLUE,
                          linewidth=1.5, linestyle="--",
                          label=f"its neighbour's, {jump} px to the right")
    ax.add_patch(field)
    ax.add_patch(neighbour)
    reach = max(size, rf + 2 * jump) / 2 + 4
    ax.set_xlim(centre - reach, centre + reach)
    ax.set_ylim(centre + reach, centre - reach)
    ax.add_patch(Rectangle((-0.5, -0.5), size, size, fill=False, edgecolor="0.4",
                           linewidth=0.8, linestyle=":"))
    ax.set_xlabel("input column (pixels)")
    ax.set_ylabel("input row (pixels)")
    if title:
        ax.set_title(title, fontsize=10)
    return field, neighbour


def plot_stage_fields(
    photo: np.ndarray, stages: Sequence[tuple[str, int, int]], title: str = "",
    panel_inches: float = 2.35,
) -> Figure:
    """One panel per stage (three to a row), the column wide: the input and the centre unit's field.

    Parameters
    ----------
    photo : ndarray, shape (S, S) or (S, S, 3)
    stages : sequence of (label, rf, jump)
        E.g. from :func:`cnnlib.architectures.stage_totals` for each stage.
    title : str
    panel_inches : float
        Height of one row of panels (inches); the width is the text column's.

    Returns
    -------
    matplotlib.figure.Figure
        One legend, under the panels, says which square is which.
    """
    fig, axes = panel_figure(len(stages), panel_height=panel_inches + 0.2, max_columns=3,
                             extra_height=0.8)
    patches: tuple = ()
    for ax, (label, rf, jump) in zip(axes, stages, strict=True):
        patches = draw_stage_field(ax, photo, rf, jump, title=f"{label}: field {rf}, jump {jump}")
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    if patches:
        fig.legend(handles=list(patches), labels=["field of the centre unit",
                                                  "its right-hand neighbour's, one jump away"],
                   loc="outside lower center", ncols=2, frameon=False)
    if title:
        fig.suptitle(title)
    return fig


def plot_gradient_paths(
    depths: Sequence[int], series: Mapping[str, Sequence[float]], title: str = "",
) -> Figure:
    """Gradient size at the first block against depth, one line per kind of stack.

    Parameters
    ----------
    depths : sequence of int
        Numbers of blocks (the x axis).
    series : mapping of label to sequence of float
        The RMS gradient at the first block for each depth, e.g. from
        :func:`cnnlib.residual.block_stack_gradients`.  Labels containing
        "residual" are drawn solid, the others dashed.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Logarithmic y axis: a gradient of 1e-40 and one of 1e7 both show.
    """
    fig = column_figure(height=4.0)
    ax = fig.subplots()
    colours = [_BLUE, _ORANGE, _GREEN, _VERMILION, _PURPLE]
    markers = ["o", "s", "^", "D", "v"]
    for i, (label, values) in enumerate(series.items()):
        style = "-" if "residual" in label else "--"
        ax.plot(depths, values, style, marker=markers[i % 5], color=colours[i % 5], label=label)
    ax.axhline(1.0, color="0.5", linewidth=0.8, linestyle=":")
    ax.set_yscale("log")
    ax.set_xticks(list(depths))
    ax.set_xlabel("number of blocks (two 3x3 convolutions each)")
    ax.set_ylabel("RMS gradient at the first block")
    ax.grid(alpha=0.3, which="major")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.set_title(title or "How much gradient reaches the first block")
    return fig


def plot_accuracy_vs_cost(
    names: Sequence[str], macs: Sequence[float], top1: Sequence[float],
    params: Sequence[float], title: str = "",
) -> Figure:
    """Published top-1 accuracy against computed multiply-accumulates, one point per model.

    Parameters
    ----------
    names : sequence of str
    macs : sequence of float
        Multiply-accumulates for one 224x224 image (x axis, logarithmic).
    top1 : sequence of float
        ImageNet top-1 accuracy in per cent (y axis).
    params : sequence of float
        Parameter counts; a marker's area grows with them.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = column_figure(height=4.4)
    ax = fig.subplots()
    p = np.asarray(params, dtype=float)
    sizes = 40 + 400 * p / p.max()
    ax.scatter(np.asarray(macs) / 1e9, top1, s=sizes, color=_BLUE, alpha=0.6,
               edgecolor="black", linewidth=0.8)
    for name, x, y, n in zip(names, macs, top1, params, strict=True):
        ax.annotate(f"{name}\n{n / 1e6:.1f} M params", (x / 1e9, y), textcoords="offset points",
                    xytext=(8, -4), fontsize=9)
    ax.set_xscale("log")
    ax.set_xlabel("multiply-accumulates per 224x224 image (billions, log scale)")
    ax.set_ylabel("ImageNet top-1 accuracy (%)")
    ax.grid(alpha=0.3, which="both")
    xs = np.asarray(macs) / 1e9
    ax.set_xlim(xs.min() / 1.6, xs.max() * 3.2)
    ax.set_ylim(min(top1) - 3, max(top1) + 3)
    ax.set_title(title or "Accuracy against cost (marker area: parameters)")
    return fig
