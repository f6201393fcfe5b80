"""Figures for *What a trained CNN sees*: feature maps, filters and patches, explanation maps.

No maths here: every array comes from :mod:`cnnlib.interpret`.  Signed maps
(kernels, occlusion drops, perturbations, class models) use a diverging map
centred at 0; panels that share a scale share one colour bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from .style import COLUMN_INCHES, column_figure

__all__ = [
    "KINDS",
    "LayerMapsView",
    "plot_explanations",
    "plot_filters_and_patches",
    "plot_image_grid",
    "plot_layer_maps",
    "plot_seed_curves",
    "tile_maps",
]

#: How a column of maps is coloured: (colour map, signed?).
KINDS = {"image": ("gray", False), "signed": ("RdBu_r", True), "positive": ("viridis", False)}


def tile_maps(maps: np.ndarray, columns: int | None = None, gap: int = 1) -> np.ndarray:
    """Lay ``C`` maps out as one mosaic, ``columns`` across, separated by NaN gaps.

    Parameters
    ----------
    maps : ndarray, shape (C, h, w)
    columns : int, optional
        Maps per row; default ``min(C, 8)``.
    gap : int
        Width of the blank (NaN) lines between maps.

    Returns
    -------
    ndarray, shape (rows * (h + gap) - gap, columns * (w + gap) - gap)

    Examples
    --------
    >>> tile_maps(np.ones((3, 2, 2)), columns=2).shape
    (5, 5)
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3:
        raise ValueError(f"tile_maps: maps must have shape (C, h, w), got {maps.shape}")
    c, h, w = maps.shape
    columns = min(c, 8) if columns is None else columns
    if columns < 1:
        raise ValueError(f"tile_maps: columns must be >= 1, got {columns}")
    rows = -(-c // columns)
    out = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap), np.nan)
    for k in range(c):
        i, j = divmod(k, columns)
        out[i * (h + gap) : i * (h + gap) + h, j * (w + gap) : j * (w + gap) + w] = maps[k]
    return out


#: Colour of the blank lines between the maps of a mosaic, per colour map.
GAP_COLOURS = {"gray": "#9ecae1", "RdBu_r": "#bdbdbd", "viridis": "white"}


def _cmap(name: str) -> Colormap:
    """The colour map ``name`` with its NaN (gap) colour set from GAP_COLOURS."""
    return matplotlib.colormaps[name].with_extremes(bad=GAP_COLOURS.get(name, "white"))


def _limits(values: np.ndarray, signed: bool) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (-1.0, 1.0) if signed else (0.0, 1.0)
    if signed:
        m = float(np.abs(finite).max()) or 1.0
        return -m, m
    low, high = float(finite.min()), float(finite.max())
    return low, high if high > low else low + 1.0


def _bare(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


class LayerMapsView:
    """The feature-map explorer's picture: the input digit and one layer's maps as a mosaic.

    Parameters
    ----------
    fig : Figure
        An empty figure to draw into (the widget's, or a static one).
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        grid = fig.add_gridspec(1, 2, width_ratios=[1, 3.2])
        self.ax_image = fig.add_subplot(grid[0, 0])
        self.ax_maps = fig.add_subplot(grid[0, 1])
        self.colorbar = None

    def show(self, image: np.ndarray, maps: np.ndarray, image_title: str,
             maps_title: str) -> None:
        """Draw ``image`` (H, W) in grey and ``maps`` (C, h, w) as a mosaic with a colour bar.

        Maps with negative values (a convolution's or BatchNorm's output) are
        drawn in a diverging map centred at 0, others (after ReLU or pooling)
        from 0 up.
        """
        maps = np.asarray(maps, dtype=float)
        signed = bool(np.any(maps < 0))
        mosaic = tile_maps(maps)
        for ax in (self.ax_image, self.ax_maps):
            ax.clear()
            _bare(ax)
        self.ax_image.imshow(image, cmap="gray", vmin=0, vmax=1)
        self.ax_image.set_title(image_title)
        cmap = "RdBu_r" if signed else "viridis"
        low, high = _limits(maps, signed) if signed else (0.0, max(float(maps.max()), 1e-12))
        shown = self.ax_maps.imshow(mosaic, cmap=_cmap(cmap), vmin=low, vmax=high)
        self.ax_maps.set_title(maps_title)
        if self.colorbar is None:
            self.colorbar = self.fig.colorbar(shown, ax=self.ax_maps, shrink=0.9)
        else:
            self.colorbar.update_normal(shown)


def plot_layer_maps(image: np.ndarray, layers: Sequence[tuple[str, np.ndarray]],
                    title: str = "") -> Figure:
    """One digit and the maps of several layers, one row per layer.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    layers : sequence of (str, ndarray (C, h, w))
        A title and the layer's maps for this image.
    title : str

    Returns
    -------
    Figure
        Each row: the digit, then the layer's maps as a mosaic with its own
        colour bar (the layers' scales differ).
    """
    if not layers:
        raise ValueError("plot_layer_maps: layers must hold at least one layer")
    fig = column_figure(height=1.75 * len(layers) + 0.4)
    rows = fig.subfigures(len(layers), 1)
    rows = np.atleast_1d(rows)
    for row, (name, maps) in zip(rows, layers, strict=True):
        view = LayerMapsView(row)
        view.show(image, maps, "input", name)
    if title:
        fig.suptitle(title)
    return fig


def plot_filters_and_patches(weights: np.ndarray, patches: Sequence[np.ndarray],
                             title: str = "") -> Figure:
    """Each first-layer filter beside the data patches that excite it most.

    Parameters
    ----------
    weights : ndarray, shape (F, 1, k, k)
        The filters (signed: diverging colours, one shared scale).
    patches : sequence of F ndarrays, shape (K, 1, r, r)
        Each filter's strongest patches, strongest first (grey, 0 to 1).
    title : str

    Returns
    -------
    Figure
        Left: the F filters in a column; right: a row of K patches per filter.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 4 or len(patches) != weights.shape[0]:
        raise ValueError(f"plot_filters_and_patches: need weights (F, 1, k, k) and F patch "
                         f"sets, got {weights.shape} and {len(patches)}")
    f = weights.shape[0]
    k = len(patches[0])
    filt = tile_maps(weights[:, 0], columns=1)
    rows = [tile_maps(np.asarray(p, dtype=float)[:, 0], columns=k) for p in patches]
    r = rows[0].shape[0]
    patch = np.full((f * (r + 1) - 1, rows[0].shape[1]), np.nan)
    for i, row in enumerate(rows):
        patch[i * (r + 1) : i * (r + 1) + r] = row
    fig = column_figure(height=min(0.55 * f + 0.9, 9.0))
    grid = fig.add_gridspec(1, 2, width_ratios=[1.0, k * 1.0])
    ax_f = fig.add_subplot(grid[0, 0])
    ax_p = fig.add_subplot(grid[0, 1])
    low, high = _limits(weights, True)
    shown = ax_f.imshow(filt, cmap=_cmap("RdBu_r"), vmin=low, vmax=high)
    ax_f.set_title("filter")
    size = weights.shape[2]
    ax_f.set_yticks([i * (size + 1) + (size - 1) / 2 for i in range(f)])
    ax_f.set_yticklabels([str(i) for i in range(f)])
    ax_f.set_xticks([])
    ax_f.set_ylabel("filter number")
    bar = fig.colorbar(shown, ax=ax_f, location="bottom", shrink=0.9, label="weight")
    tick = float(f"{0.8 * high:.1g}")            # three ticks fit under a narrow column
    bar.set_ticks([-tick, 0.0, tick])
    ax_p.imshow(patch, cmap=_cmap("gray"), vmin=0, vmax=1)
    ax_p.set_title(f"its {k} strongest patches in the training images, strongest first")
    _bare(ax_p)
    if title:
        fig.suptitle(title)
    return fig


def plot_explanations(
    images: np.ndarray, columns: Sequence[tuple[str, np.ndarray, str]],
    row_labels: Sequence[str] | None = None, title: str = "", colorbar_labels: Mapping[str, str]
    | None = None, panel: float = 1.25,
) -> Figure:
    """A grid of maps: one row per image, the image first, then one column per method.

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Drawn in grey, 0 to 1, in the first column (``None`` to leave it out).
    columns : sequence of (title, maps (N, h, w), kind)
        ``kind`` is ``'image'`` (grey, 0 to 1), ``'signed'`` (diverging,
        centred at 0) or ``'positive'`` (from 0 up); NaN cells (no value)
        are drawn in the gap colour.  Every column shares one
        scale over its rows and gets one colour bar (none for images).
    row_labels : sequence of N str, optional
    title : str
    colorbar_labels : mapping of column title to str, optional
    panel : float
        Height of one row in inches.

    Returns
    -------
    Figure
    """
    cols = list(columns)
    if images is not None:
        cols = [("input", np.asarray(images, dtype=float), "image"), *cols]
    if not cols:
        raise ValueError("plot_explanations: nothing to draw")
    n = len(cols[0][1])
    for name, maps, kind in cols:
        if kind not in KINDS:
            raise ValueError(f"plot_explanations: kind must be one of {sorted(KINDS)}, "
                             f"got {kind!r} for column {name!r}")
        if len(maps) != n:
            raise ValueError(f"plot_explanations: every column needs {n} maps, "
                             f"got {len(maps)} for {name!r}")
    width = min(COLUMN_INCHES, 1.45 * len(cols) + 0.6)
    fig = column_figure(height=panel * n + 0.55 + (0.3 if title else 0),
                        width=width / COLUMN_INCHES)
    axes = np.atleast_2d(fig.subplots(n, len(cols), squeeze=False))
    labels = colorbar_labels or {}
    for c, (name, maps, kind) in enumerate(cols):
        cmap, signed = KINDS[kind]
        maps = np.asarray(maps, dtype=float)
        low, high = (0.0, 1.0) if kind == "image" else _limits(maps, signed)
        if kind == "positive":
            low = 0.0
        for r in range(n):
            ax = axes[r, c]
            shown = ax.imshow(maps[r], cmap=_cmap(cmap), vmin=low, vmax=high)
            _bare(ax)
            if r == 0:
                ax.set_title(name)
            if c == 0 and row_labels is not None:
                ax.set_ylabel(row_labels[r])
        if kind != "image":
            fig.colorbar(shown, ax=list(axes[:, c]), shrink=0.8, location="bottom",
                         label=labels.get(name, ""))
    if title:
        fig.suptitle(title)
    return fig


def plot_image_grid(
    maps: np.ndarray, titles: Sequence[str], kind: str = "signed", columns: int = 5,
    title: str = "", colorbar_label: str = "",
) -> Figure:
    """Maps on one shared scale, ``columns`` across, with one colour bar.

    Parameters
    ----------
    maps : ndarray, shape (N, H, W)
    titles : sequence of N str
    kind : {'image', 'signed', 'positive'}
        As in :func:`plot_explanations`.
    columns : int
    title, colorbar_label : str

    Returns
    -------
    Figure
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3 or len(titles) != len(maps) or kind not in KINDS:
        raise ValueError(f"plot_image_grid: need maps (N, H, W), N titles and a kind in "
                         f"{sorted(KINDS)}, got {maps.shape}, {len(titles)} titles, {kind!r}")
    rows = -(-len(maps) // columns)
    fig = column_figure(height=1.45 * rows + 0.9)
    axes = np.atleast_2d(fig.subplots(rows, columns, squeeze=False))
    cmap, signed = KINDS[kind]
    low, high = (0.0, 1.0) if kind == "image" else _limits(maps, signed)
    shown = None
    for k, ax in enumerate(axes.ravel()):
        if k >= len(maps):
            ax.set_visible(False)
            continue
        shown = ax.imshow(maps[k], cmap=cmap, vmin=low, vmax=high)
        ax.set_title(titles[k])
        _bare(ax)
    fig.colorbar(shown, ax=list(axes.ravel()), shrink=0.85, label=colorbar_label)
    if title:
        fig.suptitle(title)
    return fig


def plot_seed_curves(
    x: Sequence[float], curves: Mapping[str, np.ndarray], xlabel: str, ylabel: str,
    title: str = "", xticklabels: Sequence[str] | None = None,
    ylim: tuple[float, float] | None = None,
) -> Figure:
    """Curves measured on several seeds: one thin line per seed, the mean in bold.

    Parameters
    ----------
    x : sequence of E floats
    curves : mapping of label to ndarray, shape (S, E)
    xlabel, ylabel, title : str
    xticklabels : sequence of E str, optional
    ylim : (float, float), optional

    Returns
    -------
    Figure
    """
    if not curves:
        raise ValueError("plot_seed_curves: curves must hold at least one setting")
    fig = column_figure(height=2.9)
    ax = fig.subplots()
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    x = np.asarray(x, dtype=float)
    for i, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[1] != x.size:
            raise ValueError(f"plot_seed_curves: curves must have shape (seeds, {x.size}), "
                             f"got {values.shape} for {label!r}")
        colour = colours[i % len(colours)]
        for row in values:
            ax.plot(x, row, color=colour, alpha=0.35, linewidth=1)
        ax.plot(x, values.mean(axis=0), color=colour, linewidth=2.2, marker="o",
                markersize=4, label=f"{label} (mean of {values.shape[0]} seeds)")
    if xticklabels is not None:
        ax.set_xticks(x)
        ax.set_xticklabels(xticklabels)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return fig
