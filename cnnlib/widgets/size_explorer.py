"""The size explorer: five sliders for one axis of a convolution, the output size, and a drawing.

Input size, kernel size, stride, padding and dilation set a square
convolution; the widget prints the output-size formula with those numbers
substituted and the size :func:`cnnlib.conv_output_size` returns, and draws
where the kernel lands (:class:`cnnlib.viz.conv.KernelPlacement`).  A setting
where the kernel cannot fit shows the library's error message instead of a
result.  Introduced in the chapter *Convolution*.
"""

from __future__ import annotations

import ipywidgets as widgets

from ..conv import conv_output_size
from ..viz.conv import KernelPlacement
from ..viz.style import COLUMN_INCHES
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["SizeExplorer", "size_explorer"]


class SizeExplorer(BookWidget):
    """Sliders for ``i, k, s, p, d`` -> output size and a drawing of the kernel's positions.

    Parameters
    ----------
    size, kernel_size, stride, padding, dilation : int
        Starting values of the sliders.
    max_size : int
        Largest input size on the slider.

    Attributes
    ----------
    sliders : dict of str -> ipywidgets.IntSlider
        Keys ``'size'``, ``'kernel_size'``, ``'stride'``, ``'padding'``, ``'dilation'``.
    output_size : int or None
        The current output size, ``None`` while the setting is impossible.
    positions : int
        Kernel positions per axis in the drawing (counted by sliding).
    message : MessageLine
        Empty, or the library's error for an impossible setting.
    """

    def __init__(self, size: int = 7, kernel_size: int = 3, stride: int = 1, padding: int = 0,
                 dilation: int = 1, max_size: int = 16) -> None:
        def slider(name: str, value: int, low: int, high: int, label: str) -> widgets.IntSlider:
            return widgets.IntSlider(value=value, min=low, max=high, description=label,
                                     continuous_update=True,
                                     style={"description_width": "110px"},
                                     layout=widgets.Layout(width="320px"))

        self.sliders = {
            "size": slider("size", size, 1, max_size, "input size i"),
            "kernel_size": slider("kernel_size", kernel_size, 1, 7, "kernel size k"),
            "stride": slider("stride", stride, 1, 4, "stride s"),
            "padding": slider("padding", padding, 0, 4, "padding p"),
            "dilation": slider("dilation", dilation, 1, 4, "dilation d"),
        }
        self.output_size: int | None = None
        self.positions = 0
        self.result = widgets.HTML()
        self.message = MessageLine()
        self.figure = FigureImage(figsize=(COLUMN_INCHES, 3.9), dpi=100)
        self.view = KernelPlacement(self.figure.fig)
        self._guarded_update = guarded(self.update, self.message)
        for s in self.sliders.values():
            s.observe(lambda change: self._guarded_update(), names="value")
        # Two sliders a row in the 688 px column, one a row on a phone.
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
        """The callback: recompute the output size and redraw.

        Raises the library's ``ValueError`` when the kernel does not fit (the
        widget catches it and shows the message); the drawing then shows the
        padded input with no kernel on it.
        """
        i, k, s, p, d = self.settings.values()
        self.output_size = None
        try:
            out = conv_output_size(i, k, stride=s, padding=p, dilation=d)
        except ValueError:
            self.positions = self.view.update(i, k, s, p, d)
            self.result.value = ("<b>no output</b>: the kernel does not fit anywhere "
                                 "(see the message below)")
            self.figure.refresh()
            raise
        self.output_size = out
        self.positions = self.view.update(i, k, s, p, d)
        self.result.value = (
            f"o = ⌊(i + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊({i} + 2·{p} − {d}·({k} − 1) − 1) / {s}⌋"
            f" + 1 = <b>{out}</b>: a {i}×{i} input gives a <b>{out}×{out}</b> output "
            f"({self.positions} positions per axis, counted by sliding)"
        )
        self.figure.refresh()

    def __repr__(self) -> str:
        i, k, s, p, d = self.settings.values()
        return f"<SizeExplorer: i={i}, k={k}, s={s}, p={p}, d={d} -> o={self.output_size}>"


def size_explorer(size: int = 7, kernel_size: int = 3, stride: int = 1, padding: int = 0,
                  dilation: int = 1, max_size: int = 16) -> SizeExplorer:
    """Sliders for a convolution's sizes, the output size, and where the kernel lands.

    See :class:`SizeExplorer`.

    Examples
    --------
    >>> explorer = size_explorer(7, 3, stride=2)
    >>> explorer.output_size
    3
    >>> explorer.sliders["kernel_size"].value = 7
    >>> explorer.sliders["size"].value = 2
    >>> explorer.output_size is None, explorer.message.text[:27]
    (True, 'conv_output_size: kernel_si')
    """
    return SizeExplorer(size, kernel_size, stride, padding, dilation, max_size)
