"""House-style figures for worked examples: number grids and feature maps, column wide.

Two layouts, both drawn at the width of the book's text column and wrapped
onto a new row beyond four panels:

* :func:`worked_grids` -- small arrays written out as grids of numbers
  (an input, a kernel, a feature map, a gradient), the picture behind the
  chapters *One CNN block* and *Backpropagation through convolution*;
* :func:`map_panels` -- larger arrays (a photo and its feature maps) as
  images.

Colour encodes value, so every panel has a colour bar; panels given the same
``group`` share one scale and one bar.  Signed values use the diverging
``RdBu`` map with symmetric limits, so white is 0.  No maths here: the arrays
come from the library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .grids import NumberGrid
from .style import COLUMN_INCHES, MAX_COLUMNS, column_figure, panel_grid

__all__ = ["map_panels", "worked_grids"]


def _limits(arrays: Sequence[np.ndarray], signed: bool,
            quantile: float | None = None) -> tuple[float, float]:
    finite = np.concatenate([a[np.isfinite(a)].ravel() for a in arrays] + [np.zeros(0)])
    if finite.size == 0:
        return (-1.0, 1.0) if signed else (0.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    if quantile is not None:
        # Clip the few largest values so that faint structure still shows.
        hi = float(np.quantile(np.abs(finite) if signed else finite, quantile)) or hi
    if signed:
        bound = (hi if quantile is not None else max(abs(lo), abs(hi))) or 1.0
        return -bound, bound
    if lo == hi:
        return lo - 0.5, hi + 0.5
    return lo, hi


def _check(panels: Sequence, flags: Sequence, groups: Sequence, fn: str) -> None:
    if not panels:
        raise ValueError(f"{fn}: panels must hold at least one (title, array), got none")
    for name, values in (("signed", flags), ("groups", groups)):
        if len(values) != len(panels):
            raise ValueError(f"{fn}: {name} must have one entry per panel ({len(panels)}), "
                             f"got {len(values)}")


def _scales(arrays, flags, groups, fn, quantile=None):
    """One (cmap, vmin, vmax) per group; a group mixing signed and unsigned is refused."""
    scales = {}
    for g in dict.fromkeys(groups):
        members = [i for i, gi in enumerate(groups) if gi == g]
        kinds = {bool(flags[i]) for i in members}
        if len(kinds) > 1:
            raise ValueError(f"{fn}: panels {members} share group {g!r} but are not all "
                             f"signed or all unsigned")
        signed = kinds.pop()
        scales[g] = ("RdBu" if signed else "Greys",
                     *_limits([arrays[i] for i in members], signed, quantile))
    return scales


def _groups_span(groups: Sequence[object], cols: int) -> bool:
    """True if some group has panels on more than one row (its bar goes under them all)."""
    rows_of: dict[object, set[int]] = {}
    for index, g in enumerate(groups):
        rows_of.setdefault(g, set()).add(index // cols)
    return any(len(r) > 1 for r in rows_of.values())


def worked_grids(
    panels: Sequence[tuple[str, np.ndarray]], signed: Sequence[bool] | None = None,
    groups: Sequence[object] | None = None, title: str = "",
    outlines: Mapping[int, tuple[Sequence[int], Sequence[int]]] | None = None,
    max_columns: int = MAX_COLUMNS, colorbar: bool = True, fontsize: float = 10.5,
    labels: Sequence[str] | None = None,
) -> tuple[Figure, list[NumberGrid]]:
    """Small arrays as grids of numbers, as wide as the text column.

    Introduced in the chapter *One CNN block*.

    Parameters
    ----------
    panels : sequence of (title, values of shape (H, W))
    signed : sequence of bool, optional
        Which panels hold signed values (``RdBu``, white at 0); by default a
        panel is signed if it has a negative entry.
    groups : sequence, optional
        A label per panel; panels with the same label share one colour scale
        and one colour bar (e.g. a feature map, its ReLU and its pooled
        value).  By default every panel has its own.
    title : str
        Figure title.
    outlines : mapping of panel index to (rows, cols), optional
        A block of cells to outline in that panel.
    max_columns : int
        Panels per row before wrapping.
    colorbar : bool
        Draw the colour bars (one per group, under its panels).
    fontsize : float
        Size of the numbers written in the cells (points).
    labels : sequence of str, optional
        A label for each group's colour bar, in order of first appearance.

    Returns
    -------
    fig : matplotlib.figure.Figure
    grids : list of NumberGrid
        One per panel.

    Examples
    --------
    >>> fig, grids = worked_grids([("x", np.eye(3)), ("k", -np.eye(2))])
    >>> [g.image.get_cmap().name for g in grids], grids[1].vmin
    (['Greys', 'RdBu'], -1.0)
    """
    fn = "worked_grids"
    arrays = [np.asarray(v, dtype=float) for _, v in panels]
    for i, a in enumerate(arrays):
        if a.ndim != 2:
            raise ValueError(f"{fn}: panels[{i}] must be a 2-D array (H, W), got shape {a.shape}")
    flags = ([bool(np.nanmin(a) < 0) if np.isfinite(a).any() else False for a in arrays]
             if signed is None else list(signed))
    groups = list(range(len(arrays))) if groups is None else list(groups)
    _check(panels, flags, groups, fn)
    scales = _scales(arrays, flags, groups, fn)

    rows, cols = panel_grid(len(arrays), max_columns)
    per_row = [arrays[r * cols:(r + 1) * cols] for r in range(rows)]
    widest = max(sum(max(a.shape[1], 2) for a in row) for row in per_row)
    tallest = [max(max(a.shape[0], 2) for a in row) for row in per_row]
    # Room per panel for its tick labels, row label and margins, in inches.
    cell = min(0.5, (COLUMN_INCHES - 0.85 * cols) / widest)
    extra = 1.15 * rows + (0.55 if colorbar else 0.0) * (1 if _groups_span(groups, cols)
                                                          else rows)
    fig = column_figure(height=cell * sum(tallest) + extra + (0.35 if title else 0.0))
    # One grid of cell-wide columns: a panel spans as many as its array is wide,
    # so cells have one size in every panel and every row.
    spec = fig.add_gridspec(rows, widest, height_ratios=tallest)
    grids: list[NumberGrid] = []
    axes_of: dict[object, list] = {}
    for r, row in enumerate(per_row):
        left = 0
        for k, a in enumerate(row):
            index = r * cols + k
            width = max(a.shape[1], 2)
            ax = fig.add_subplot(spec[r, left:left + width])
            left += width
            cmap, vmin, vmax = scales[groups[index]]
            grid = NumberGrid(ax, a, panels[index][0], cmap=cmap, vmin=vmin, vmax=vmax,
                              fontsize=fontsize)
            grids.append(grid)
            axes_of.setdefault(groups[index], []).append(ax)
    for index, (rows_, cols_) in (outlines or {}).items():
        grids[index].outline(np.asarray(rows_), np.asarray(cols_))
    names = list(labels) if labels is not None else [None] * len(axes_of)
    if len(names) != len(axes_of):
        raise ValueError(f"{fn}: labels must have one entry per group ({len(axes_of)}), "
                         f"got {len(names)}")
    if colorbar:
        for (g, members), label in zip(axes_of.items(), names, strict=True):
            indices = [i for i, gi in enumerate(groups) if gi == g]
            # One bar under a run of neighbouring panels; panels of a group that
            # are not neighbours each get a bar (same scale), so bars never overlap.
            runs = ([members] if indices == list(range(indices[0], indices[-1] + 1))
                    else [[ax] for ax in members])
            for run in runs:
                fig.colorbar(grids[indices[0]].image, ax=run, location="bottom", label=label,
                             shrink=0.9 if len(run) > 1 else 1.0, aspect=12 * len(run),
                             pad=0.02)
    if title:
        fig.suptitle(title)
    return fig, grids


def map_panels(
    panels: Sequence[tuple[str, np.ndarray]], signed: Sequence[bool] | None = None,
    groups: Sequence[object] | None = None, title: str = "", max_columns: int = MAX_COLUMNS,
    panel_height: float = 2.9, labels: Sequence[str] | None = None,
    clip_quantile: float | None = None,
) -> Figure:
    """Feature maps (or a photo) as images side by side, as wide as the text column.

    Introduced in the chapter *One CNN block*.

    Parameters
    ----------
    panels : sequence of (title, values of shape (H, W))
    signed : sequence of bool, optional
        Signed panels use ``RdBu`` with symmetric limits (white at 0),
        the others ``gray``.  By default: signed if any entry is negative.
    groups : sequence, optional
        Panels with the same label share one scale and one colour bar.
    title : str
    max_columns : int
        Panels per row before wrapping.
    panel_height : float
        Height of one row of panels, inches.
    labels : sequence of str, optional
        A label for each group's colour bar, in order of first appearance.
    clip_quantile : float, optional
        Saturate the colours at this quantile of the values (of ``|values|``
        for signed panels), so that a few extreme values do not wash out
        the rest; the colour bar then ends at that value.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = map_panels([("a", np.ones((4, 5))), ("b", -np.ones((2, 2)))])
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['a', 'b']
    """
    fn = "map_panels"
    arrays = [np.asarray(v, dtype=float) for _, v in panels]
    for i, a in enumerate(arrays):
        if a.ndim != 2:
            raise ValueError(f"{fn}: panels[{i}] must be a 2-D array (H, W), got shape {a.shape}")
    flags = ([bool(a.min() < 0) for a in arrays] if signed is None else list(signed))
    groups = list(range(len(arrays))) if groups is None else list(groups)
    _check(panels, flags, groups, fn)
    scales = _scales(arrays, flags, groups, fn, clip_quantile)
    rows, cols = panel_grid(len(arrays), max_columns)
    fig = column_figure(height=rows * panel_height + (0.35 if title else 0.0))
    grid = fig.subplots(rows, cols, squeeze=False)
    axes = [ax for line in grid for ax in line]
    for ax in axes[len(arrays):]:
        ax.set_visible(False)
    images, members = {}, {}
    for ax, (name, _), a, g in zip(axes, panels, arrays, groups, strict=False):
        cmap, vmin, vmax = scales[g]
        im = ax.imshow(a, cmap="gray" if cmap == "Greys" else cmap, vmin=vmin, vmax=vmax,
                       interpolation="nearest" if max(a.shape) < 64 else "antialiased")
        ax.set_title(name)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        images.setdefault(g, im)
        members.setdefault(g, []).append(ax)
    names = list(labels) if labels is not None else [None] * len(images)
    if len(names) != len(images):
        raise ValueError(f"{fn}: labels must have one entry per group ({len(images)}), "
                         f"got {len(names)}")
    for (g, im), label in zip(images.items(), names, strict=True):
        fig.colorbar(im, ax=members[g], location="bottom", shrink=0.8, aspect=25, label=label)
    if title:
        fig.suptitle(title)
    return fig
