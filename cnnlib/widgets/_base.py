"""Building blocks shared by every widget: a figure shown as an image, and a message line.

Why an image and not an inline plot: a matplotlib figure drawn into an
``ipywidgets.Image`` can be redrawn by updating its artists' data and
re-rendering one PNG, which takes tens of milliseconds, whereas clearing an
``Output`` and re-plotting rebuilds the whole figure.  The image is also part
of the stored widget state, so the HTML book shows the last frame.

In the book's live pages (Pyodide, where Python runs several times slower) a
figure is rendered faster than by ``savefig``: see :meth:`FigureImage.render`.
The stored images, made by Jupyter's own kernel, never take that path.
"""

from __future__ import annotations

import html
import io
import sys
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["LIVE", "BookWidget", "FigureImage", "MessageLine", "cropped_png", "guarded"]

#: True in the book's live pages: Python compiled to WebAssembly (Pyodide) in the
#: reader's browser.  Widgets then favour speed over pixel-exact figures.
LIVE = sys.platform == "emscripten"

#: Shown on a widget in the static book only (see BookWidget._framed).
SNAPSHOT_BADGE = (
    '<a class="cnnlib-snapshot-link" href="#" target="_blank" rel="noopener" '
    'title="This widget is a stored snapshot: its controls do nothing here. '
    'Run the chapter live to use it.">'
    "Snapshot &middot; &#9654;&#xFE0E; Run this chapter live</a>"
)


class FigureImage:
    """A matplotlib ``Figure`` (not managed by pyplot) displayed as an ``ipywidgets.Image``.

    Parameters
    ----------
    figsize : (float, float)
        Figure size in inches.
    dpi : int
        Resolution of the rendered PNG.

    Attributes
    ----------
    fig : matplotlib.figure.Figure
        Draw on it as usual (``fig.add_subplot``...), then call :meth:`refresh`.
    image : ipywidgets.Image
        The widget to place in a layout.
    """

    def __init__(self, figsize: tuple[float, float] = (8, 3), dpi: int = 90) -> None:
        self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.dpi = dpi
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self._laid_out: tuple = ()

    def render(self) -> bytes:
        """The figure as PNG bytes.

        Live (:data:`LIVE`), :meth:`render_fast`; otherwise ``savefig``, which
        made every image stored in the book.
        """
        if LIVE:
            return self.render_fast()
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=self.dpi)
        return buffer.getvalue()

    def render_fast(self) -> bytes:
        """The figure as PNG bytes, about three times faster than ``savefig``.

        One drawing pass instead of ``savefig``'s two (a layout pass, then
        the drawing), and constrained layout solved again only when the
        figure's set of axes has changed since the last render: a slider
        moved changes what the axes show, rarely where they sit.  Tick
        labels that grow by a digit may then crowd their margin a little.
        """
        canvas = self.fig.canvas
        axes = tuple(map(id, self.fig.axes))
        if axes == self._laid_out:
            with self.fig._cm_set(layout_engine="none"):  # as savefig does after layout
                canvas.draw()
        else:
            canvas.draw()                                  # solves the layout
            self._laid_out = axes
        import PIL.Image

        buffer = io.BytesIO()
        PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(
            buffer, format="png", compress_level=3)
        return buffer.getvalue()

    def refresh(self) -> None:
        """Re-render the figure into the image widget."""
        self.image.value = self.render()


def cropped_png(fig: Figure, pad: int = 4, positions: list | None = None) -> bytes:
    """``fig`` as a PNG at its own dpi, cropped to what is drawn: the live form of
    :func:`cnnlib.viz.style.figure_png` for widgets that draw a new figure each time.

    One drawing pass (``figure_png`` makes four: the smallest-font record, a
    layout pass, the tight bounding box, the drawing, at twice the dpi), and
    the margins are cut from the pixels, ``pad`` pixels left around the ink.
    ``positions`` (one per axes of ``fig``, e.g. the last figure's, laid out
    the same way) places the axes there instead of solving the layout.
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    if positions is not None and len(positions) == len(fig.axes):
        for ax, position in zip(fig.axes, positions, strict=True):
            ax.set_position(position)
        with fig._cm_set(layout_engine="none"):
            canvas.draw()
    else:
        canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    ink = (rgba != rgba[0, 0]).any(axis=-1)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size:
        rgba = rgba[max(rows[0] - pad, 0):rows[-1] + pad + 1,
                    max(cols[0] - pad, 0):cols[-1] + pad + 1]
    import PIL.Image

    buffer = io.BytesIO()
    PIL.Image.fromarray(np.ascontiguousarray(rgba)).save(buffer, format="png",
                                                         compress_level=3)
    return buffer.getvalue()


class MessageLine:
    """One line of text under a widget: empty when all is well, the error when not."""

    def __init__(self) -> None:
        self.html = widgets.HTML(value="")

    def clear(self) -> None:
        self.html.value = ""

    def show(self, text: str, error: bool = True) -> None:
        colour = "#b00020" if error else "#333333"
        self.html.value = (
            f'<span class="cnnlib-message" style="color:{colour}">{html.escape(text)}</span>'
        )

    @property
    def text(self) -> str:
        """The message without markup ('' when there is none)."""
        if not self.html.value:
            return ""
        inner = self.html.value.split(">", 1)[1].rsplit("<", 1)[0]
        return html.unescape(inner)


def guarded(update: Callable[..., None], message: MessageLine) -> Callable[..., bool]:
    """Wrap a widget callback so a ``ValueError``/``TypeError`` becomes a message.

    Sliders dragged to an impossible setting (a kernel larger than the padded
    input, say) then show the library's explanation instead of a traceback.
    The wrapped function returns ``True`` when the update succeeded.
    """

    def run(*args: object, **kwargs: object) -> bool:
        try:
            update(*args, **kwargs)
        except (ValueError, TypeError) as err:
            message.show(str(err))
            return False
        message.clear()
        return True

    return run


class BookWidget:
    """Base class for the book's widgets: a controller object that displays as its UI.

    Subclasses build ``self.widget`` (an ipywidgets container) and expose
    their callbacks as plain methods, which the tests call directly.  In a
    notebook the object displays as the widget; its plain-text form is a
    short description, so a stored output never holds a widget's raw state.
    """

    widget: widgets.Widget

    def _repr_mimebundle_(self, **kwargs: object) -> dict:
        bundle = self._framed()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def _framed(self) -> widgets.Widget:
        """``self.widget`` under a "Snapshot" badge, the box that is displayed.

        The badge is hidden (inline ``display: none``) wherever the widget
        runs; only the static book's stylesheet (tools/static/book.css)
        shows it, where the stored widget is a frozen snapshot, and
        tools/static/figures.js points its link at the chapter's live copy.
        """
        frame = self.__dict__.get("_book_frame")
        if frame is None or frame.children[1] is not self.widget:
            badge = widgets.HTML(value=SNAPSHOT_BADGE, layout=widgets.Layout(display="none"))
            badge.add_class("cnnlib-snapshot-badge")
            frame = widgets.VBox([badge, self.widget])
            frame.add_class("cnnlib-book-widget")
            self.__dict__["_book_frame"] = frame
        return frame

    def __repr__(self) -> str:
        return f"<{type(self).__name__} widget>"
