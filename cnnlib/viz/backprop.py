"""Figures for the chapter *Backpropagation through convolution*.

Number grids of small inputs, kernels and gradients (signed values in the
``RdBu`` map, centred on zero), and a log-scale chart of gradient-check
errors.  No maths here: the arrays come from :mod:`cnnlib.conv`,
:mod:`cnnlib.backprop` and :mod:`cnnlib.gradcheck`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .panels import grid_row
from .style import column_figure

__all__ = ["gradient_grids", "relative_error_chart"]


def gradient_grids(panels: Sequence[tuple[str, np.ndarray]], title: str = "",
                   signed: Sequence[bool] | None = None,
                   outlines: Mapping[int, tuple[Sequence[int], Sequence[int]]] | None = None,
                   ) -> Figure:
    """Small arrays side by side as number grids; signed ones in ``RdBu``.

    Introduced in the chapter *Backpropagation through convolution*.

    Parameters
    ----------
    panels : sequence of (title, values (H, W))
    title : str
    signed : sequence of bool, optional
        Which panels hold signed values (gradients, kernels).  By default a
        panel is signed if it has a negative entry.
    outlines : mapping of panel index to (rows, cols), optional
        A block of cells to outline in that panel (e.g. the part kept by a crop).

    Returns
    -------
    matplotlib.figure.Figure
    """
    arrays = [np.asarray(v, dtype=float) for _, v in panels]
    if signed is None:
        signed = [bool((a < 0).any()) for a in arrays]
    fig, grids = grid_row([(t, a, "RdBu" if s else "Greys")
                           for (t, _), a, s in zip(panels, arrays, signed, strict=True)], title)
    for index, (rows, cols) in (outlines or {}).items():
        grids[index].outline(np.asarray(rows), np.asarray(cols))
    return fig


def relative_error_chart(labels: Sequence[str], errors: Sequence[float],
                         threshold: float = 1e-6, title: str = "") -> Figure:
    """Horizontal bars of relative errors on a log scale, with the pass threshold marked.

    Introduced in the chapter *Backpropagation through convolution*.

    Parameters
    ----------
    labels : sequence of str
    errors : sequence of float
        Relative errors from :func:`cnnlib.relative_error` (zeros drawn at 1e-17).
    threshold : float
        The largest error that passes.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    values = np.maximum(np.asarray(errors, dtype=float), 1e-17)
    fig = column_figure(height=0.45 * len(labels) + 1.4)
    ax = fig.subplots()
    colours = ["#0072B2" if v <= threshold else "#D55E00" for v in values]
    hatches = ["" if v <= threshold else "//" for v in values]
    bars = ax.barh(range(len(labels)), values, color=colours)
    for bar, hatch in zip(bars, hatches, strict=True):
        bar.set_hatch(hatch)
    ax.set_xscale("log")
    ax.set_xlim(1e-17, 10)
    ax.axvline(threshold, color="black", linestyle="--", label=f"pass threshold {threshold:g}")
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("relative error (log scale)")
    ax.set_title(title or "Finite differences against the analytic gradient")
    ax.legend(loc="lower right")
    return fig
