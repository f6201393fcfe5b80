"""Figures for the chapter *Pooling*: windows, shift robustness, gradient routing.

No maths here: every number drawn comes from :mod:`cnnlib.pooling`,
:mod:`cnnlib.explain` or :mod:`cnnlib.pooling_stats`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import MaxNLocator

from ..conv import IntOrPair
from ..explain import explain_pool2d
from ..pooling import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from ..pooling_stats import ShiftSensitivity
from .grids import NumberGrid
from .panels import grid_row
from .style import COLUMN_INCHES

__all__ = [
    "WINDOW_COLOURS",
    "pooling_figure",
    "shift_sensitivity_figure",
    "pool_backward_figure",
    "PoolingView",
    "ShiftTable",
    "pooling_gallery",
]

# Okabe-Ito colours: distinguishable with every common colour-vision deficiency.
WINDOW_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00")
MODE_STYLE = {
    "none": dict(color="#000000", marker="o", linestyle="-", label="no pooling"),
    "max": dict(color="#E69F00", marker="s", linestyle="--", label="max pooling"),
    "avg": dict(color="#0072B2", marker="^", linestyle=":", label="average pooling"),
}


def _outline(ax, rows, cols, colour, inset=0.0, width=2.5, style="-"):
    r0, r1, c0, c1 = rows[0], rows[-1], cols[0], cols[-1]
    ax.add_patch(Rectangle((c0 - 0.5 + inset, r0 - 0.5 + inset), c1 - c0 + 1 - 2 * inset,
                           r1 - r0 + 1 - 2 * inset, fill=False, edgecolor=colour,
                           linewidth=width, linestyle=style))


def pooling_figure(
    x: np.ndarray, kernel_size: IntOrPair, stride: IntOrPair | None = None,
    modes: Sequence[str] = ("max", "avg"), title: str = "",
) -> Figure:
    """An (H, W) input with its pooling windows outlined, beside each mode's output.

    Introduced in the chapter *Pooling*.

    Each window and the output cell it makes share a colour; for max pooling
    the winning input (the one that receives the gradient) is ringed.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    kernel_size, stride
        As for :func:`cnnlib.max_pool2d`.
    modes : sequence of {'max', 'avg'}
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    x4 = np.asarray(x, dtype=float)[None, None]
    outputs = {"max": max_pool2d, "avg": avg_pool2d}
    panels = [("input", x4[0, 0], "Greys")]
    names = {"max": "max pooled", "avg": "average pooled"}
    for m in modes:
        panels.append((names[m], outputs[m](x4, kernel_size, stride)[0, 0], "Greys"))
    fig, grids = grid_row(panels, title)
    ho, wo = panels[1][1].shape
    for i in range(ho):
        for j in range(wo):
            colour = WINDOW_COLOURS[(i * wo + j) % len(WINDOW_COLOURS)]
            step = explain_pool2d(x4, kernel_size, stride, mode="max", row=i, col=j)
            # Alternate windows are drawn slightly inset so shared borders stay visible.
            _outline(grids[0].ax, step.input_rows, step.input_cols, colour, 0.1 * ((i + j) % 2))
            for g in grids[1:]:
                _outline(g.ax, [i], [j], colour)
            if "max" in modes:
                a, b = step.winner
                grids[0].ax.add_patch(Circle((b, a), 0.38, fill=False, edgecolor=colour,
                                                 linewidth=2))
    return fig


def shift_sensitivity_figure(
    results: Sequence[ShiftSensitivity], titles: Sequence[str] | None = None,
) -> Figure:
    """Relative change of the output against shift, one panel per pooling window.

    Introduced in the chapter *Pooling*.

    Parameters
    ----------
    results : sequence of ShiftSensitivity
        From :func:`cnnlib.pooling_stats.shift_sensitivity`.
    titles : sequence of str, optional
        One per result; by default the window and stride.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(COLUMN_INCHES, 3.3), layout="constrained")
    axes = fig.subplots(1, len(results), sharey=True, squeeze=False)
    for k, (ax, r) in enumerate(zip(axes[0], results, strict=True)):
        for mode, change in r.changes.items():
            ax.plot(r.shifts, change, **MODE_STYLE[mode])
        (kh, kw), (sh, _) = r.kernel_size, r.stride
        ax.set_title(titles[k] if titles else f"{kh}×{kw} windows, stride {sh}")
        ax.set_xlabel("shift (pixels)")
        ax.set_xticks(r.shifts)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("relative change of the output")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center",
               ncols=3, frameon=False)
    return fig


class ShiftTable:
    """The numbers behind :func:`shift_sensitivity_figure`, folded away on the page.

    In HTML a ``<details>`` block holding one table per window setting; as
    text, one line per setting and pooling mode.  Introduced in the chapter
    *Pooling*.

    Parameters
    ----------
    results : mapping of title -> ShiftSensitivity
    summary : str
        The line shown while the tables are folded.
    """

    def __init__(self, results: dict[str, ShiftSensitivity],
                 summary: str = "The numbers behind the figure") -> None:
        self.results = dict(results)
        self.summary = summary

    def __repr__(self) -> str:
        lines = []
        for title, r in self.results.items():
            lines.append(f"{title} (shifts {r.shifts[0]} to {r.shifts[-1]}):")
            for mode, change in r.changes.items():
                lines.append(f"  {mode:<5}" + " ".join(f"{v:.3f}" for v in change))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        parts = [f"<details><summary>{html.escape(self.summary)}</summary>"]
        for title, r in self.results.items():
            modes = list(r.changes)
            head = "".join(f"<th>{html.escape(MODE_STYLE[m]['label'])}</th>" for m in modes)
            rows = "".join(
                f"<tr><td>{s}</td>" + "".join(f"<td>{r.changes[m][i]:.3f}</td>" for m in modes)
                + "</tr>" for i, s in enumerate(r.shifts))
            parts.append(f"<table><caption>{html.escape(title)}</caption>"
                         f"<thead><tr><th>shift</th>{head}</tr></thead>"
                         f"<tbody>{rows}</tbody></table>")
        parts.append("</details>")
        return "".join(parts)


def pool_backward_figure(
    x: np.ndarray, grad_out: np.ndarray, kernel_size: IntOrPair,
    stride: IntOrPair | None = None, title: str = "",
) -> Figure:
    """Input, upstream gradient, and where max and average pooling send it.

    Introduced in the chapter *Pooling*.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        The forward pass's input.
    grad_out : ndarray, shape (H_out, W_out)
        The upstream gradient.
    kernel_size, stride
        As for the forward pass.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x4 = np.asarray(x, dtype=float)[None, None]
    g4 = np.asarray(grad_out, dtype=float)[None, None]
    gmax = max_pool2d_backward(g4, x4, kernel_size, stride)[0, 0]
    gavg = avg_pool2d_backward(g4, x4, kernel_size, stride)[0, 0]
    bound = float(max(np.abs(g4).max(), 1e-12))
    # Two rows of two (the four grids side by side would not fit the column).
    h, w = x4.shape[2:]
    cell = min(0.5, (COLUMN_INCHES - 2.6) / (2 * w))
    fig = Figure(figsize=(COLUMN_INCHES, 2 * cell * h + 2.2), layout="constrained")
    axes = fig.subplots(2, 2, gridspec_kw={"width_ratios": [w, w]}).ravel()
    grids = [NumberGrid(ax, v, t, c) for ax, (t, v, c) in zip(axes, [
        ("input x", x4[0, 0], "Greys"),
        ("upstream gradient dL/dy", g4[0, 0], "RdBu"),
        ("max pool: dL/dx", gmax, "RdBu"),
        ("average pool: dL/dx", gavg, "RdBu"),
    ], strict=True)]
    if title:
        fig.suptitle(title)
    # One colour scale for the three gradient panels, so equal values look equal.
    for g, values in zip(grids[1:], (g4[0, 0], gmax, gavg), strict=True):
        g.vmin, g.vmax = -bound, bound
        g.image.set_clim(-bound, bound)
        g.set_values(values)
    ho, wo = g4.shape[2:]
    for i in range(ho):
        for j in range(wo):
            colour = WINDOW_COLOURS[(i * wo + j) % len(WINDOW_COLOURS)]
            step = explain_pool2d(x4, kernel_size, stride, row=i, col=j)
            for g in (grids[0], grids[2], grids[3]):
                _outline(g.ax, step.input_rows, step.input_cols, colour, 0.06 * ((i + j) % 2))
            _outline(grids[1].ax, [i], [j], colour)
    return fig


class PoolingView:
    """A feature map and its pooled version, redrawn in place for the pooling explorer.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        An empty figure to draw on (a ``FigureImage``'s figure in the widget).
    feature_map : ndarray, shape (H, W)
    """

    def __init__(self, fig: Figure, feature_map: np.ndarray) -> None:
        self.feature_map = np.asarray(feature_map, dtype=float)
        self.fig = fig
        self.ax_in, self.ax_out = fig.subplots(1, 2)
        vmax = float(self.feature_map.max()) or 1.0
        self.im_in = self.ax_in.imshow(self.feature_map, cmap="gray", vmin=0, vmax=vmax)
        self.im_out = self.ax_out.imshow(self.feature_map, cmap="gray", vmin=0, vmax=vmax)
        self.ax_in.set_title("feature map")
        for ax in (self.ax_in, self.ax_out):
            ax.set_xlabel("column")
            ax.set_ylabel("row")
        self.windows = [self.ax_in.add_patch(Rectangle((0, 0), 1, 1, fill=False,
                                                        edgecolor=c, linewidth=2))
                        for c in WINDOW_COLOURS[:3]]

    def show(self, pooled: np.ndarray, first_windows: Sequence[tuple[np.ndarray, np.ndarray]],
             label: str) -> None:
        """Draw ``pooled`` (H_out, W_out) and outline up to three input windows."""
        self.im_out.set_data(pooled)
        h, w = pooled.shape
        self.im_out.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        self.ax_out.set_xlim(-0.5, w - 0.5)
        self.ax_out.set_ylim(h - 0.5, -0.5)
        self.ax_out.set_title(label)
        for patch, window in zip(self.windows, list(first_windows) + [None] * 3, strict=False):
            if window is None:
                patch.set_visible(False)
                continue
            rows, cols = window
            patch.set_bounds(cols[0] - 0.5, rows[0] - 0.5, cols[-1] - cols[0] + 1,
                             rows[-1] - rows[0] + 1)
            patch.set_visible(True)


def pooling_gallery(
    feature_map: np.ndarray, settings: Sequence[tuple[str, int, int]],
    columns: int | None = None,
) -> Figure:
    """The feature map beside its pooled versions for several (mode, kernel, stride) settings.

    Introduced in the chapter *Pooling*.

    The static companion of the pooling explorer widget.

    Parameters
    ----------
    feature_map : ndarray, shape (H, W)
    settings : sequence of (mode, kernel_size, stride)
        ``mode`` is ``'max'`` or ``'avg'``.
    columns : int, optional
        Panels per row; by default all in one row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fmap = np.asarray(feature_map, dtype=float)
    pool = {"max": max_pool2d, "avg": avg_pool2d}
    names = {"max": "max", "avg": "average"}
    count = len(settings) + 1
    columns = count if columns is None else max(1, min(columns, count))
    rows = -(-count // columns)
    width = COLUMN_INCHES / columns
    fig = Figure(figsize=(COLUMN_INCHES, rows * (width * fmap.shape[0] / fmap.shape[1] + 0.7)),
                 layout="constrained")
    grid = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in grid[count:]:
        ax.set_visible(False)
    axes = grid[:count]
    vmax = float(fmap.max()) or 1.0
    shown = axes[0].imshow(fmap, cmap="gray", vmin=0, vmax=vmax)
    axes[0].set_title(f"feature map {fmap.shape[0]}×{fmap.shape[1]}")
    for ax, (mode, k, s) in zip(axes[1:], settings, strict=True):
        out = pool[mode](fmap[None, None], k, s)[0, 0]
        ax.imshow(out, cmap="gray", vmin=0, vmax=vmax)
        ax.set_title(f"{names[mode]} {k}×{k}, stride {s}\n→ {out.shape[0]}×{out.shape[1]}")
    for ax in axes:
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    # One scale for every panel, so one colour bar.
    fig.colorbar(shown, ax=list(axes), shrink=0.7, label="feature value")
    return fig
