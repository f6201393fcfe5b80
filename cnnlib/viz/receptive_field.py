"""Figures for the chapter *Receptive fields*.

Every number drawn here comes from :mod:`cnnlib.receptive_field`; these
functions only place it on axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from ..receptive_field import Layer, effective_field_size, receptive_field

__all__ = [
    "draw_fields_on_photo",
    "plot_effective_fields",
    "plot_field_growth",
    "plot_stack_1d",
]

_STYLES = ("solid", "dashed", "dashdot", "dotted")


def _layer_colours(count: int) -> list[tuple[float, float, float, float]]:
    # viridis from dark blue to yellow: the order still reads in grey
    cmap = colormaps["viridis"]
    return [cmap(0.15 + 0.8 * i / max(count - 1, 1)) for i in range(count)]


def draw_fields_on_photo(
    ax: Axes, photo: np.ndarray, layers: Sequence[Layer | tuple[int, ...]], title: str = "",
    legend: bool = True,
) -> list[Rectangle]:
    """Draw ``photo`` and the growing field of its centre unit, one rectangle per layer.

    The last layer's centre unit is the one followed; for every earlier layer
    the rectangle is the field of the unit centred nearest to it, so the
    rectangles nest as the field grows.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    photo : ndarray, shape (H, W) or (H, W, 3)
        Values in [0, 1]; a 2-D photo is drawn in grey.
    layers : sequence of tuples or Layer
        As for :func:`cnnlib.receptive_field` (the same geometry on both axes).
    title : str
    legend : bool
        Label each rectangle with its layer and field size in a legend on
        the axes (several photos side by side share one figure legend
        instead: pass False and use the returned rectangles).

    Returns
    -------
    list of matplotlib.patches.Rectangle
        One per layer, first layer first; each spans the pixels (rows
        ``top..bottom``, columns ``left..right``) of that layer's unit,
        padding included (a rectangle may reach past the photo's edge).
    """
    height, width = photo.shape[:2]
    rows = receptive_field(layers, input_size=height)
    cols = receptive_field(layers, input_size=width)
    ax.imshow(photo, cmap="gray" if photo.ndim == 2 else None, vmin=0, vmax=1)
    patches = []
    colours = _layer_colours(len(rows) - 1)
    centre_row = rows[-1].centre(rows[-1].centre_unit())
    centre_col = cols[-1].centre(cols[-1].centre_unit())
    for depth in range(1, len(rows)):
        r, c = rows[depth], cols[depth]
        top, bottom = r.bounds(r.unit_at(centre_row))
        left, right = c.bounds(c.unit_at(centre_col))
        patch = Rectangle(
            (left - 0.5, top - 0.5), right - left + 1, bottom - top + 1, fill=False,
            edgecolor=colours[depth - 1], linewidth=2.5,
            linestyle=_STYLES[(depth - 1) % len(_STYLES)],
            label=f"after {r.name}: {r.size} x {c.size}",
        )
        ax.add_patch(patch)
        patches.append(patch)
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    ax.set_xlabel("column (pixels)")
    ax.set_ylabel("row (pixels)")
    if title:
        ax.set_title(title)
    if patches and legend:
        ax.legend(loc="lower left", fontsize=9, framealpha=0.9, handlelength=1.6,
                  borderpad=0.3, labelspacing=0.25)
    return patches


def plot_field_growth(ax: Axes, stacks: Mapping[str, Sequence[Layer | tuple[int, ...]]]) -> None:
    """Receptive-field size against depth, one line per stack.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    stacks : mapping of label to layers
        Each value as for :func:`cnnlib.receptive_field`.
    """
    colours = _layer_colours(len(stacks))
    markers = ("o", "s", "^", "D", "v", "P")
    for i, (label, layers) in enumerate(stacks.items()):
        sizes = receptive_field(layers).sizes
        ax.plot(range(len(sizes)), sizes, marker=markers[i % len(markers)],
                color=colours[i], linestyle=_STYLES[i % len(_STYLES)], label=label)
    ax.set_xlabel("layers stacked")
    ax.set_ylabel("receptive field size r (pixels)")
    ax.set_title("How fast the receptive field grows")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9.5)


def plot_stack_1d(
    ax: Axes, layers: Sequence[Layer | tuple[int, ...]], input_size: int, title: str = ""
) -> None:
    """A 1-D stack drawn as rows of units, the top centre unit's field shaded.

    Row 0 is the input, row ``l`` the output of layer ``l``; every unit sits
    at the input coordinate of its field's centre, so a stride shows as wider
    spacing.  The units that can reach the top layer's centre unit are dark,
    and a band joins them down to the input pixels it sees.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    layers : sequence of tuples or Layer
        As for :func:`cnnlib.receptive_field`.
    input_size : int
        Input length.
    title : str
    """
    full = receptive_field(layers, input_size=input_size)
    depth = len(full) - 1
    target = full[-1].centre_unit()
    corners = []
    for level in range(depth + 1):
        row = full[level]
        centres = row.start + row.jump * np.arange(row.out_size)
        # which units of this level can reach the target: the field of the
        # target unit measured in this level's units
        above = receptive_field(list(layers)[level:])[-1]
        first, last = above.bounds(target)
        first, last = max(first, 0), min(last, row.out_size - 1)
        reach = np.zeros(row.out_size, dtype=bool)
        reach[first: last + 1] = True
        ax.scatter(centres[~reach], np.full((~reach).sum(), level), s=40, color="#bbbbbb",
                   zorder=3)
        ax.scatter(centres[reach], np.full(reach.sum(), level), s=60, color="#21586b", zorder=4)
        corners.append((centres[first], centres[last], level))
    band = [(lo, y) for lo, _, y in corners] + [(hi, y) for _, hi, y in reversed(corners)]
    ax.add_patch(Polygon(band, closed=True, color="#fdb863", alpha=0.45, zorder=1))
    ax.set_yticks(range(depth + 1))
    ax.set_yticklabels(["input"] + [f"{r.name} (r={r.size})" for r in full[1:]])
    ax.set_xlabel("input coordinate (pixels)")
    ax.set_ylim(-0.5, depth + 0.5)
    ax.set_xlim(-1, input_size)
    if title:
        ax.set_title(title)


def plot_effective_fields(
    fig: Figure,
    stacks: Sequence[Sequence[Layer | tuple[int, ...]]],
    maps: Sequence[np.ndarray],
    labels: Sequence[str],
    mass: float = 0.9,
) -> None:
    """Measured field maps (top) and their middle rows (bottom), one column per stack.

    The theoretical field of the centre unit is outlined in orange; a dashed
    white square marks :func:`cnnlib.effective_field_size` (the centred
    square holding ``mass`` of the map).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    stacks : sequence of layer lists
        The stacks the maps were measured on.
    maps : sequence of ndarray, each (n, n)
        Maps from :func:`cnnlib.effective_receptive_field` (normalised).
    labels : sequence of str
        Column titles.
    mass : float
        Passed to :func:`cnnlib.effective_field_size`.
    """
    axes = fig.subplots(2, len(maps), squeeze=False)
    for col, (layers, erf, label) in enumerate(zip(stacks, maps, labels, strict=True)):
        n = erf.shape[0]
        last = receptive_field(layers, input_size=n)[-1]
        lo, hi = last.bounds(last.centre_unit())
        mid = (lo + hi) / 2
        side = effective_field_size(erf, mass)
        top = axes[0, col]
        image = top.imshow(erf, cmap="viridis", vmin=0, vmax=1)
        top.add_patch(Rectangle((lo - 0.5, lo - 0.5), hi - lo + 1, hi - lo + 1, fill=False,
                                edgecolor="#e66100", linewidth=2))
        top.add_patch(Rectangle((mid - side / 2, mid - side / 2), side, side, fill=False,
                                edgecolor="white", linewidth=1.5, linestyle="dashed"))
        top.set_title(f"{label}: r = {last.size}\n{round(mass * 100)}% in {side}",
                      fontsize=10)
        top.set_xlabel("column")
        if col == 0:
            top.set_ylabel("row")
        bottom = axes[1, col]
        centre_row = int(round(mid))
        bottom.plot(np.arange(n), erf[centre_row], color="#21586b", marker=".")
        bottom.axvspan(lo - 0.5, hi + 0.5, color="#e66100", alpha=0.15,
                       label="theoretical field")
        bottom.set_xlabel("column")
        bottom.set_ylim(0, 1.05)
        if col == 0:
            bottom.set_ylabel("|gradient| (max 1)")
        else:
            bottom.tick_params(labelleft=False)
    fig.legend(*axes[1, 0].get_legend_handles_labels(), loc="outside lower center",
               fontsize=9.5)
    # All maps share the scale 0..1 (each normalised to its maximum): one bar.
    fig.colorbar(image, ax=list(axes[0]), location="right", shrink=0.9,
                 label="|gradient| (max 1)")
