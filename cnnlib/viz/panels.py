"""A row of small arrays drawn as number grids, the picture behind most worked examples.

``grid_row`` lays several :class:`~cnnlib.viz.grids.NumberGrid` panels side by
side on one figure -- an input, a kernel, a gradient -- each with its own
title and colour map (``'Greys'`` for values, ``'RdBu'`` for signed ones).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .grids import NumberGrid
from .style import COLUMN_INCHES

__all__ = ["Panel", "grid_row"]

Panel = tuple[str, np.ndarray, str]
"""``(title, values (H, W), cmap)``."""


def grid_row(
    panels: Sequence[Panel], title: str = "", cell_inches: float = 0.55,
) -> tuple[Figure, list[NumberGrid]]:
    """Draw ``panels`` side by side, each as a grid of numbers.

    Parameters
    ----------
    panels : sequence of (title, values, cmap)
        ``values`` is a 2-D array; ``cmap`` is ``'Greys'``, ``'RdBu'`` ...
    title : str
        Figure title.
    cell_inches : float
        Size of one cell; the figure grows with the arrays, up to the width
        of the text column (cells shrink beyond it).

    Returns
    -------
    fig : matplotlib.figure.Figure
    grids : list of NumberGrid
        One per panel, for outlining windows or updating values.
    """
    arrays = [np.asarray(v, dtype=float) for _, v, _ in panels]
    widths = [max(a.shape[1], 2) for a in arrays]
    height = max(a.shape[0] for a in arrays)
    # A plain Figure, not one managed by pyplot: a notebook shows it once, as
    # the value of the cell, and nothing keeps it alive afterwards.
    cell = max(min(cell_inches, (COLUMN_INCHES - 1.1 * len(panels)) / sum(widths)), 0.3)
    fig = Figure(figsize=(cell * sum(widths) + 1.1 * len(panels),
                          cell * height + 1.4), layout="constrained")
    axes = fig.subplots(1, len(panels), gridspec_kw={"width_ratios": widths}, squeeze=False)
    grids = [NumberGrid(ax, a, t, cmap) for ax, a, (t, _, cmap) in zip(axes[0], arrays, panels,
                                                                    strict=True)]
    if title:
        fig.suptitle(title)
    return fig, grids
