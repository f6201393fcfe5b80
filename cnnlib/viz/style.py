"""The book's house style for figures: drawn for the text column, legible on the page.

A figure drawn 1,300 px wide and shrunk into the book's 688 px column loses
half of every letter.  So every figure is drawn *at* the column width
(:data:`COLUMN_INCHES` at :data:`DPI`), with fonts no smaller than
:data:`MIN_FONT_PT`, panels wrapped onto new rows beyond
:data:`MAX_COLUMNS` across, and stored at twice the resolution (``retina``)
so that it stays sharp on high-density screens.

:func:`apply` sets matplotlib's defaults and, inside a notebook, replaces
the PNG formatter with :func:`figure_png`, which records in each stored PNG
the smallest font the figure used.  The book's legibility test reads that
record back and computes :func:`effective_text_px` -- how tall the smallest
letters are on the page -- for every figure in every chapter.

Introduced with the chapters' figures; the rule is stated in CONTRIBUTING.md.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = [
    "COLUMN_INCHES",
    "COLUMN_PX",
    "DPI",
    "FONT_RECORD_KEY",
    "HOUSE_RC",
    "MAX_COLUMNS",
    "MIN_FONT_PT",
    "MIN_TEXT_PX",
    "apply",
    "column_figure",
    "effective_text_px",
    "figure_png",
    "panel_figure",
    "panel_grid",
    "png_legibility",
    "smallest_font_pt",
]

#: Width of the book's text column in CSS pixels (Jupyter Book's theme at 1280 px).
COLUMN_PX = 688
#: Figure resolution in pixels per inch; a figure COLUMN_INCHES wide fills the column.
DPI = 100
COLUMN_INCHES = COLUMN_PX / DPI
#: The smallest letters a reader should have to read, in CSS pixels on the page.
MIN_TEXT_PX = 9.0
#: The smallest font a house-style figure uses (9 pt at 100 dpi is 12.5 px).
MIN_FONT_PT = 8.5
#: Panels per row before a figure wraps onto the next row.
MAX_COLUMNS = 4
#: PNG text-chunk key under which figure_png records the smallest font size (pt).
FONT_RECORD_KEY = "cnnlib:smallest-font-pt"

HOUSE_RC = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 10.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.5,
    "legend.title_fontsize": 10,
    "figure.titlesize": 12,
}


def panel_grid(n: int, max_columns: int = MAX_COLUMNS) -> tuple[int, int]:
    """Rows and columns for ``n`` panels, at most ``max_columns`` across.

    Examples
    --------
    >>> panel_grid(3), panel_grid(6), panel_grid(8)
    ((1, 3), (2, 3), (2, 4))
    """
    if n < 1 or max_columns < 1:
        raise ValueError(f"panel_grid: n and max_columns must be positive, got {n}, {max_columns}")
    rows = math.ceil(n / max_columns)
    return rows, math.ceil(n / rows)


def column_figure(height: float | None = None, width: float = 1.0) -> Figure:
    """A figure as wide as the text column (or ``width`` times it), in inches.

    Parameters
    ----------
    height : float, optional
        Height in inches; default 0.6 of the column width.
    width : float, default 1.0
        Fraction of the column width; small figures (one image) may use less.

    Returns
    -------
    matplotlib.figure.Figure
        A plain Figure with constrained layout, not registered with pyplot,
        so a notebook shows it once, as the value of the cell.
    """
    if not 0.0 < width <= 1.0:
        raise ValueError(f"column_figure: width must be in (0, 1], got {width!r}")
    w = COLUMN_INCHES * width
    return Figure(figsize=(w, 0.6 * COLUMN_INCHES if height is None else height), dpi=DPI,
                  layout="constrained")


def panel_figure(
    n: int, panel_height: float = 1.9, max_columns: int = MAX_COLUMNS, extra_height: float = 0.5,
    **subplot_kw: object,
) -> tuple[Figure, list]:
    """A column-wide figure with ``n`` panels, wrapped beyond ``max_columns`` across.

    Parameters
    ----------
    n : int
        Number of panels.
    panel_height : float
        Height of one row of panels in inches.
    max_columns : int
        Most panels per row.
    extra_height : float
        Room for a figure title, in inches.
    **subplot_kw
        Passed to ``Figure.subplots`` (e.g. ``sharey=True``).

    Returns
    -------
    fig : Figure
    axes : list of Axes
        The first ``n`` axes, row by row; unused cells of the last row are hidden.
    """
    rows, cols = panel_grid(n, max_columns)
    fig = column_figure(height=rows * panel_height + extra_height)
    grid = fig.subplots(rows, cols, squeeze=False, **subplot_kw)
    axes = [ax for row in grid for ax in row]
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _visible_texts(fig: Figure) -> Iterable[Text]:
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        # A tick label of a hidden axis, or of ticks switched off, is not drawn.
        parent = text.axes
        if parent is not None and not parent.get_visible():
            continue
        yield text


def smallest_font_pt(fig: Figure) -> float | None:
    """The smallest font size (points) among the figure's visible texts, or None.

    Every visible, non-empty text counts, tick labels included (all labels
    of an axis share one size, so counting one that falls outside the view
    changes nothing).
    """
    # Tick labels get their text only when the figure is drawn.
    fig.draw_without_rendering()
    sizes = [t.get_fontsize() for t in _visible_texts(fig)]
    return min(sizes) if sizes else None


def figure_png(fig: Figure) -> tuple[bytes, dict]:
    """Render ``fig`` as a 2x PNG that records its smallest font; IPython formatter.

    Returns
    -------
    png : bytes
        Drawn at twice the figure's dpi, cropped to its contents.
    metadata : dict
        ``{'width': w, 'height': h}`` -- the size to show it at, half its pixels.
    """
    smallest = smallest_font_pt(fig)
    meta = {FONT_RECORD_KEY: "none" if smallest is None else f"{smallest:.2f}",
            "Software": "cnnlib.viz.style"}
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=2 * fig.dpi, bbox_inches="tight", metadata=meta,
                facecolor="white")
    png = buffer.getvalue()
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    return png, {"width": width // 2, "height": height // 2}


def effective_text_px(font_pt: float, dpi: float, png_width: int,
                      shown_width: float | None = None) -> float:
    """How tall ``font_pt`` letters are on the page, in CSS pixels.

    A font of ``f`` points drawn at ``dpi`` is ``f * dpi / 72`` image pixels
    tall.  The page shows the image ``shown_width`` CSS pixels wide (its
    metadata width, or its pixel width) but never wider than the column, so
    each image pixel becomes ``min(shown_width, COLUMN_PX) / png_width`` CSS
    pixels.

    Examples
    --------
    >>> round(effective_text_px(9, 200, 1376, 688), 1)     # house style: 9 pt, retina
    12.5
    >>> round(effective_text_px(10, 100, 1300), 1)         # a 1300 px figure, shrunk
    7.4
    """
    shown = png_width if shown_width is None else shown_width
    return font_pt * dpi / 72 * min(shown, COLUMN_PX) / png_width


def png_legibility(png: bytes, metadata: dict | None = None) -> float | None:
    """Effective height (CSS px) of a stored figure's smallest text, or None if unrecorded.

    Reads the font record that :func:`figure_png` writes, the PNG's resolution
    and its size, and the display width from the output's ``metadata``.
    Returns ``inf`` for a figure with no text at all.
    """
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    record = image.info.get(FONT_RECORD_KEY)
    if record is None:
        return None
    if record == "none":
        return math.inf
    dpi = float(image.info.get("dpi", (DPI, DPI))[0])
    shown = (metadata or {}).get("width")
    return effective_text_px(float(record), dpi, image.size[0], shown)


def apply() -> None:
    """Use the house style: matplotlib defaults, and the recording PNG formatter.

    Called when :mod:`cnnlib.viz` is imported.  Outside IPython only the
    matplotlib defaults change.
    """
    mpl.rcParams.update(HOUSE_RC)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the book
        return
    shell = get_ipython()
    if shell is None:
        return
    # Load the inline backend first: loading it later would register its own
    # PNG formatter over ours.
    import matplotlib.pyplot as plt

    plt.switch_backend(mpl.get_backend())
    _register(shell)
    if not getattr(shell, "_cnnlib_style_hook", False):
        # A `%matplotlib inline` later in the chapter re-registers the
        # backend's formatter: take the figures back before every cell.
        shell.events.register("pre_run_cell", lambda *_: _register(shell))
        shell._cnnlib_style_hook = True


def _register(shell: object) -> None:
    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type(Figure, figure_png)
    mpl.rcParams.update(HOUSE_RC)
