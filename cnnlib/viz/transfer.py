"""Figures for the chapter *Transfer learning*: sweeps, accuracy curves, filters.

No maths here: the scores, curves and filters come from training runs in the
chapter.  Every figure is drawn in the house style (:mod:`cnnlib.viz.style`): at the
width of the book's text column, with text of at least 9 points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .style import column_figure, panel_figure

__all__ = ["STRATEGY_STYLES", "ResultTable", "filter_mosaic", "plot_filter_change", "plot_lr_sweep",
           "plot_transfer_curves"]

#: Okabe-Ito colours (readable with every common colour-vision deficiency),
#: with a line style and marker each so that the curves also part in grey.
STRATEGY_STYLES: dict[str, dict[str, object]] = {
    "from scratch": {"color": "#E69F00", "linestyle": "--", "marker": "o"},
    "frozen features": {"color": "#0072B2", "linestyle": "-", "marker": "s"},
    "fine-tuning": {"color": "#009E73", "linestyle": "-.", "marker": "^"},
}

_SMALL = 9          # points: the smallest text in these figures


def _panels(n: int, height: float) -> tuple[Figure, list]:
    fig, axes = panel_figure(n, panel_height=height, extra_height=0.0, sharey=True)
    for ax in axes:
        ax.tick_params(labelsize=_SMALL)
        ax.grid(alpha=0.3)
    return fig, axes


def plot_lr_sweep(
    lrs: Sequence[float], scores: Mapping[str, Mapping[str, np.ndarray]],
    chosen: Mapping[str, Mapping[str, float]] | None = None, title: str = "",
    ylabel: str = "validation accuracy",
) -> Figure:
    """A learning-rate sweep: score against learning rate, one panel per data set.

    Parameters
    ----------
    lrs : sequence of float, length K
        The learning rates tried (the x axis, logarithmic).
    scores : mapping of panel title to mapping of strategy to ndarray
        ``scores["5 labels per class"]["fine-tuning"]`` has shape ``(S, K)``:
        one row per seed, one column per learning rate.  The line joins the
        means over seeds; the bar at each point spans the worst to the best
        seed.
    chosen : mapping of panel title to mapping of strategy to float, optional
        The learning rate picked for each strategy, drawn as a large ring.
    title : str
    ylabel : str, default 'validation accuracy'

    Returns
    -------
    matplotlib.figure.Figure
        One panel per entry of ``scores``, side by side, sharing the y axis
        (0 to 1, with chance for five classes, 0.2, dotted).
    """
    x = np.asarray(lrs, dtype=float)
    fig, axes = _panels(len(scores), 2.9)
    for ax, (panel, by_strategy) in zip(axes, scores.items(), strict=True):
        n_seeds = 0
        for i, (strategy, runs) in enumerate(by_strategy.items()):
            runs = np.asarray(runs, dtype=float)
            n_seeds = runs.shape[0]
            mean = runs.mean(axis=0)
            style = dict(STRATEGY_STYLES.get(strategy, {}))
            shift = x * 1.1 ** (i - (len(by_strategy) - 1) / 2)   # part the bars a little
            below = np.maximum(mean - runs.min(axis=0), 0.0)      # >= 0 despite round-off
            above = np.maximum(runs.max(axis=0) - mean, 0.0)
            ax.errorbar(shift, mean, yerr=[below, above], label=strategy, markersize=5,
                        capsize=2, **style)
            if chosen is not None and strategy in chosen.get(panel, {}):
                k = int(np.argmin(np.abs(x - chosen[panel][strategy])))
                ax.plot(shift[k], mean[k], marker="o", markersize=13, fillstyle="none",
                        color=style.get("color"), linestyle="none")
        ax.axhline(0.2, color="0.4", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set_xticks(x, [f"{v:g}" for v in x])
        ax.minorticks_off()
        ax.set_title(f"{panel} ({n_seeds} seeds)", fontsize=_SMALL + 1)
        ax.set_xlabel("learning rate", fontsize=_SMALL + 1)
    axes[0].set_ylabel(ylabel, fontsize=_SMALL + 1)
    axes[0].set_ylim(0, 1.02)
    axes[0].legend(loc="lower left", fontsize=_SMALL)
    if title:
        fig.suptitle(title, fontsize=_SMALL + 2)
    return fig


def plot_transfer_curves(
    steps: Sequence[int], curves: Mapping[str, Mapping[str, np.ndarray]], title: str = "",
    ylabel: str = "validation accuracy",
) -> Figure:
    """Accuracy against training steps, one panel per amount of labelled data.

    Parameters
    ----------
    steps : sequence of int, length T
        The steps at which accuracy was measured (the x axis).
    curves : mapping of panel title to mapping of strategy to ndarray
        ``curves["5 labels per class"]["frozen features"]`` has shape
        ``(S, T)``: one row per seed.  The line is the mean over seeds, the
        band spans the worst to the best seed at each step.
    title : str
    ylabel : str, default 'validation accuracy'

    Returns
    -------
    matplotlib.figure.Figure
        One panel per entry of ``curves``, titled with the number of seeds.
    """
    x = np.asarray(steps)
    fig, axes = _panels(len(curves), 2.9)
    for ax, (panel, by_strategy) in zip(axes, curves.items(), strict=True):
        for strategy, runs in by_strategy.items():
            runs = np.asarray(runs, dtype=float)
            style = STRATEGY_STYLES.get(strategy, {})
            ax.plot(x, runs.mean(axis=0), label=strategy, markersize=4, **style)
            ax.fill_between(x, runs.min(axis=0), runs.max(axis=0), color=style.get("color"),
                            alpha=0.2, linewidth=0)
        ax.set_title(f"{panel} ({runs.shape[0]} seeds)", fontsize=_SMALL + 1)
        ax.set_xlabel("training step", fontsize=_SMALL + 1)
    axes[0].set_ylabel(ylabel, fontsize=_SMALL + 1)
    axes[0].set_ylim(0, 1.02)
    axes[-1].legend(loc="lower right", fontsize=_SMALL)
    if title:
        fig.suptitle(title, fontsize=_SMALL + 2)
    return fig


def filter_mosaic(filters: np.ndarray, columns: int = 4) -> np.ndarray:
    """Tile ``F`` small kernels into one image, a row of NaN between neighbours.

    Parameters
    ----------
    filters : ndarray, shape (F, 1, kh, kw) or (F, kh, kw)
    columns : int, default 4
        Kernels per row of the mosaic.

    Returns
    -------
    ndarray, shape (R * (kh + 1) - 1, columns * (kw + 1) - 1)
        ``R = ceil(F / columns)``; kernel ``i`` sits in mosaic row
        ``i // columns`` and column ``i % columns``; gaps (and unused cells)
        are NaN, which ``imshow`` leaves blank.

    Examples
    --------
    >>> m = filter_mosaic(np.arange(8.0).reshape(2, 2, 2), columns=2)
    >>> m.shape
    (2, 5)
    >>> m[0].tolist()
    [0.0, 1.0, nan, 4.0, 5.0]
    """
    f = np.asarray(filters, dtype=float)
    if f.ndim not in (3, 4) or (f.ndim == 4 and f.shape[1] != 1):
        raise ValueError(f"filter_mosaic: filters must have shape (F, 1, kh, kw) or "
                         f"(F, kh, kw), got {f.shape}")
    if not isinstance(columns, int | np.integer) or columns < 1:
        raise ValueError(f"filter_mosaic: columns must be a positive int, got {columns!r}")
    f = f.reshape(len(f), *f.shape[-2:])
    n, kh, kw = f.shape
    rows = -(-n // columns)
    mosaic = np.full((rows * (kh + 1) - 1, columns * (kw + 1) - 1), np.nan)
    for i in range(n):
        r, c = divmod(i, columns)
        mosaic[r * (kh + 1):r * (kh + 1) + kh, c * (kw + 1):c * (kw + 1) + kw] = f[i]
    return mosaic


def plot_filter_change(before: np.ndarray, after: np.ndarray, title: str = "",
                       columns: int = 4) -> Figure:
    """First-layer filters before and after fine-tuning, and their difference.

    Introduced in the chapter *Transfer learning*.  Each set of filters is
    one panel, a mosaic of the kernels (:func:`filter_mosaic`, filter 0 top
    left, numbered row by row).  "Before" and "after" share one signed
    colour scale and colour bar; the change has its own, symmetric about
    zero and usually much smaller, so that it can be seen at all (its bar
    states how much smaller).

    Parameters
    ----------
    before, after : ndarray, shape (F, 1, kh, kw) or (F, kh, kw)
        The same layer's filters at two moments.
    title : str
    columns : int, default 4
        Kernels per row of each mosaic.

    Returns
    -------
    matplotlib.figure.Figure
        Column-wide: three panels (before, after, after minus before) and
        two colour bars (weight; change).
    """
    b = np.asarray(before, dtype=float)
    b = b.reshape(len(b), *b.shape[-2:])
    a = np.asarray(after, dtype=float)
    if a.size != b.size:
        raise ValueError(f"plot_filter_change: after must have the shape of before "
                         f"{np.asarray(before).shape}, got {a.shape}")
    a = a.reshape(b.shape)
    limit = float(max(np.abs(b).max(), np.abs(a).max(), 1e-12))
    diff = a - b
    change_limit = float(max(np.abs(diff).max(), 1e-12))
    fig = column_figure(height=2.75)
    axes = fig.subplots(1, 3)
    panels = [("before", b, limit), ("after", a, limit), ("after − before", diff, change_limit)]
    cmap = plt.get_cmap("RdBu").with_extremes(bad="white")
    images = []
    for ax, (label, filters, lim) in zip(axes, panels, strict=True):
        images.append(ax.imshow(filter_mosaic(filters, columns), cmap=cmap, vmin=-lim,
                                vmax=lim))
        ax.set_title(label)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("0.75")
    fig.get_layout_engine().set(wspace=0.06)
    weight_bar = fig.colorbar(images[1], ax=list(axes[:2]), shrink=0.9)
    weight_bar.set_label("weight")
    change_bar = fig.colorbar(images[2], ax=axes[2], shrink=0.9)
    change_bar.set_label("change (own scale)")
    fig.supxlabel(f"{len(b)} filters, {b.shape[1]}×{b.shape[2]} each, numbered row by row "
                  "(blue positive, red negative)", fontsize=_SMALL)
    if title:
        fig.suptitle(title)
    return fig


class ResultTable:
    """A small table of results: an HTML table on the page, aligned text otherwise.

    Introduced in the chapter *Transfer learning* for tables too wide for
    79 columns of text.

    Parameters
    ----------
    header : sequence of str
        Column titles; the first column holds the row names.
    rows : sequence of sequence of str
        The formatted cells, one sequence per row, as long as ``header``.
    caption : str, optional

    Examples
    --------
    >>> t = ResultTable(["", "a"], [["x", "0.5"]])
    >>> print(t)
        a
    x 0.5
    >>> t._repr_html_().startswith('<table class="cnnlib-results">')
    True
    """

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]],
                 caption: str = "") -> None:
        self.header = [str(h) for h in header]
        self.rows = [[str(c) for c in row] for row in rows]
        for row in self.rows:
            if len(row) != len(self.header):
                raise ValueError(f"ResultTable: every row must have {len(self.header)} "
                                 f"cells like header, got {len(row)}")
        self.caption = caption

    def __repr__(self) -> str:
        table = [self.header, *self.rows]
        widths = [max(len(r[k]) for r in table) for k in range(len(self.header))]
        lines = [self.caption] if self.caption else []
        for r in table:
            lines.append(" ".join([r[0].ljust(widths[0])]
                                  + [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        esc = html.escape
        caption = f"<caption>{esc(self.caption)}</caption>" if self.caption else ""
        head = "".join(f"<th>{esc(h)}</th>" for h in self.header)
        body = "".join("<tr><th>" + esc(r[0]) + "</th>"
                       + "".join(f'<td style="text-align:right">{esc(c)}</td>' for c in r[1:])
                       + "</tr>" for r in self.rows)
        return (f'<table class="cnnlib-results">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")
