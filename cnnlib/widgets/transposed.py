"""The transposed-convolution explorer: sizes and the overlap map.

Input size, kernel size, stride, padding and output_padding set a square
transposed convolution; the widget prints the output-size formula with
those numbers substituted, the size :func:`cnnlib.conv_transpose_output_size`
returns, and draws :func:`cnnlib.conv_transpose.overlap_counts` -- how many
kernel stamps land on each output pixel.  A kernel size the stride does not
divide shows the checkerboard.  Impossible settings (``output_padding`` not
smaller than the stride, a padding that crops everything) show the
library's message instead of a result.  Introduced in the chapter
*Transposed convolution and upsampling*.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from ..conv_transpose import conv_transpose_output_size, overlap_counts
from ..viz.style import COLUMN_INCHES
from ..viz.upsampling import OverlapView
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["TransposedExplorer", "transposed_explorer"]


class TransposedExplorer(BookWidget):
    """Sliders for ``i, k, s, p, a`` -> output size and the overlap map.

    Parameters
    ----------
    size, kernel_size, stride, padding, output_padding : int
        Starting values of the sliders.

    Attributes
    ----------
    sliders : dict of str -> ipywidgets.IntSlider
        Keys ``'size'``, ``'kernel_size'``, ``'stride'``, ``'padding'``,
        ``'output_padding'``.
    output_size : int or None
        The current output size, ``None`` while the setting is impossible.
    counts : ndarray of int or None
        The overlap map drawn, ``None`` while the setting is impossible.
    message : MessageLine
        Empty, or the library's error for an impossible setting.
    """

    def __init__(self, size: int = 4, kernel_size: int = 3, stride: int = 2, padding: int = 0,
                 output_padding: int = 0) -> None:
        def slider(value: int, low: int, high: int, label: str) -> widgets.IntSlider:
            return widgets.IntSlider(value=value, min=low, max=high, description=label,
                                     continuous_update=True,
                                     style={"description_width": "130px"},
                                     layout=widgets.Layout(width="320px"))

        self.sliders = {
            "size": slider(size, 1, 8, "input size i"),
            "kernel_size": slider(kernel_size, 1, 6, "kernel size k"),
            "stride": slider(stride, 1, 4, "stride s"),
            "padding": slider(padding, 0, 4, "padding p"),
            "output_padding": slider(output_padding, 0, 3, "output_padding a"),
        }
        self.output_size: int | None = None
        self.counts: np.ndarray | None = None
        self.result = widgets.HTML()
        self.message = MessageLine()
        self.figure = FigureImage(figsize=(COLUMN_INCHES * 0.62, 3.6), dpi=100)
        ax = self.figure.fig.add_subplot()
        self.view = OverlapView(ax, np.zeros((1, 1), dtype=int))
        self.figure.fig.colorbar(self.view.image, ax=ax, shrink=0.85,
                                 label="stamps covering the pixel",
                                 ticks=MaxNLocator(integer=True))
        self._guarded_update = guarded(self.update, self.message)
        for s in self.sliders.values():
            s.observe(lambda change: self._guarded_update(), names="value")
        controls = widgets.HBox(list(self.sliders.values()), layout=widgets.Layout(
            flex_flow="row wrap", max_width="660px"))
        self.widget = widgets.VBox([controls, self.result, self.message.html,
                                    self.figure.image])
        self._guarded_update()

    @property
    def settings(self) -> dict[str, int]:
        """The slider values by name."""
        return {name: s.value for name, s in self.sliders.items()}

    def update(self) -> None:
        """The callback: recompute the output size and the overlap map, and redraw.

        Raises the library's ``ValueError`` for an impossible setting (the
        widget catches it and shows the message); the map is then blanked.
        """
        i, k, s, p, a = self.settings.values()
        self.output_size, self.counts = None, None
        try:
            out = conv_transpose_output_size(i, k, stride=s, padding=p, output_padding=a)
            counts = overlap_counts(i, k, stride=s, padding=p, output_padding=a)
        except ValueError:
            self.result.value = "<b>no output</b> (see the message below)"
            self.view.update(np.zeros((1, 1), dtype=int), "no output")
            self.figure.refresh()
            raise
        self.output_size, self.counts = out, counts
        high = int(counts.max())
        # Inner pixels: those every stamp that could reach them does reach
        # (full-output cells k - 1 .. (i - 1)s, shifted by the crop p).
        lo, hi = max(k - 1 - p, 0), min((i - 1) * s - p, out - 1)
        inner = counts[lo:hi + 1, lo:hi + 1]
        if inner.size == 0:
            even = "no inner pixels (the input is too small)"
        elif inner.min() == 0:
            even = "holes: inner pixels no stamp reaches"
        elif inner.min() == inner.max():
            even = f"inner pixels evenly covered, {int(inner.min())} stamps each"
        else:
            even = f"inner pixels unevenly covered, {int(inner.min())} to {int(inner.max())} stamps"
        self.result.value = (
            f"o = (i − 1)s − 2p + k + a = ({i} − 1)·{s} − 2·{p} + {k} + {a} = <b>{out}</b>: "
            f"a {i}×{i} input gives a <b>{out}×{out}</b> output; {even}"
        )
        self.view.update(counts, f"{out}×{out} output: stamps per pixel", vmax=max(high, 1))
        self.figure.refresh()

    def __repr__(self) -> str:
        i, k, s, p, a = self.settings.values()
        return (f"<TransposedExplorer: i={i}, k={k}, s={s}, p={p}, a={a} "
                f"-> o={self.output_size}>")


def transposed_explorer(size: int = 4, kernel_size: int = 3, stride: int = 2, padding: int = 0,
                        output_padding: int = 0) -> TransposedExplorer:
    """Sliders for a transposed convolution's sizes, its output size and overlap map.

    See :class:`TransposedExplorer`.

    Examples
    --------
    >>> explorer = transposed_explorer(4, 3, stride=2)
    >>> explorer.output_size, int(explorer.counts.max())
    (9, 4)
    >>> explorer.sliders["output_padding"].value = 2
    >>> explorer.output_size is None, explorer.message.text[:44]
    (True, 'conv_transpose_output_size: output_padding m')
    """
    return TransposedExplorer(size, kernel_size, stride, padding, output_padding)
