"""Building blocks shared by every widget: a figure shown as an image, and a message line.

Why an image and not an inline plot: a matplotlib figure drawn into an
``ipywidgets.Image`` can be redrawn by updating its artists' data and
re-rendering one PNG, which takes tens of milliseconds, whereas clearing an
``Output`` and re-plotting rebuilds the whole figure.  The image is also part
of the stored widget state, so the HTML book shows the last frame.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["BookWidget", "FigureImage", "MessageLine", "guarded"]

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

    def render(self) -> bytes:
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=self.dpi)
        return buffer.getvalue()

    def refresh(self) -> None:
        """Re-render the figure into the image widget."""
        self.image.value = self.render()


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
