"""The kernel playground: nine sliders set a 3x3 kernel, and a photo is filtered as you drag.

A preset menu loads the hand-made kernels of :mod:`cnnlib.kernels`; a
divisor turns the integer weights into fractions (a box blur is nine ones
over 9).  Input, kernel and output redraw together: each change runs one
:func:`cnnlib.conv2d` over the whole photo and updates the existing image
artists' data (:class:`cnnlib.viz.conv.KernelEffect`), never rebuilding the
figure.  Introduced in the chapter *Convolution*.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
import PIL.Image

from .._validate import as_array, check_ndim
from ..conv import conv2d
from ..data import sample_photo
from ..kernels import KERNELS, kernel_names
from ..viz.conv import KernelEffect
from ..viz.style import COLUMN_INCHES
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["KernelPlayground", "kernel_playground"]

CUSTOM = "custom"


class _FastFigureImage(FigureImage):
    """A :class:`FigureImage` tuned for redraws of a fixed layout where only some axes change.

    The first render lays the figure out (constrained layout) and keeps a
    picture of everything that never changes (here, the input photo's
    panel).  Later renders restore that picture, draw only the axes listed
    in ``dynamic`` on top of it, and encode the PNG with fast, light
    compression.  Together these roughly halve a redraw.
    """

    def __init__(self, figsize: tuple[float, float], dpi: int) -> None:
        super().__init__(figsize=figsize, dpi=dpi)
        self.dynamic: list = []
        self._background = None

    def render(self) -> bytes:
        canvas = self.fig.canvas
        if self._background is None:
            canvas.draw()                                   # solves the layout once
            self.fig.set_layout_engine("none")
            for ax in self.dynamic:
                ax.set_visible(False)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.fig.bbox)
            for ax in self.dynamic:
                ax.set_visible(True)
        canvas.restore_region(self._background)
        renderer = canvas.get_renderer()
        for ax in self.dynamic:
            ax.draw(renderer)
        buffer = io.BytesIO()
        pixels = np.asarray(canvas.buffer_rgba())
        PIL.Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class KernelPlayground(BookWidget):
    """Filter a grey image with a 3x3 kernel set by nine sliders and a preset menu.

    Parameters
    ----------
    image : ndarray, shape (H, W), optional
        Grey values in [0, 1]; :func:`cnnlib.sample_photo` ``(gray=True)`` by default.
    preset : str
        A 3x3 kernel name from :data:`cnnlib.kernels.KERNELS` to start with.
    max_weight : int
        The sliders run from ``-max_weight`` to ``max_weight``.

    Attributes
    ----------
    sliders : list of ipywidgets.IntSlider
        The nine weights, row by row.
    divisor : ipywidgets.BoundedIntText
        The kernel is ``weights / divisor``.
    presets : ipywidgets.Dropdown
        The hand-made kernels, and ``'custom'`` once a slider has moved.
    output : ndarray, shape (H - 2, W - 2)
        The current filtered image (``conv2d`` with no padding).
    view : cnnlib.viz.conv.KernelEffect
        The figure's artists; :attr:`figure` renders them into the widget.
    """

    def __init__(self, image: np.ndarray | None = None, preset: str = "sharpen",
                 max_weight: int = 8) -> None:
        fn = "kernel_playground"
        image = sample_photo(gray=True) if image is None else as_array(image, "image", fn)
        check_ndim(image, 2, "image", fn, "(H, W), a grey image")
        choices = kernel_names(3)
        if preset not in choices:
            raise ValueError(f"{fn}: preset must be one of {', '.join(choices)}, got {preset!r}")
        self.image = image
        # float32 halves the memory conv2d's im2col moves; plenty for display.
        self._x = image.astype(np.float32)[None, None]     # (1, 1, H, W) for conv2d
        self._loading = False
        self.presets = widgets.Dropdown(options=[*choices, CUSTOM], value=preset,
                                        description="preset")
        self.divisor = widgets.BoundedIntText(value=1, min=1, max=256, description="divisor",
                                              layout=widgets.Layout(width="160px"))
        self.sliders = [
            widgets.IntSlider(value=0, min=-max_weight, max=max_weight,
                              description=f"k[{i},{j}]", continuous_update=True,
                              style={"description_width": "48px"},
                              # three a row in the column, one a row (wider) on a phone
                              layout=widgets.Layout(flex="1 1 200px", min_width="200px",
                                                    max_width="320px"))
            for i in range(3) for j in range(3)
        ]
        self.message = MessageLine()
        # As wide as the text column (688 px), so the page never shrinks its letters.
        self.figure = _FastFigureImage(figsize=(COLUMN_INCHES, 3.0), dpi=100)
        self._guarded_update = guarded(self.update, self.message)
        self.output = conv2d(self._x, self._weight())[0, 0]
        self.view = KernelEffect(self.figure.fig, image, self.weights, 1, self.output)
        self.figure.dynamic = [self.view.axes[1], self.view.axes[2], self.view.colorbar.ax]
        for slider in self.sliders:
            slider.observe(self._on_weight, names="value")
        self.divisor.observe(self._on_weight, names="value")
        self.presets.observe(self._on_preset, names="value")
        # Three sliders a row in the 688 px column, wrapping to one a row on a phone.
        wrap = widgets.Layout(flex_flow="row wrap", max_width="660px")
        grid = widgets.HBox(self.sliders, layout=wrap)
        self.widget = widgets.VBox([widgets.HBox([self.presets, self.divisor], layout=wrap),
                                    grid, self.figure.image, self.message.html])
        self.load_preset(preset)

    @property
    def weights(self) -> np.ndarray:
        """The slider values as a (3, 3) int array."""
        return np.array([s.value for s in self.sliders], dtype=int).reshape(3, 3)

    @property
    def kernel(self) -> np.ndarray:
        """The kernel in use, ``weights / divisor``, shape (3, 3)."""
        return self.weights / self.divisor.value

    def _weight(self) -> np.ndarray:
        return self.kernel.astype(np.float32)[None, None]  # (1, 1, 3, 3)

    def load_preset(self, name: str) -> None:
        """Set the sliders and divisor to a named kernel and redraw (``'custom'``: no change)."""
        if name == CUSTOM:
            return
        if name not in KERNELS or len(KERNELS[name].weights) != 3:
            raise ValueError(f"load_preset: {name!r} is not a 3x3 kernel; "
                             f"expected one of {', '.join(kernel_names(3))}")
        named = KERNELS[name]
        self._loading = True
        try:
            for slider, value in zip(self.sliders, np.ravel(named.weights), strict=True):
                slider.value = int(value)
            self.divisor.value = named.divisor
            self.presets.value = name
        finally:
            self._loading = False
        self._guarded_update()

    def _on_preset(self, change: dict) -> None:
        if not self._loading:
            self.load_preset(change["new"])

    def _on_weight(self, change: dict) -> None:
        if self._loading:
            return
        self._loading = True
        try:
            self.presets.value = CUSTOM
        finally:
            self._loading = False
        self._guarded_update()

    def update(self) -> None:
        """The callback: convolve the image with the current kernel and redraw.

        One :func:`cnnlib.conv2d` call, new data for the existing image
        artists, one PNG.  This is the function to time.
        """
        self.output = conv2d(self._x, self._weight())[0, 0]
        self.view.update(self.weights, self.divisor.value, self.output)
        self.figure.refresh()

    def __repr__(self) -> str:
        h, w = self.image.shape
        return f"<KernelPlayground: {self.presets.value} kernel on a {h}x{w} image>"


def kernel_playground(image: np.ndarray | None = None, preset: str = "sharpen",
                      max_weight: int = 8) -> KernelPlayground:
    """Nine sliders and a preset menu that filter a photo as you drag.

    See :class:`KernelPlayground`.

    Examples
    --------
    >>> pg = kernel_playground(np.eye(6), preset="identity")
    >>> pg.output.shape
    (4, 4)
    >>> pg.load_preset("box_blur"); pg.divisor.value
    9
    """
    return KernelPlayground(image, preset, max_weight)
