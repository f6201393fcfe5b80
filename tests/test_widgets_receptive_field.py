"""Tests for the stack-builder widget and the receptive-field figures.

The widget's callback is a plain method; these tests call it directly and
check what it drew against sizes derived by hand.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnlib.viz.receptive_field import (  # noqa: E402
    draw_fields_on_photo,
    plot_effective_fields,
    plot_field_growth,
    plot_stack_1d,
)
from cnnlib.widgets.receptive_field import StackBuilder, stack_builder, stack_layers  # noqa: E402

PHOTO = np.linspace(0, 1, 60 * 50 * 3).reshape(60, 50, 3)


def rect_extent(patch):
    """(top, bottom, left, right) pixel indices of a drawn field."""
    x, y = patch.get_xy()
    return (round(y + 0.5), round(y + patch.get_height() - 0.5),
            round(x + 0.5), round(x + patch.get_width() - 0.5))


def test_stack_layers():
    layers = stack_layers([3, 5, 1, 7], [1, 2, 3, 4])
    assert [tuple(layer) for layer in layers] == [
        (3, 1, 1, 1, "conv1"), (5, 2, 2, 1, "conv2"), (1, 3, 0, 1, "conv3"), (7, 4, 3, 1, "conv4")]
    with pytest.raises(ValueError, match=r"^stack_layers: kernels and strides must have the same"):
        stack_layers([3, 3], [1])


def test_update_draws_the_growing_field():
    builder = StackBuilder(PHOTO, kernels=(3, 3, 3, 3), strides=(1, 1, 1, 1))
    # stride 1 everywhere: 3, 5, 7, 9, centred on the middle pixel (row 29 of
    # 60 rows, column 24 of 50: the centre unit of a same-size map is (n - 1) // 2)
    assert builder.table.sizes == [1, 3, 5, 7, 9]
    extents = [rect_extent(p) for p in builder.patches]
    assert extents == [(29 - h, 29 + h, 24 - h, 24 + h) for h in (1, 2, 3, 4)]
    first_image = builder.figure.image.value
    assert first_image[:4] == b"\x89PNG"

    # kernels 7, 3, 3, 3 with strides 2: r = 7, 7 + 2*2 = 11, 11 + 2*4 = 19, 19 + 2*8 = 35
    builder.update((7, 3, 3, 3), (2, 2, 2, 2))
    assert builder.table.sizes == [1, 7, 11, 19, 35]
    assert builder.table.jumps == [1, 2, 4, 8, 16]
    # 60 rows -> 30 -> 15 -> 8 -> 4: centre unit 1, centred at 1 * 16 = 16 (start 0)
    assert [row.out_size for row in builder.table] == [60, 30, 15, 8, 4]
    assert rect_extent(builder.patches[-1])[:2] == (16 - 17, 16 + 17)
    assert "35" in builder.readout.value and "jump" in builder.readout.value
    assert builder.figure.image.value != first_image
    assert repr(builder) == "<StackBuilder widget: receptive fields 7, 11, 19, 35>"
    assert builder.message.text == ""


def test_sliders_drive_the_callback():
    builder = StackBuilder(PHOTO, kernels=(3, 3, 3, 3), strides=(1, 1, 1, 1))
    builder.stride_sliders[0].value = 2
    # 3 (j 2), then each 3x3 adds 2 * 2: 7, 11, 15
    assert builder.table.sizes == [1, 3, 7, 11, 15]
    builder.kernel_sliders[3].value = 11
    assert builder.table.sizes[-1] == 11 + 10 * 2
    assert isinstance(builder.widget, widgets.VBox)


def test_a_failing_setting_shows_the_message_not_a_traceback():
    builder = StackBuilder(PHOTO, kernels=(3, 3, 3, 3), strides=(1, 1, 1, 1))
    sizes = builder.table.sizes
    # every slider setting fits (padding k // 2 keeps every map at least one
    # unit wide), so force a failure through the callback with a malformed stack
    assert builder._guarded_update((3, 3), (1,)) is False
    assert builder.message.text.startswith("stack_layers: kernels and strides")
    assert builder.table.sizes == sizes  # the last good drawing stays
    assert builder._guarded_update((3, 3, 3, 3), (1, 1, 1, 1)) is True
    assert builder.message.text == ""


def test_stack_builder_function():
    builder = stack_builder(PHOTO[..., 0])  # a grey photo works too
    assert isinstance(builder, StackBuilder)
    assert builder.table.sizes == [1, 7, 11, 19, 35]
    bundle = builder._repr_mimebundle_()
    assert bundle["text/plain"].startswith("<StackBuilder widget")
    with pytest.raises(ValueError, match=r"^stack_builder: kernels and strides must hold 4"):
        stack_builder(PHOTO, kernels=(3, 3))
    with pytest.raises(ValueError, match=r"^stack_builder: kernels\[1\] must be one of"):
        stack_builder(PHOTO, kernels=(3, 4, 3, 3))


def test_default_photo_is_the_sample_photo():
    builder = stack_builder()
    assert builder.photo.shape == (600, 512, 3)
    # 600 rows -> 300 -> 150 -> 75 -> 38: centre unit 18 at 18 * 16 = 288
    last = builder.table[-1]
    assert (last.out_size, last.centre_unit(), last.bounds(last.centre_unit())) == (
        38, 18, (288 - 17, 288 + 17))


def test_draw_fields_on_photo_unequal_sides():
    fig = Figure()
    ax = fig.add_subplot()
    # 60 rows x 50 columns, one 5x5 stride-2 layer padded by 2: 30 x 25 units,
    # centre units 14 and 12, centred on rows 28 and columns 24
    patches = draw_fields_on_photo(ax, PHOTO, [(5, 2, 2)], title="t")
    assert [rect_extent(p) for p in patches] == [(26, 30, 22, 26)]
    assert ax.get_title() == "t" and ax.get_xlabel() and ax.get_ylabel()


def test_other_figures_draw():
    fig = Figure()
    plot_field_growth(fig.add_subplot(), {"a": [(3, 1, 1)] * 3, "b": [(3, 2, 1)] * 3})
    ax = fig.axes[0]
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [[1, 3, 5, 7], [1, 3, 7, 15]]
    fig = Figure()
    ax = fig.add_subplot()
    plot_stack_1d(ax, [(3, 1, 1)] * 3, 11, title="three")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["input", "layer 1 (r=3)", "layer 2 (r=5)", "layer 3 (r=7)"]
    fig = Figure()
    maps = [np.outer([0, 1, 2, 1, 0], [0, 1, 2, 1, 0]) / 4.0]
    plot_effective_fields(fig, [[(3, 1, 1)]], maps, ["one layer"])
    assert len(fig.axes) == 3 and "one layer: r = 3" in fig.axes[0].get_title()
    # one colour bar, shared by the maps (each normalised to 0..1)
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and bars[0].get_ylabel() == "|gradient| (max 1)"


def test_fields_nest_around_the_last_centre_unit():
    # The sample photo (600 x 512) with kernels 7, 3, 3, 3 and strides 4, 4, 4, 1,
    # each padded by k // 2.  Rows: 600 -> 150 -> 38 -> 10 -> 10; jumps 4, 16, 64, 64;
    # every start is 0.  The last map's centre unit is 4, centred on row 4 * 64 = 256,
    # with r = 175: rows 169..343.  Each earlier layer's unit nearest row 256 is
    # centred on 256 as well (units 64, 16, 4), so the fields are concentric:
    # r = 7, 15, 47 -> rows 253..259, 249..263, 233..279.
    # Columns: 512 -> 128 -> 32 -> 8 -> 8; centre unit 3 at 3 * 64 = 192.
    builder = stack_builder(kernels=(7, 3, 3, 3), strides=(4, 4, 4, 1))
    extents = [rect_extent(p) for p in builder.patches]
    assert [e[:2] for e in extents] == [(253, 259), (249, 263), (233, 279), (169, 343)]
    assert [e[2:] for e in extents] == [(189, 195), (185, 199), (169, 215), (105, 279)]
