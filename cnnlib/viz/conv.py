"""Figures for the chapter *Convolution*: kernels on photos, sliding windows, kernel placement.

Every number drawn here is computed by the library (:func:`cnnlib.conv2d`,
:func:`cnnlib.explain_conv2d`, :mod:`cnnlib.conv_arithmetic`); these
functions only place it on axes.  Two of them are classes that draw once and
then update their artists' data, because the chapter's widgets redraw them
on every slider move: :class:`KernelEffect` (input, kernel, output) and
:class:`KernelPlacement` (where a kernel lands on a padded input).

Colours: images in ``gray``; signed values (edge responses, kernels) in
``RdBu`` with white at zero; the kernel's positions in the Okabe-Ito
orange, blue and reddish purple, which colour-blind readers tell apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..conv_arithmetic import window_taps
from ..explain import ConvStep
from .grids import NumberGrid
from .style import COLUMN_INCHES

__all__ = [
    "KernelEffect",
    "KernelPlacement",
    "output_style",
    "plot_conv_steps",
    "plot_feature_maps",
    "plot_kernel_effect",
    "plot_kernel_gallery",
    "plot_kernel_placement",
]

ORANGE, BLUE, PURPLE = "#E69F00", "#0072B2", "#CC79A7"


def _new_figure(figsize: tuple[float, float]) -> Figure:
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def output_style(k: np.ndarray, output: np.ndarray) -> tuple[str, float, float]:
    """Colour map and limits for an image filtered by ``k``.

    A kernel whose weights sum to zero answers only to *change* (flat regions
    give 0), so its output is signed: ``RdBu``, symmetric around zero, at the
    98th percentile of ``|output|`` so that a few extreme pixels do not wash
    the rest out.  Any other kernel maps a flat region of brightness ``v`` to
    ``v * k.sum()``, so a photo in [0, 1] is drawn in ``gray`` between 0 and
    ``k.sum()`` (clipping the overshoot of, say, sharpening).

    Returns
    -------
    (cmap, vmin, vmax)
    """
    total = float(np.sum(k))
    if abs(total) < 1e-9:
        # Every other pixel of a large map gives the same percentile, four times faster.
        sample = output[::2, ::2] if output.size > 40_000 else output
        bound = float(np.quantile(np.abs(sample), 0.98)) or 1.0
        return "RdBu", -bound, bound
    lo, hi = sorted((0.0, total))
    return "gray", lo, hi


def _kernel_title(divisor: int) -> str:
    return "kernel" if divisor == 1 else f"kernel = weights / {divisor}"


class KernelEffect:
    """Three panels on ``fig``: input image, kernel weights, filtered output.

    Drawn once; :meth:`update` then changes the artists' data only, which is
    what keeps the kernel playground's redraw fast.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    image : ndarray, shape (H, W)
        The grey input, values in [0, 1].
    weights : ndarray, shape (kh, kw)
        Kernel weights as shown (before dividing by ``divisor``).
    divisor : int
    output : ndarray, shape (H_out, W_out)
        The filtered image, ``conv2d`` of ``image`` with ``weights / divisor``.
    """

    def __init__(self, fig: Figure, image: np.ndarray, weights: np.ndarray, divisor: int,
                 output: np.ndarray) -> None:
        self.fig = fig
        ax_in, ax_k, ax_out = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 0.62, 1]})
        self.axes = (ax_in, ax_k, ax_out)
        h, w = image.shape
        ax_in.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax_in.set_title(f"input ({h}×{w})")
        weights = np.asarray(weights, dtype=float)
        bound = max(float(np.abs(weights).max()), 1.0)
        self.kernel_grid = NumberGrid(ax_k, weights, _kernel_title(divisor), cmap="RdBu",
                                      vmin=-bound, vmax=bound)
        self.output_image = ax_out.imshow(output, cmap="gray", vmin=0, vmax=1)
        # Below the image, so that tick labels of any width never change the layout
        # (the playground keeps the first layout for every redraw).
        self.colorbar = fig.colorbar(self.output_image, ax=ax_out, location="bottom",
                                     shrink=0.8, aspect=30, label="output value")
        for ax in (ax_in, ax_out):
            ax.set_xlabel("column (pixel)")
            ax.set_ylabel("row (pixel)")
            ax.xaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        self.update(weights, divisor, output)

    def update(self, weights: np.ndarray, divisor: int, output: np.ndarray) -> None:
        """Show new kernel weights and a new output (same kernel shape)."""
        weights = np.asarray(weights, dtype=float)
        bound = max(float(np.abs(weights).max()), 1.0)
        grid = self.kernel_grid
        grid.vmin, grid.vmax = -bound, bound
        grid.image.set_clim(-bound, bound)
        grid.set_values(weights)
        grid.ax.set_title(_kernel_title(divisor))
        cmap, vmin, vmax = output_style(weights / divisor, output)
        self.output_image.set_data(output)
        self.output_image.set_cmap(cmap)
        self.output_image.set_clim(vmin, vmax)
        ho, wo = output.shape
        signed = ", signed" if cmap == "RdBu" else ""
        self.axes[2].set_title(f"output ({ho}×{wo}){signed}")


def plot_kernel_effect(image: np.ndarray, weights: np.ndarray, output: np.ndarray,
                       divisor: int = 1, title: str | None = None) -> Figure:
    """A static input / kernel / output figure (the kernel playground, frozen).

    Parameters
    ----------
    image : ndarray, shape (H, W)
    weights : ndarray, shape (kh, kw)
    output : ndarray, shape (H_out, W_out)
    divisor : int
        The kernel is ``weights / divisor``.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = _new_figure((COLUMN_INCHES, 2.9))
    KernelEffect(fig, image, weights, divisor, output)
    if title:
        fig.suptitle(title)
    return fig


def plot_kernel_gallery(
    panels: Sequence[tuple[str, np.ndarray, np.ndarray]], ncols: int = 3,
    title: str | None = None,
) -> Figure:
    """Several kernels, each beside the image it produces.

    Parameters
    ----------
    panels : sequence of (name, kernel of shape (kh, kw), output of shape (H, W))
    ncols : int
        Kernel/output pairs per row.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    nrows = -(-len(panels) // ncols)
    pair = COLUMN_INCHES / ncols
    fig = _new_figure((COLUMN_INCHES, 0.62 * pair * nrows + 0.4))
    axes = fig.subplots(nrows, 2 * ncols, squeeze=False,
                        gridspec_kw={"width_ratios": [0.75, 1.4] * ncols})
    for index in range(nrows * ncols):
        ax_k, ax_out = axes[index // ncols, 2 * (index % ncols):2 * (index % ncols) + 2]
        if index >= len(panels):
            ax_k.set_axis_off()
            ax_out.set_axis_off()
            continue
        name, k, output = panels[index]
        k = np.asarray(k, dtype=float)
        # Fractions such as 1/9 do not fit a cell: write the integer weights and
        # put the divisor in the title (box_blur: ones, "/ 9").
        divisor = _divisor(k)
        shown = np.round(k * divisor)
        bound = max(float(np.abs(shown).max()), 1e-12)
        grid = NumberGrid(ax_k, shown, name, cmap="RdBu", vmin=-bound, vmax=bound)
        for row in grid.texts:
            for text in row:
                text.set_fontsize(9)
        ax_k.set_title(name if divisor == 1 else f"{name} / {divisor}", fontsize=10)
        ax_k.set_xticks([])
        ax_k.set_yticks([])
        ax_k.set_xlabel("")
        ax_k.set_ylabel("")
        cmap, vmin, vmax = output_style(k, output)
        ax_out.imshow(output, cmap=cmap, vmin=vmin, vmax=vmax)
        kind = "signed, red < 0 < blue" if cmap == "RdBu" else f"grey, {vmin:g} to {vmax:g}"
        ax_out.set_title(f"output ({kind})", fontsize=9)
        ax_out.set_xticks([])
        ax_out.set_yticks([])
    if title:
        fig.suptitle(title)
    return fig


def _divisor(k: np.ndarray, largest: int = 256) -> int:
    """The smallest d <= largest that makes every weight times d a whole number (else 1)."""
    for d in range(1, largest + 1):
        if np.allclose(k * d, np.round(k * d), atol=1e-9):
            return d
    return 1


def plot_feature_maps(
    maps: np.ndarray, titles: Sequence[str], signed: bool | Sequence[bool] = True,
    ncols: int | None = None, title: str | None = None,
) -> Figure:
    """A row (or grid) of feature maps, one per channel, each with its colour bar.

    Parameters
    ----------
    maps : ndarray, shape (C, H, W)
    titles : sequence of str, length C
    signed : bool or sequence of bool
        ``RdBu`` symmetric around zero (at each map's 98th percentile of
        ``|value|``), else ``gray`` from the map's minimum to maximum; one
        flag for all maps or one per map.
    ncols : int, optional
        Maps per row; all in one row by default.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3 or maps.shape[0] != len(titles):
        raise ValueError(
            f"plot_feature_maps: maps must be (C, H, W) with one title per map, got shape "
            f"{maps.shape} and {len(titles)} titles"
        )
    flags = [signed] * len(titles) if isinstance(signed, bool) else list(signed)
    ncols = ncols or len(titles)
    nrows = -(-len(titles) // ncols)
    fig = _new_figure((COLUMN_INCHES, (COLUMN_INCHES / ncols) * 0.95 * nrows + 0.4))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        if index >= len(titles):
            ax.set_axis_off()
            continue
        m = maps[index]
        if flags[index]:
            bound = float(np.quantile(np.abs(m), 0.98)) or 1.0
            image = ax.imshow(m, cmap="RdBu", vmin=-bound, vmax=bound)
        else:
            image = ax.imshow(m, cmap="gray")
        fig.colorbar(image, ax=ax, shrink=0.75)
        ax.set_title(titles[index], fontsize=10)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    if title:
        fig.suptitle(title)
    return fig


def plot_conv_steps(x: np.ndarray, steps: Sequence[ConvStep], output: np.ndarray,
                    title: str | None = None) -> Figure:
    """One column per output cell: the window on the input, and the output filled so far.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        A single-channel input without padding.
    steps : sequence of ConvStep
        Records from :func:`cnnlib.explain_conv2d`, in the order to draw them.
    output : ndarray, shape (H_out, W_out)
        The full convolution output.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.asarray(x, dtype=float)
    output = np.asarray(output, dtype=float)
    n = len(steps)
    fig = _new_figure((min(2.9 * n, COLUMN_INCHES), 4.4))
    axes = fig.subplots(2, n, squeeze=False)
    bound = max(float(np.abs(output).max()), 1e-12)
    shown = np.full(output.shape, np.nan)
    for column, step in enumerate(steps):
        grid = NumberGrid(axes[0, column], x, f"S({step.row},{step.col}) = "
                          f"{step.equation().rsplit('= ', 1)[1]}")
        grid.outline(step.input_rows, step.input_cols)
        shown[step.row, step.col] = output[step.row, step.col]
        out_grid = NumberGrid(axes[1, column], shown.copy(), "output so far", cmap="RdBu",
                              vmin=-bound, vmax=bound)
        out_grid.outline(np.array([step.row]), np.array([step.col]))
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------
# Where the kernel lands
# --------------------------------------------------------------------------

# Cell codes of the placement drawing, and their colours.
PADDING, INPUT, UNREAD, FIRST, LAST, BOTH = range(6)
_PLACEMENT_COLOURS = ListedColormap(["#FFFFFF", "#D9D9D9", "#636363", ORANGE, BLUE, PURPLE])


class KernelPlacement:
    """Two panels: where a square kernel lands on a padded square input.

    Left, the padded input in 2-D: white cells are padding, grey cells the
    input (dark grey: inputs no kernel position ever reads), the first
    position's taps orange, the last position's blue (purple where they
    share a cell), and a dot at the first tap of every position.  Right, one
    row of the same input (the formula works one axis at a time) with the
    kernel's taps at each position drawn underneath, one position per line.

    Every position comes from :func:`cnnlib.conv_arithmetic.window_taps`.
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.ax_grid, self.ax_rows = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.25]})
        style = {"cmap": _PLACEMENT_COLOURS, "vmin": -0.5, "vmax": 5.5,
                 "interpolation": "nearest"}
        self.grid_image = self.ax_grid.imshow(np.zeros((1, 1)), **style)
        self.rows_image = self.ax_rows.imshow(np.zeros((1, 1)), aspect="auto", **style)
        self.anchors = self.ax_grid.scatter([], [], s=14, color="black", zorder=3)
        self.codes_2d = np.zeros((1, 1), dtype=int)
        self.codes_1d = np.zeros((1, 1), dtype=int)
        self.ax_grid.set_xlabel("column of the padded input")
        self.ax_grid.set_ylabel("row of the padded input")
        self.ax_rows.set_xlabel("index along one padded row")
        self.ax_rows.set_ylabel("kernel position")

    @staticmethod
    def _frame(ax: Axes, rows: int, cols: int) -> None:
        ax.set_xlim(-0.5, cols - 0.5)
        ax.set_ylim(rows - 0.5, -0.5)
        ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
        ax.grid(which="minor", color="#888888", linewidth=0.5)
        ax.tick_params(which="minor", length=0)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))

    def update(self, size: int, kernel_size: int, stride: int = 1, padding: int = 0,
               dilation: int = 1) -> int:
        """Redraw for new settings; returns the number of kernel positions per axis."""
        taps = window_taps(size, kernel_size, stride, padding, dilation)
        n = size + 2 * padding
        read = np.unique(taps)
        line = np.full(n, PADDING)
        line[padding:padding + size] = UNREAD
        line[read[(read >= padding) & (read < padding + size)]] = INPUT
        is_pad, is_unread = line == PADDING, line == UNREAD
        self.codes_2d = np.full((n, n), INPUT)
        self.codes_2d[is_unread[:, None] | is_unread[None, :]] = UNREAD
        self.codes_2d[is_pad[:, None] | is_pad[None, :]] = PADDING
        positions = len(taps)
        if positions:
            first, last = taps[0], taps[-1]
            self.codes_2d[np.ix_(first, first)] = FIRST
            self.codes_2d[np.ix_(last, last)] = np.where(
                self.codes_2d[np.ix_(last, last)] == FIRST, BOTH, LAST)
            starts = taps[:, 0]
            rr, cc = np.meshgrid(starts, starts, indexing="ij")
            self.anchors.set_offsets(np.column_stack([cc.ravel(), rr.ravel()]))
        else:
            self.anchors.set_offsets(np.empty((0, 2)))
        self.codes_1d = np.full((positions + 1, n), PADDING)
        self.codes_1d[0] = line
        for j, row in enumerate(taps, start=1):
            self.codes_1d[j, row] = FIRST
        self.grid_image.set_data(self.codes_2d)
        self.grid_image.set_extent((-0.5, n - 0.5, n - 0.5, -0.5))
        self.rows_image.set_data(self.codes_1d)
        self.rows_image.set_extent((-0.5, n - 0.5, positions + 0.5, -0.5))
        self._frame(self.ax_grid, n, n)
        self._frame(self.ax_rows, positions + 1, n)
        self.ax_rows.set_yticks(range(positions + 1),
                                ["input"] + [str(j) for j in range(positions)])
        self.ax_grid.set_title(f"padded input {n}×{n}: {positions}×{positions} positions\n"
                               "first orange, last blue, dots: starts", fontsize=10)
        self.ax_rows.set_title(f"one row: {positions} position{'s' * (positions != 1)}\n"
                               f"of a {kernel_size}-tap kernel", fontsize=10)
        return positions


def plot_kernel_placement(size: int, kernel_size: int, stride: int = 1, padding: int = 0,
                          dilation: int = 1, title: str | None = None) -> Figure:
    """A static :class:`KernelPlacement` drawing (the size explorer, frozen).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = _new_figure((COLUMN_INCHES, 3.9))
    KernelPlacement(fig).update(size, kernel_size, stride, padding, dilation)
    fig.suptitle(title or f"i = {size}, k = {kernel_size}, s = {stride}, p = {padding}, "
                 f"d = {dilation}")
    return fig
