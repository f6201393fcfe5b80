"""Small arrays drawn as labelled grids of numbers, with a window outlined.

The worked examples of the book are 2-D arrays of a few dozen numbers; the
clearest picture of them is the numbers themselves on a grey background whose
shade follows the value.  ``NumberGrid`` draws one such array once and can
then be updated cheaply (new values, a different window), which is what a
step-through widget needs.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from ..explain import format_number
from .style import COLUMN_INCHES

__all__ = ["NumberGrid", "plot_grids"]


class NumberGrid:
    """An (H, W) array drawn on ``ax`` as shaded cells with their values written in.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    values : ndarray, shape (H, W)
        ``NaN`` cells are drawn blank (not computed yet).
    title : str
    cmap : str
        A colour map that reads in grey: ``'Greys'`` by default, ``'RdBu'`` for
        signed values such as kernels and gradients.
    vmin, vmax : float, optional
        Colour limits; symmetric around 0 for ``'RdBu'`` if not given.
    fontsize : float
        Size of the numbers written in the cells.
    """

    def __init__(
        self, ax: Axes, values: np.ndarray, title: str = "", cmap: str = "Greys",
        vmin: float | None = None, vmax: float | None = None, fontsize: float = 10,
    ) -> None:
        values = np.asarray(values, dtype=float)
        finite = values[np.isfinite(values)]
        if vmin is None or vmax is None:
            lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
            if cmap == "RdBu":
                bound = max(abs(lo), abs(hi), 1e-12)
                lo, hi = -bound, bound
            vmin = lo if vmin is None else vmin
            vmax = hi if vmax is None else vmax
        self.ax = ax
        self.vmin, self.vmax = vmin, vmax
        self.image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
        h, w = values.shape
        self.texts = [[ax.text(j, i, "", ha="center", va="center", fontsize=fontsize)
                       for j in range(w)] for i in range(h)]
        self.window = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor="#e66100",
                                linewidth=3, visible=False)
        ax.add_patch(self.window)
        ax.set_title(title)
        ax.set_xticks(range(w))
        ax.set_yticks(range(h))
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(h - 0.5, -0.5)
        self.set_values(values)

    def set_values(self, values: np.ndarray) -> None:
        """Show new values (same shape); NaN cells are left blank."""
        values = np.asarray(values, dtype=float)
        self.image.set_data(np.ma.masked_invalid(values))
        middle = (self.vmin + self.vmax) / 2
        for i, row in enumerate(self.texts):
            for j, text in enumerate(row):
                v = values[i, j]
                text.set_text("" if not np.isfinite(v) else format_number(v))
                # Dark shades get white digits so every number stays legible.
                dark = np.isfinite(v) and (
                    v > middle if self.image.get_cmap().name == "Greys" else
                    abs(v - middle) > 0.6 * (self.vmax - middle))
                text.set_color("white" if dark else "black")

    def outline(self, rows: np.ndarray | None, cols: np.ndarray | None) -> None:
        """Outline the cells spanned by ``rows`` x ``cols`` (``None`` hides the outline)."""
        if rows is None or cols is None:
            self.window.set_visible(False)
            return
        r0, r1 = int(np.min(rows)), int(np.max(rows))
        c0, c1 = int(np.min(cols)), int(np.max(cols))
        self.window.set_bounds(c0 - 0.5, r0 - 0.5, c1 - c0 + 1, r1 - r0 + 1)
        self.window.set_visible(True)


def plot_grids(
    panels: list[tuple[str, np.ndarray]], signed: bool | list[bool] = False,
    title: str | None = None, cell_inches: float = 0.45, colorbar: bool = False,
    colorbar_labels: list[str] | None = None,
):
    """A row of small arrays drawn as number grids: a static picture of a worked example.

    Parameters
    ----------
    panels : list of (title, ndarray of shape (H, W))
    signed : bool or list of bool
        Use the diverging ``RdBu`` map (white at 0) for this panel, else ``Greys``.
    title : str, optional
        Figure title.
    cell_inches : float
        Size of one cell, so that numbers stay legible for any array size;
        shrunk if the row would be wider than the text column.
    colorbar : bool
        A colour bar under each panel, saying what its shades mean.
    colorbar_labels : list of str, optional
        One label per colour bar.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    flags = signed if isinstance(signed, list) else [signed] * len(panels)
    widths = [max(np.shape(a)[1], 2) for _, a in panels]
    height = max(max(np.shape(a)[0], 2) for _, a in panels)
    margin = 1.1 * len(panels)
    cell = max(min(cell_inches, (COLUMN_INCHES - margin) / sum(widths)), 0.3)
    fig, axes = plt.subplots(
        1, len(panels), figsize=(cell * sum(widths) + margin,
                                 cell * height + 1.4 + (0.7 if colorbar else 0.0)),
        gridspec_kw={"width_ratios": widths}, layout="constrained", squeeze=False,
    )
    labels = colorbar_labels or [""] * len(panels)
    for ax, (name, values), flag, label in zip(axes[0], panels, flags, labels, strict=True):
        grid = NumberGrid(ax, values, name, cmap="RdBu" if flag else "Greys")
        if colorbar:
            fig.colorbar(grid.image, ax=ax, location="bottom", shrink=0.9, aspect=12,
                         label=label or None)
    if title:
        fig.suptitle(title)
    return fig
