"""Figures for the chapter *Images as tensors*: rows of images and a matrix picture.

No maths here: the arrays come from the library; these functions only lay
them out with titles, axis labels and colour bars, in colour maps that read in
grey and for colour-blind readers (``gray``, ``cividis``, ``RdBu``).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .style import COLUMN_INCHES, panel_grid

__all__ = ["image_row", "image_with_boxes", "matrix_figure"]


def image_row(
    images: Sequence[np.ndarray], titles: Sequence[str], title: str | None = None,
    cmap: str = "gray", signed: bool | Sequence[bool] = False, shared_scale: bool = False,
    colorbar: bool = True, panel_inches: float | None = None,
    colorbar_label: str | None = None, clip_quantile: float | None = None,
) -> Figure:
    """Draw 2-D arrays (or ``(H, W, 3)`` RGB images) side by side, at most the column wide.

    Parameters
    ----------
    images : sequence of ndarray, each (H, W) or (H, W, 3)
        RGB images must hold floats in [0, 1] or uint8; they get no colour bar.
    titles : sequence of str
        One per image.
    title : str, optional
        The figure's title.
    cmap : str
        Colour map for unsigned 2-D arrays.
    signed : bool or sequence of bool
        Centre the colour scale on zero (``RdBu``: red negative, blue
        positive); one flag for every panel or one per panel.
    shared_scale : bool
        One colour scale for every 2-D panel, so equal values look equal, and
        then one colour bar for all of them.
    colorbar : bool
        Draw colour bars (one shared bar, or one beside each 2-D panel).
    panel_inches : float, optional
        Width of one panel; by default the panels share the text column
        (:data:`cnnlib.viz.style.COLUMN_INCHES`), and a wider request is
        shrunk to it.  More than four panels wrap onto new rows.
    colorbar_label : str, optional
        Label on each colour bar.
    clip_quantile : float, optional
        End the colour scale at this quantile (of ``|value|`` for signed
        panels, of the values for a shared unsigned scale), e.g. 0.995,
        instead of the maximum, so that a few extreme values do not wash out
        the rest; values beyond it show in the end colour.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if len(images) != len(titles):
        raise ValueError(
            f"image_row: titles must have one entry per image, got {len(titles)} titles for "
            f"{len(images)} images"
        )
    arrays = [np.asarray(a) for a in images]
    for i, a in enumerate(arrays):
        if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3)):
            raise ValueError(f"image_row: images[{i}] must be (H, W) or (H, W, 3), "
                             f"got shape {a.shape}")
    flags = [signed] * len(arrays) if isinstance(signed, bool) else list(signed)
    if len(flags) != len(arrays):
        raise ValueError(f"image_row: signed must be a bool or one flag per image, got "
                         f"{len(flags)} flags for {len(arrays)} images")
    flat = [a for a in arrays if a.ndim == 2]
    lo = min(float(a.min()) for a in flat) if flat else 0.0
    hi = max(float(a.max()) for a in flat) if flat else 1.0
    if flat and clip_quantile and not any(flags):
        hi = float(np.quantile(np.concatenate([a.ravel() for a in flat]), clip_quantile))

    def _bound(arrs: list[np.ndarray]) -> float:
        mags = np.concatenate([np.abs(a).ravel() for a in arrs])
        value = float(np.quantile(mags, clip_quantile)) if clip_quantile else float(mags.max())
        return value or 1.0

    bound = _bound(flat) if flat else 1.0
    rows, cols = panel_grid(len(arrays))
    one_bar = colorbar and shared_scale and len(flat) > 0
    bar_room = 0.9 if one_bar else (0.9 * cols if colorbar and flat else 0.0)
    fit = (COLUMN_INCHES - bar_room) / cols
    width = fit if panel_inches is None else min(panel_inches, fit)
    aspect = arrays[0].shape[0] / arrays[0].shape[1]
    fig = plt.figure(figsize=(min(COLUMN_INCHES, width * cols + bar_room),
                              rows * (width * aspect + 0.55) + (0.45 if title else 0.1)),
                     layout="constrained")
    grid = fig.subplots(rows, cols, squeeze=False)
    axes = [ax for row in grid for ax in row]
    for ax in axes[len(arrays):]:
        ax.set_visible(False)
    shared_image = None
    for ax, a, name, flag in zip(axes, arrays, titles, flags, strict=False):
        if a.ndim == 3:
            ax.imshow(a)
        else:
            if flag:
                b = bound if shared_scale else _bound([a])
                kw = {"cmap": "RdBu", "vmin": -b, "vmax": b}
            elif shared_scale:
                kw = {"cmap": cmap, "vmin": lo, "vmax": hi}
            else:
                kw = {"cmap": cmap}
            im = ax.imshow(a, interpolation="nearest", **kw)
            shared_image = shared_image or im
            if colorbar and not one_bar:
                bar = fig.colorbar(im, ax=ax, shrink=0.8)
                if colorbar_label:
                    bar.set_label(colorbar_label)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    if one_bar:
        bar = fig.colorbar(shared_image, ax=axes[:len(arrays)], shrink=0.8)
        if colorbar_label:
            bar.set_label(colorbar_label)
    if title:
        fig.suptitle(title)
    return fig


def matrix_figure(
    matrix: np.ndarray, title: str, xlabel: str, ylabel: str,
    figsize: tuple[float, float] = (COLUMN_INCHES, 3.4),
) -> Figure:
    """Draw a matrix cell by cell, signed values in ``RdBu`` with white at zero.

    Parameters
    ----------
    matrix : ndarray, shape (rows, columns)
    title, xlabel, ylabel : str
    figsize : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"matrix_figure: matrix must be 2-D, got shape {m.shape}")
    bound = float(np.abs(m).max()) or 1.0
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    im = ax.imshow(m, cmap="RdBu", vmin=-bound, vmax=bound, interpolation="nearest")
    ax.set_xticks(np.arange(-0.5, m.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, m.shape[0], 1), minor=True)
    ax.grid(which="minor", color="0.85", linewidth=0.4)
    ax.tick_params(which="minor", length=0)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.colorbar(im, ax=ax, shrink=0.8, label="weight")
    return fig


def image_with_boxes(
    image: np.ndarray, boxes: Sequence[tuple[int, int, int, int]], labels: Sequence[str],
    title: str, cmap: str = "gray", figsize: tuple[float, float] = (4.6, 5.0),
) -> Figure:
    """Draw an image with labelled rectangles on it (e.g. where a kernel sits).

    Parameters
    ----------
    image : ndarray, (H, W) or (H, W, 3)
    boxes : sequence of (row, col, height, width)
        Top-left corner and size of each rectangle, in pixels.
    labels : sequence of str
        One per box, written beside it.
    title : str
    cmap : str
        Colour map for a 2-D image.
    figsize : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.patches import Rectangle

    if len(boxes) != len(labels):
        raise ValueError(f"image_with_boxes: one label per box, got {len(labels)} labels for "
                         f"{len(boxes)} boxes")
    colours = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7")
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.imshow(image, cmap=cmap)
    for k, ((r, c, h, w), text) in enumerate(zip(boxes, labels, strict=True)):
        colour = colours[k % len(colours)]
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), w, h, fill=False, edgecolor=colour,
                               linewidth=2.5))
        ax.annotate(text, (c + w, r), xytext=(8, -4), textcoords="offset points",
                    color=colour, fontsize=12, fontweight="bold",
                    bbox={"facecolor": "black", "alpha": 0.6, "pad": 2, "linewidth": 0})
    ax.set_title(title)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    return fig
