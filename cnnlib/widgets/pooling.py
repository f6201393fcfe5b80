"""The pooling explorer: pick max or average, window size, stride and padding; watch the map shrink.

``pooling_explorer(feature_map)`` returns the widget.  Its callback,
:meth:`PoolingExplorer.update`, is a plain method that the tests call
directly; an impossible setting (padding more than half the window, a window
larger than the padded map) shows the library's error under the figure and
leaves the last good picture in place.  Introduced in the chapter *Pooling*.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..explain import explain_pool2d
from ..pooling import avg_pool2d, max_pool2d
from ..viz.pooling import PoolingView
from ..viz.style import COLUMN_INCHES
from ._base import FigureImage, MessageLine, guarded

__all__ = ["PoolingExplorer", "pooling_explorer"]

_POOLS = {"max": max_pool2d, "avg": avg_pool2d}
_NAMES = {"max": "max", "avg": "average"}


class PoolingExplorer(widgets.VBox):
    """A ``VBox``: mode buttons, three sliders, the figure, a size line and a message line.

    Parameters
    ----------
    feature_map : ndarray, shape (H, W)
        A single feature map (e.g. an edge map of the photo).
    mode : {'max', 'avg'}
    kernel_size, stride, padding : int
        The initial setting.
    max_kernel : int
        Largest window the slider offers.

    Attributes
    ----------
    mode, kernel_size, stride, padding : ipywidgets controls
    message : MessageLine
        Empty, or the library's error for an impossible setting.
    size_line : ipywidgets.HTML
        The output-size arithmetic for the current setting.
    pooled : ndarray, shape (H_out, W_out)
        The last successfully pooled map.
    """

    def __init__(self, feature_map: np.ndarray, mode: str = "max", kernel_size: int = 2,
                 stride: int = 2, padding: int = 0, max_kernel: int = 8) -> None:
        super().__init__()
        fmap = np.asarray(feature_map, dtype=float)
        if fmap.ndim != 2:
            raise ValueError(
                f"pooling_explorer: feature_map must be 2-D (H, W), got shape {fmap.shape}"
            )
        self.feature_map = fmap
        self.pooled = fmap
        self.mode = widgets.ToggleButtons(options=[("max", "max"), ("average", "avg")],
                                          value=mode, description="pooling")
        style = {"description_width": "initial"}
        self.kernel_size = widgets.IntSlider(kernel_size, 1, max_kernel, description="window",
                                             style=style, continuous_update=True)
        self.stride = widgets.IntSlider(stride, 1, max_kernel, description="stride", style=style)
        self.padding = widgets.IntSlider(padding, 0, max_kernel // 2, description="padding",
                                         style=style)
        self.figure = FigureImage(figsize=(COLUMN_INCHES, 3.4), dpi=100)
        self.view = PoolingView(self.figure.fig, fmap)
        self.size_line = widgets.HTML()
        self.message = MessageLine()
        self._guarded = guarded(self._update, self.message)
        for control in (self.mode, self.kernel_size, self.stride, self.padding):
            control.observe(self._on_change, names="value")
        self.children = [
            self.mode,
            # one row in the 688 px column, wrapping on a phone
            widgets.HBox([self.kernel_size, self.stride, self.padding],
                         layout=widgets.Layout(flex_flow="row wrap", max_width="660px")),
            self.figure.image,
            self.size_line,
            self.message.html,
        ]
        self.update(mode, kernel_size, stride, padding)

    def close(self) -> None:
        """Close the explorer and every widget inside it (nothing of it stays in the notebook)."""
        parts = (self.mode, self.kernel_size, self.stride, self.padding, self.figure.image,
                 self.size_line, self.message.html, *self.children)
        for part in parts:
            part.close()
        super().close()

    def _on_change(self, _change: object) -> None:
        self.update(self.mode.value, self.kernel_size.value, self.stride.value,
                    self.padding.value)

    def update(self, mode: str, kernel_size: int, stride: int, padding: int = 0) -> bool:
        """Pool with this setting and redraw; ``False`` (and a message) if it cannot work."""
        return self._guarded(mode, kernel_size, stride, padding)

    def _update(self, mode: str, kernel_size: int, stride: int, padding: int) -> None:
        if mode not in _POOLS:
            raise ValueError(f"pooling_explorer: mode must be 'max' or 'avg', got {mode!r}")
        x = self.feature_map[None, None]
        pooled = _POOLS[mode](x, kernel_size, stride, padding)[0, 0]
        ho, wo = pooled.shape
        windows = []
        for j in range(min(3, wo)):
            step = explain_pool2d(x, kernel_size, stride, padding, mode=mode, row=0, col=j)
            windows.append((step.input_rows, step.input_cols))
        self.pooled = pooled
        h, w = self.feature_map.shape
        self.view.show(pooled, windows,
                       f"{_NAMES[mode]} {kernel_size}×{kernel_size}, stride {stride}, "
                       f"padding {padding}: {ho}×{wo}")
        self.size_line.value = (
            f"H_out = ⌊({h} + 2·{padding} − {kernel_size}) / {stride}⌋ + 1 = {ho}, "
            f"W_out = ⌊({w} + 2·{padding} − {kernel_size}) / {stride}⌋ + 1 = {wo}; "
            f"{h * w} values become {ho * wo}."
        )
        self.figure.refresh()

    def __repr__(self) -> str:
        # the notebook's plain-text form of the widget: short, not the VBox's whole tree
        h, w = self.feature_map.shape
        ho, wo = self.pooled.shape
        return (f"<PoolingExplorer: {_NAMES.get(self.mode.value, self.mode.value)} "
                f"{self.kernel_size.value}x{self.kernel_size.value}, "
                f"stride {self.stride.value}, padding {self.padding.value}: "
                f"{h}x{w} -> {ho}x{wo}>")


def pooling_explorer(feature_map: np.ndarray, mode: str = "max", kernel_size: int = 2,
                     stride: int = 2, padding: int = 0) -> PoolingExplorer:
    """The pooling explorer widget for one feature map.

    Introduced in the chapter *Pooling*.

    Parameters
    ----------
    feature_map : ndarray, shape (H, W)
    mode : {'max', 'avg'}
    kernel_size, stride, padding : int
        The initial setting.

    Returns
    -------
    PoolingExplorer
        An ``ipywidgets.VBox``; call ``.update(mode, kernel_size, stride, padding)``
        to drive it from code.
    """
    return PoolingExplorer(feature_map, mode, kernel_size, stride, padding)
