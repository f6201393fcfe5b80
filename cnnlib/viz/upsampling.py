"""Figures for *Transposed convolution and upsampling*: stamps, the equivalent
convolution, overlap maps and segmentation masks.  No maths of their own: every
array comes from :mod:`cnnlib.conv_transpose` or :mod:`cnnlib.upsample`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .grids import NumberGrid
from .style import COLUMN_INCHES, column_figure

__all__ = ["OverlapView", "overlap_figure", "pattern_figure", "plot_number_steps",
           "plot_stamps", "segmentation_figure"]


def plot_number_steps(
    panels: Sequence[tuple[str, np.ndarray]], signed: bool | Sequence[bool] = False,
    title: str | None = None, rows: int = 1,
) -> Figure:
    """Small arrays drawn as number grids, ``rows`` rows, sized to the column.

    Each panel keeps its own colour scale (``RdBu`` centred at 0 for a signed
    panel, ``Greys`` otherwise); the numbers are written in the cells, so no
    colour bar is needed to read them.

    Parameters
    ----------
    panels : sequence of (title, ndarray of shape (H, W))
    signed : bool or sequence of bool
    title : str, optional
    rows : int, default 1
        Rows of panels; the panels fill them left to right.

    Returns
    -------
    Figure
    """
    flags = [signed] * len(panels) if isinstance(signed, bool) else list(signed)
    if len(flags) != len(panels):
        raise ValueError(f"plot_number_steps: signed has {len(flags)} flags for "
                         f"{len(panels)} panels")
    per_row = -(-len(panels) // rows)
    tallest = max(np.shape(a)[0] for _, a in panels)
    widest_row = max(sum(max(np.shape(a)[1], 2) for _, a in panels[r * per_row:(r + 1) * per_row])
                     for r in range(rows))
    cell = min(0.42, (COLUMN_INCHES - 0.9 * per_row) / widest_row)
    fig = column_figure(height=rows * (cell * tallest + 1.0) + (0.4 if title else 0.0))
    widths = [max(np.shape(a)[1], 2) for _, a in panels[:per_row]]
    widths += [2] * (per_row - len(widths))
    grid = fig.add_gridspec(rows, per_row, width_ratios=widths)
    for k, ((name, values), flag) in enumerate(zip(panels, flags, strict=True)):
        ax = fig.add_subplot(grid[k // per_row, k % per_row])
        NumberGrid(ax, values, name, cmap="RdBu" if flag else "Greys",
                   fontsize=9 if max(np.shape(values)) > 6 else 10)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize=9)
    if title:
        fig.suptitle(title)
    return fig


def plot_stamps(stamps: Sequence[np.ndarray], total: np.ndarray,
                labels: Sequence[str]) -> Figure:
    """Each input pixel's stamp on the output, then their sum (signed scale shared).

    Parameters
    ----------
    stamps : sequence of ndarray, each (H_out, W_out)
        One input pixel's contribution, zeros elsewhere.
    total : ndarray, shape (H_out, W_out)
        The transposed convolution's output, the sum of the stamps.
    labels : sequence of str
        One title per stamp.
    """
    bound = float(max(np.max(np.abs(total)), *(np.max(np.abs(s)) for s in stamps), 1e-12))
    n = len(stamps) + 1
    h, w = np.shape(total)
    cell = min(0.4, (COLUMN_INCHES - 0.3 * n) / (n * w))
    fig = column_figure(height=cell * h + 1.3)
    axes = fig.subplots(1, n)
    for ax, values, name in zip(axes, [*stamps, total], [*labels, "sum = output"],
                                strict=True):
        NumberGrid(ax, values, name, cmap="RdBu", vmin=-bound, vmax=bound, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
    return fig


class OverlapView:
    """One overlap map drawn on ``ax``: counts in cells, one colour per count.

    Used by :func:`overlap_figure` and by the transposed-convolution widget,
    which redraws it with :meth:`update`.
    """

    def __init__(self, ax: object, counts: np.ndarray, title: str = "",
                 vmax: float | None = None, annotate: bool = True) -> None:
        self.ax = ax
        self.annotate = annotate
        self.texts: list = []
        self.image = ax.imshow(np.asarray(counts, dtype=float), cmap="viridis", vmin=0,
                               vmax=vmax if vmax is not None else max(float(np.max(counts)), 1))
        self.update(counts, title, vmax)

    def update(self, counts: np.ndarray, title: str = "", vmax: float | None = None) -> None:
        counts = np.asarray(counts)
        h, w = counts.shape
        top = vmax if vmax is not None else max(float(counts.max()), 1.0)
        self.image.set_data(counts.astype(float))
        self.image.set_clim(0, top)
        self.image.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        self.ax.set_xlim(-0.5, w - 0.5)
        self.ax.set_ylim(h - 0.5, -0.5)
        for t in self.texts:
            t.remove()
        self.texts = []
        if self.annotate and max(h, w) <= 16:
            size = 9 if max(h, w) <= 10 else 8.5
            for i in range(h):
                for j in range(w):
                    dark = counts[i, j] < 0.55 * top
                    self.texts.append(self.ax.text(j, i, str(int(counts[i, j])), ha="center",
                                                   va="center", fontsize=size,
                                                   color="white" if dark else "black"))
        self.ax.set_xticks([])
        self.ax.set_yticks([])
        self.ax.set_title(title)


def overlap_figure(maps: Sequence[np.ndarray], titles: Sequence[str],
                   title: str | None = None, label: str = "stamps covering the pixel",
                   height: float = 2.9) -> Figure:
    """Overlap counts side by side on one colour scale, with one shared colour bar.

    Parameters
    ----------
    maps : sequence of ndarray of int, each (H, W)
        E.g. :func:`cnnlib.conv_transpose.overlap_counts` for several settings.
    titles : sequence of str
    title : str, optional
    label : str
        The colour bar's label.
    height : float
        Figure height in inches.
    """
    if len(maps) != len(titles):
        raise ValueError(f"overlap_figure: {len(maps)} maps but {len(titles)} titles")
    top = max(float(np.max(m)) for m in maps)
    fig = column_figure(height=height)
    axes = fig.subplots(1, len(maps))
    axes = np.atleast_1d(axes)
    views = [OverlapView(ax, m, t, vmax=top) for ax, m, t in zip(axes, maps, titles, strict=True)]
    fig.colorbar(views[0].image, ax=list(axes), shrink=0.85, label=label,
                 ticks=MaxNLocator(integer=True))
    if title:
        fig.suptitle(title)
    return fig


def pattern_figure(maps: Sequence[np.ndarray], titles: Sequence[str],
                   title: str | None = None, label: str = "value",
                   height: float = 2.7) -> Figure:
    """Signed maps side by side, ``RdBu`` centred at 0 on one scale, one colour bar.

    Parameters
    ----------
    maps : sequence of ndarray, each (H, W)
        E.g. each layer's output minus its mean: red below, blue above.
    titles : sequence of str
    title : str, optional
    label : str
        The colour bar's label.
    height : float
        Figure height in inches.
    """
    if len(maps) != len(titles):
        raise ValueError(f"pattern_figure: {len(maps)} maps but {len(titles)} titles")
    bound = max(max(float(np.max(np.abs(m))) for m in maps), 1e-12)
    fig = column_figure(height=height)
    axes = np.atleast_1d(fig.subplots(1, len(maps)))
    for ax, values, name in zip(axes, maps, titles, strict=True):
        image = ax.imshow(values, cmap="RdBu", vmin=-bound, vmax=bound)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(name)
    fig.colorbar(image, ax=list(axes), shrink=0.85, label=label)
    if title:
        fig.suptitle(title)
    return fig


def segmentation_figure(images: np.ndarray, targets: np.ndarray, predicted: np.ndarray,
                        row_labels: Sequence[str] = ("digit", "target", "predicted")) -> Figure:
    """Digits, their stroke masks and the predicted masks, one column per example.

    Parameters
    ----------
    images : ndarray, shape (K, H, W)
        Grey levels in [0, 1].
    targets, predicted : ndarray, shape (K, H, W)
        0/1 masks.
    """
    k = len(images)
    fig = column_figure(height=0.62 * COLUMN_INCHES / k * 3 * 1.6 + 0.3)
    axes = fig.subplots(3, k, squeeze=False)
    for row, (arrays, name) in enumerate(zip((images, targets, predicted), row_labels,
                                             strict=True)):
        for col in range(k):
            ax = axes[row, col]
            ax.imshow(arrays[col], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if col == 0:
                ax.set_ylabel(name)
    return fig
