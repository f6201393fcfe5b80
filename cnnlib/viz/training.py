"""Figures for the chapter *Training in practice*: learning curves, a confusion matrix,
BatchNorm's running statistics against the data's, curves over several
seeds, a learning-rate sweep, and a table of results over seeds.

No maths here: the histories come from :func:`cnnlib.train.fit` (stacked over
seeds by :func:`cnnlib.experiments.run_seeds`), the counts from
:func:`cnnlib.train.confusion_matrix`, the statistics from the layers, the
sweep's spreads from :func:`cnnlib.experiments.summarise`.
Runs are told apart by the Okabe-Ito colours *and* by marker shape; training
and test curves by line style (solid and dashed), so every line reads in grey
and for colour-blind readers.  Every figure is drawn in the house style
(:mod:`cnnlib.viz.style`): the text column's width, panels wrapped beyond four
across, and a legend shared by all panels drawn once, below them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..experiments import moving_average, tail_mean
from .style import COLUMN_INCHES, panel_grid
from .transfer import ResultTable

__all__ = [
    "confusion_figure",
    "digit_gallery",
    "history_figure",
    "lr_sweep_figure",
    "regulariser_table",
    "running_stats_figure",
    "seeds_figure",
    "SpreadTable",
]

# Okabe & Ito's colour-blind-safe palette, most distinct first.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_SPLITS = {
    "train": ("", "-", "training"),
    "test": ("val_", "--", "test"),
    "val": ("val_", "--", "validation"),
}
_PANELS = {
    "loss": ("Cross-entropy loss", "loss"),
    "accuracy": ("Accuracy", "fraction correct"),
}


def _panel_axes(n: int, row_height: float, figsize: tuple[float, float] | None,
                **subplot_kw: object) -> tuple[Figure, list]:
    """A pyplot figure with ``n`` panels, wrapped beyond four across; extra cells hidden."""
    rows, cols = panel_grid(n)
    if figsize is None:
        figsize = (COLUMN_INCHES, rows * row_height + 0.6)
    fig, grid = plt.subplots(rows, cols, squeeze=False, figsize=figsize, layout="constrained",
                             **subplot_kw)
    axes = [ax for row in grid for ax in row]
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _legend_below(fig: Figure, handles: Sequence, labels: Sequence[str]) -> None:
    """One legend for every panel, centred below them, in as many columns (up to four) as fit."""
    for ncols in range(min(len(labels), 4), 0, -1):
        legend = fig.legend(handles, labels, loc="outside lower center", ncols=ncols,
                            frameon=False)
        if ncols == 1 or legend.get_window_extent().width <= fig.bbox.width:
            return
        legend.remove()


def history_figure(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    panels: Sequence[str] = ("loss", "accuracy"),
    splits: Sequence[str] = ("train", "test"),
    title: str | None = None, log_loss: bool = True,
    accuracy_ylim: tuple[float, float] | None = (0.0, 1.02),
    figsize: tuple[float, float] | None = None, legend: str = "each",
) -> Figure:
    """Learning curves of one or more training runs, one panel per quantity.

    Parameters
    ----------
    histories : mapping of str to history
        ``{run label: history}``, each history as :func:`cnnlib.train.fit`
        returns it: lists under ``'loss'`` and ``'accuracy'`` (training) and
        ``'val_loss'`` and ``'val_accuracy'`` (the held-out set, called
        *test* here).
    panels : sequence of {'loss', 'accuracy'}
        One panel each, side by side.
    splits : sequence of {'train', 'val', 'test'}
        Which curves to draw in every panel: training solid, held-out
        dashed.  ``'val'`` and ``'test'`` both read the ``val_`` curves and
        differ only in their label (*validation* or *test*): call it what
        ``val_data`` was.
    title : str, optional
        The figure's title.
    log_loss : bool, default True
        A logarithmic y axis for the loss.
    accuracy_ylim : (low, high) or None
        Fixed y range of the accuracy panel.
    figsize : (width, height), optional
        Default: the text column's width, 3.1 inches high (3.4 with the
        legend below).
    legend : {'each', 'below'}, default 'each'
        A legend inside every panel, or one legend for all panels, centred
        below them (every panel holds the same curves).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not histories:
        raise ValueError("history_figure: histories must hold at least one run")
    for name in panels:
        if name not in _PANELS:
            raise ValueError(f"history_figure: panels must be 'loss' or 'accuracy', got {name!r}")
    for name in splits:
        if name not in _SPLITS:
            raise ValueError(
                f"history_figure: splits must be 'train', 'val' or 'test', got {name!r}"
            )
    if legend not in ("each", "below"):
        raise ValueError(f"history_figure: legend must be 'each' or 'below', got {legend!r}")
    if figsize is None:
        figsize = (COLUMN_INCHES, 3.1 if legend == "each" else 3.4)
    fig, axes = plt.subplots(1, len(panels), squeeze=False, figsize=figsize, layout="constrained")
    for ax, panel in zip(axes[0], panels, strict=True):
        panel_title, ylabel = _PANELS[panel]
        for i, (label, history) in enumerate(histories.items()):
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            for split in splits:
                prefix, style, split_name = _SPLITS[split]
                key = prefix + panel
                if key not in history:
                    raise ValueError(
                        f"history_figure: run {label!r} has no {key!r} (was fit given val_data?)"
                    )
                values = np.asarray(history[key], dtype=float)
                epochs = np.arange(1, values.size + 1)
                every = max(1, values.size // 10)
                name = label if len(splits) == 1 else f"{label}, {split_name}"
                ax.plot(epochs, values, linestyle=style, color=colour, marker=marker,
                        markevery=every, markersize=5,
                        markerfacecolor=colour if split == "train" else "white", label=name)
        ax.set(title=panel_title, xlabel="epoch", ylabel=ylabel)
        if panel == "loss" and log_loss:
            ax.set_yscale("log")
        if panel == "accuracy" and accuracy_ylim is not None:
            ax.set_ylim(*accuracy_ylim)
        ax.grid(alpha=0.3)
        if legend == "each":
            ax.legend()
    if legend == "below":
        _legend_below(fig, *axes[0][0].get_legend_handles_labels())
    if title:
        fig.suptitle(title)
    return fig


def digit_gallery(
    images: Sequence[np.ndarray], titles: Sequence[str], title: str | None = None,
    columns: int = 4, tile_inches: float = 1.25, colorbar_label: str = "brightness",
    vmin: float | None = None, vmax: float | None = None,
) -> Figure:
    """Small grey images as thumbnails on one brightness scale, with one colour bar.

    Thumbnails carry no axes, only a title each, so up to five fit across
    the text column legibly (the house style wraps panels *with* axes
    beyond four).

    Parameters
    ----------
    images : sequence of ndarray, each (H, W)
        All the same shape, e.g. 8×8 digits.
    titles : sequence of str
        One per image (a line break makes a two-line title).
    title : str, optional
        The figure's title.
    columns : int, default 4
        Thumbnails per row, 1 to 5; more images wrap onto new rows.
    tile_inches : float, default 1.25
        Width of one thumbnail, shrunk if the row would not fit the column.
    colorbar_label : str
    vmin, vmax : float, optional
        The ends of the shared grey scale; by default the smallest and the
        largest value of all the images.

    Returns
    -------
    matplotlib.figure.Figure
        At most the column wide; black is ``vmin``, white ``vmax``.
    """
    fn = "digit_gallery"
    arrays = [np.asarray(a, dtype=float) for a in images]
    if not arrays:
        raise ValueError(f"{fn}: images must hold at least one image")
    if len(titles) != len(arrays):
        raise ValueError(f"{fn}: titles must have one entry per image, got {len(titles)} "
                         f"titles for {len(arrays)} images")
    if any(a.ndim != 2 or a.shape != arrays[0].shape for a in arrays):
        raise ValueError(f"{fn}: images must be 2-D arrays of one shape, got shapes "
                         f"{[a.shape for a in arrays]}")
    if not isinstance(columns, int) or not 1 <= columns <= 5:
        raise ValueError(f"{fn}: columns must be an int from 1 to 5, got {columns!r}")
    lo = min(float(a.min()) for a in arrays) if vmin is None else vmin
    hi = max(float(a.max()) for a in arrays) if vmax is None else vmax
    rows, cols = -(-len(arrays) // columns), min(columns, len(arrays))
    tile = min(tile_inches, (COLUMN_INCHES - 1.0) / cols)
    lines = max(str(t).count("\n") + 1 for t in titles)
    aspect = arrays[0].shape[0] / arrays[0].shape[1]
    fig = plt.figure(figsize=(cols * tile + 1.0,
                              rows * (tile * aspect + 0.22 * lines + 0.1)
                              + (0.45 if title else 0.1)),
                     layout="constrained")
    grid = fig.subplots(rows, cols, squeeze=False)
    axes = [ax for row in grid for ax in row]
    image = None
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[len(arrays):]:
        ax.set_visible(False)
    for ax, a, name in zip(axes, arrays, titles, strict=False):
        image = ax.imshow(a, cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_title(name, fontsize=9.5)
    bar = fig.colorbar(image, ax=axes[:len(arrays)], shrink=min(0.9, 0.45 + 0.15 * rows))
    bar.set_label(colorbar_label)
    if title:
        fig.suptitle(title)
    return fig


def confusion_figure(
    confusion: np.ndarray, class_names: Sequence[str] | None = None,
    title: str = "Confusion matrix", figsize: tuple[float, float] = (5.6, 4.6),
    count_label: str = "number of images",
) -> Figure:
    """A confusion matrix as a grid of counts: rows true classes, columns predictions.

    Parameters
    ----------
    confusion : ndarray of int, shape (C, C)
        As :func:`cnnlib.train.confusion_matrix` returns it.
    class_names : sequence of str, optional
        Tick labels; ``0 .. C-1`` by default.
    title : str
    figsize : (width, height)
    count_label : str, default 'number of images'
        The colour bar's label (say which images were counted).

    Returns
    -------
    matplotlib.figure.Figure
        Each cell shows its count (zeros left blank, so mistakes stand out);
        the colour (``cividis``, on a square-root scale so that small counts
        are visible beside the large diagonal) repeats it.
    """
    cm = np.asarray(confusion)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(
            f"confusion_figure: confusion must be a square (C, C) matrix, got shape {cm.shape}"
        )
    c = cm.shape[0]
    names = [str(i) for i in range(c)] if class_names is None else list(class_names)
    if len(names) != c:
        raise ValueError(
            f"confusion_figure: class_names must have {c} entries, got {len(names)}"
        )
    from matplotlib.colors import PowerNorm

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    im = ax.imshow(cm, cmap="cividis", norm=PowerNorm(0.5, vmin=0, vmax=max(1, cm.max())))
    threshold = 0.6 * np.sqrt(max(1, cm.max()))
    for i in range(c):
        for j in range(c):
            if cm[i, j]:
                dark = np.sqrt(cm[i, j]) < threshold
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=9.5,
                        color="white" if dark else "black")
    ax.set_xticks(range(c), names)
    ax.set_yticks(range(c), names)
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    fig.colorbar(im, ax=ax, shrink=0.85, label=count_label)
    return fig


def running_stats_figure(
    batch_means: np.ndarray, running_mean: np.ndarray,
    batch_vars: np.ndarray, running_var: np.ndarray,
    title: str | None = None, figsize: tuple[float, float] = (COLUMN_INCHES, 3.4),
) -> Figure:
    """Per-channel statistics measured on data beside a BatchNorm layer's running estimates.

    Parameters
    ----------
    batch_means, batch_vars : ndarray, shape (C,)
        Each channel's mean and variance measured on the data (e.g. over a
        whole training set).
    running_mean, running_var : ndarray, shape (C,)
        The layer's buffers.
    title : str, optional
    figsize : (width, height)

    Returns
    -------
    matplotlib.figure.Figure
        Two panels, mean and variance, with one point per channel and the
        line y = x on which a perfect estimate would lie; one legend below.
    """
    pairs = [("mean", batch_means, running_mean), ("variance", batch_vars, running_var)]
    fig, axes = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    for ax, (name, measured, running) in zip(axes, pairs, strict=True):
        measured = np.asarray(measured, dtype=float)
        running = np.asarray(running, dtype=float)
        if measured.shape != running.shape or measured.ndim != 1:
            raise ValueError(
                f"running_stats_figure: the measured and running {name}s must be two (C,) "
                f"arrays, got shapes {measured.shape} and {running.shape}"
            )
        lo = min(measured.min(), running.min())
        hi = max(measured.max(), running.max())
        pad = 0.05 * (hi - lo or 1.0)
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="#000000", linestyle=":",
                linewidth=1, label="y = x: running estimate equals the data's")
        ax.plot(measured, running, linestyle="none", marker="o", color=COLOURS[0],
                label=f"one channel ({measured.size} in all)")
        ax.set(title=f"Per-channel {name}", xlabel=f"{name} measured on the data",
               ylabel=f"running_{'mean' if name == 'mean' else 'var'}")
        ax.grid(alpha=0.3)
    _legend_below(fig, *axes[0].get_legend_handles_labels())
    if title:
        fig.suptitle(title)
    return fig


def seeds_figure(
    panels: Mapping[str, Mapping[str, np.ndarray]],
    ylabels: Mapping[str, str] | None = None, title: str | None = None,
    log_y: Sequence[str] = (), first_epoch: int = 1,
    figsize: tuple[float, float] | None = None,
    ylims: Mapping[str, tuple[float, float]] | None = None,
) -> Figure:
    """Curves over several seeds: each setting's mean as a line, its spread as a band.

    Parameters
    ----------
    panels : mapping of str to mapping of str to ndarray
        ``{panel title: {setting label: curves}}``, ``curves`` of shape
        (S, E): one row per seed, as :func:`cnnlib.experiments.run_seeds`
        stacks a history.  Every setting gets one colour and marker across
        all panels.
    ylabels : mapping of str to str, optional
        The y-axis label of each panel (by title); the title by default.
    title : str, optional
        The figure's title.
    log_y : sequence of str
        Titles of the panels with a logarithmic y axis.
    first_epoch : int, default 1
        The epoch number of column 0 (e.g. the first epoch a moving average
        covers fully).
    figsize : (width, height), optional
        Default: the text column's width, 3.4 inches high for each row of
        at most four panels.
    ylims : mapping of str to (low, high), optional
        A fixed y range for the panels named (by title), e.g. to show where
        curves level off rather than where they start.

    Returns
    -------
    matplotlib.figure.Figure
        In each panel a line per setting through the mean over seeds, and a
        shaded band from the smallest to the largest seed at every epoch.
        One legend below the panels names the settings and says what the
        lines and the bands are.
    """
    fn = "seeds_figure"
    if not panels:
        raise ValueError(f"{fn}: panels must hold at least one panel")
    fig, axes = _panel_axes(len(panels), 2.8, figsize)
    labels: list[str] = []
    handles: list = []
    seeds: set[int] = set()
    for ax, (panel, curves) in zip(axes, panels.items(), strict=True):
        if not curves:
            raise ValueError(f"{fn}: panel {panel!r} holds no curves")
        for label, values in curves.items():
            c = np.asarray(values, dtype=float)
            if c.ndim != 2 or c.shape[1] == 0:
                raise ValueError(
                    f"{fn}: curves must have shape (seeds, epochs), got {c.shape} for "
                    f"{label!r} in panel {panel!r}"
                )
            seeds.add(c.shape[0])
            if label not in labels:
                labels.append(label)
                handles.append(None)
            i = labels.index(label)
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            epochs = np.arange(first_epoch, first_epoch + c.shape[1])
            ax.fill_between(epochs, c.min(axis=0), c.max(axis=0), color=colour, alpha=0.2,
                            linewidth=0)
            (line,) = ax.plot(epochs, c.mean(axis=0), color=colour, marker=marker,
                              markevery=max(1, c.shape[1] // 8), markersize=5, label=label)
            handles[i] = handles[i] or line
        ax.set(title=panel, xlabel="epoch",
               ylabel=(ylabels or {}).get(panel, panel))
        if panel in log_y:
            ax.set_yscale("log")
        if ylims and panel in ylims:
            ax.set_ylim(*ylims[panel])
        ax.grid(alpha=0.3)
    from matplotlib.patches import Patch

    seeds_text = f"{seeds.pop()} seeds" if len(seeds) == 1 else "the seeds"
    handles.append(Patch(facecolor="0.5", alpha=0.35, linewidth=0))
    labels.append(f"lines: mean; bands: range of {seeds_text}")
    _legend_below(fig, handles, labels)
    if title:
        fig.suptitle(title)
    return fig


def lr_sweep_figure(
    panels: Mapping[str, Mapping[str, Mapping[float, object]]],
    ylabel: str = "validation accuracy", title: str | None = None,
    xlabel: str = "learning rate", ylim: tuple[float, float] | None = None,
    figsize: tuple[float, float] | None = None, chance: float | None = None,
) -> Figure:
    """A learning-rate sweep: score against rate (log axis), mean and range over seeds.

    Parameters
    ----------
    panels : mapping
        ``{panel title: {line label: {lr: spread}}}``, each ``spread`` with
        ``mean``, ``min`` and ``max`` attributes, as
        :func:`cnnlib.experiments.summarise` returns them (one line per
        method or variant, e.g. with and without BatchNorm).
    ylabel, xlabel : str
    title : str, optional
    ylim : (low, high), optional
        Shared y range.
    figsize : (width, height), optional
        Default: the text column's width, 3.3 inches high for each row of
        at most four panels.
    chance : float, optional
        The score of guessing (0.1 for ten classes), drawn as a dotted line.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per entry, wrapped beyond four across, with a shared y
        axis; each line passes through the means, with a vertical bar from
        the worst to the best seed at every rate, and the x axis is ticked at
        the rates tried.  Lines differ in colour, marker and style; one
        legend below the panels names them.
    """
    fn = "lr_sweep_figure"
    if not panels:
        raise ValueError(f"{fn}: panels must hold at least one panel")
    fig, axes = _panel_axes(len(panels), 2.7, figsize, sharey=True)
    styles = ("-", "--", ":", "-.")
    legend: dict[str, object] = {}
    for ax, (panel, lines) in zip(axes, panels.items(), strict=True):
        tried: set[float] = set()
        for i, (label, spreads) in enumerate(lines.items()):
            if not spreads:
                raise ValueError(f"{fn}: line {label!r} in panel {panel!r} has no rates")
            lrs = np.array(sorted(spreads), dtype=float)
            if np.any(lrs <= 0):
                raise ValueError(f"{fn}: learning rates must be > 0, got {lrs.tolist()}")
            tried.update(lrs.tolist())
            mean = np.array([spreads[lr].mean for lr in sorted(spreads)])
            low = np.array([spreads[lr].min for lr in sorted(spreads)])
            high = np.array([spreads[lr].max for lr in sorted(spreads)])
            colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
            bars = ax.errorbar(lrs, mean, yerr=[mean - low, high - mean], color=colour,
                               marker=marker, markersize=5, linestyle=styles[i % len(styles)],
                               capsize=3, label=label,
                               markerfacecolor=colour if i == 0 else "white")
            legend.setdefault(label, bars)
        if chance is not None:
            ax.axhline(chance, color="0.4", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ticks = sorted(tried)
        ax.set_xticks(ticks, [f"{v:g}" for v in ticks])
        ax.minorticks_off()
        ax.set(title=panel, xlabel=xlabel)
        ax.grid(alpha=0.3)
    for ax in axes[::min(len(axes), 4)]:
        ax.set_ylabel(ylabel)
    if ylim is not None:
        axes[0].set_ylim(*ylim)
    handles, labels = list(legend.values()), list(legend)
    if chance is not None:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color="0.4", linestyle=":", linewidth=1))
        labels.append(f"chance, {chance:g}")
    _legend_below(fig, handles, labels)
    if title:
        fig.suptitle(title)
    return fig


def regulariser_table(
    results: Mapping[str, Mapping[str, np.ndarray]], smooth: int = 5, last: int = 10,
) -> SpreadTable:
    """Settings trained over seeds, side by side: the training fit and the validation level.

    Introduced in the chapter *Training in practice* to compare regularisers.
    Each cell is the mean over the seeds with the smallest and the largest
    seed in brackets.

    Parameters
    ----------
    results : mapping of str to history
        ``{setting: history}``, each history as
        :func:`cnnlib.experiments.run_seeds` stacks it: ``'val_loss'`` and
        ``'val_accuracy'`` of shape (S, E), one row per seed, and
        ``'seen_loss'`` of shape (S,), the loss on the training set measured
        after training in evaluation mode.
    smooth : int, default 5
        The moving-average window (epochs) before the lowest validation
        loss is read off (:func:`cnnlib.experiments.moving_average`).
    last : int, default 10
        The validation loss and accuracy are averaged over this many final
        epochs (:func:`cnnlib.experiments.tail_mean`).

    Returns
    -------
    SpreadTable
        One row per setting; on the page an HTML table with each range under
        its mean.

    Examples
    --------
    >>> r = {"loss": np.array([[2.0, 1.0, 1.5], [2.0, 1.2, 1.3]]),
    ...      "acc": np.array([[0.5, 0.8, 0.7], [0.5, 0.6, 0.8]]),
    ...      "seen": np.array([0.01, 0.03])}
    >>> t = regulariser_table({"plain": {"val_loss": r["loss"],
    ...                                  "val_accuracy": r["acc"],
    ...                                  "seen_loss": r["seen"]}},
    ...                       smooth=1, last=2)
    >>> t.rows[0]
    ['plain', '0.020 (0.010–0.030)', '1.10 (1.00–1.20)', '1.25 (1.25–1.25)', '72.5% (70.0%–75.0%)']
    """
    fn = "regulariser_table"
    if not results:
        raise ValueError(f"{fn}: results must hold at least one setting")

    def spread(values: np.ndarray, fmt: str) -> str:
        v = np.asarray(values, dtype=float)
        return (f"{format(v.mean(), fmt)} "
                f"({format(v.min(), fmt)}–{format(v.max(), fmt)})")

    rows = []
    for name, r in results.items():
        missing = [k for k in ("seen_loss", "val_loss", "val_accuracy") if k not in r]
        if missing:
            raise ValueError(f"{fn}: setting {name!r} has no {missing[0]!r} (expected a "
                             f"history from run_seeds with a 'seen_loss' entry)")
        rows.append([name,
                     spread(r["seen_loss"], ".3f"),
                     spread(moving_average(r["val_loss"], smooth).min(axis=1), ".2f"),
                     spread(tail_mean(r["val_loss"], last), ".2f"),
                     spread(tail_mean(r["val_accuracy"], last), ".1%")])
    header = ["", "training loss (eval mode)", "lowest validation loss",
              f"validation loss, last {last}", f"validation accuracy, last {last}"]
    seeds = {int(np.size(r["seen_loss"])) for r in results.values()}
    count = f"{seeds.pop()} seeds" if len(seeds) == 1 else "the seeds"
    return SpreadTable(header, rows,
                       caption=f"Mean over {count}, and the smallest to the largest "
                               "seed.")


class SpreadTable(ResultTable):
    """A :class:`ResultTable` of ``'mean (low–high)'`` cells, compact on the page.

    Introduced in the chapter *Training in practice*.  As text every cell
    reads ``mean (low–high)``; in HTML the range goes on a second line in
    small type under the mean, so that five columns fit the text column.

    Examples
    --------
    >>> t = SpreadTable(["", "loss"], [["plain", "0.50 (0.40–0.60)"]])
    >>> print(t)
               loss
    plain 0.50 (0.40–0.60)
    >>> "0.50<br><small" in t._repr_html_()
    True
    """

    def _repr_html_(self) -> str:
        import html

        esc = html.escape

        def cell(text: str) -> str:
            mean, bracket, spread = text.partition(" (")
            if not bracket or not spread.endswith(")"):
                return esc(text)
            return (f'{esc(mean)}<br><small style="opacity:0.75;white-space:nowrap">'
                    f"{esc(spread[:-1])}</small>")

        caption = (f'<caption style="caption-side:bottom;font-size:0.85em">'
                   f"{esc(self.caption)}</caption>" if self.caption else "")
        head = "".join(f'<th style="text-align:right">{esc(h)}</th>' for h in self.header)
        body = "".join("<tr><th style=\"text-align:left\">" + esc(r[0]) + "</th>"
                       + "".join(f'<td style="text-align:right">{cell(c)}</td>' for c in r[1:])
                       + "</tr>" for r in self.rows)
        return ('<table class="cnnlib-results" style="font-variant-numeric:tabular-nums;'
                f'line-height:1.3">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")
