"""The chapter *Convolution*'s widgets: the kernel playground and the size explorer.

The callbacks are plain methods, called here directly and through the
sliders' observers.  Expected outputs come from SciPy's ``correlate2d`` or
from hand derivations, never from cnnlib's own convolution.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from cnnlib.kernels import KERNELS, kernel
from cnnlib.widgets import KernelPlayground, SizeExplorer, kernel_playground, size_explorer


@pytest.fixture
def image():
    return np.random.default_rng(1).random((20, 24))


def correlate(image, k):
    return signal.correlate2d(image, k, mode="valid")


# --------------------------------------------------------------------------
# Kernel playground
# --------------------------------------------------------------------------


def test_playground_starts_on_its_preset(image):
    pg = kernel_playground(image, preset="sharpen")
    assert isinstance(pg, KernelPlayground)
    assert pg.presets.value == "sharpen"
    assert np.array_equal(pg.weights, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    assert pg.divisor.value == 1
    assert pg.output.shape == (18, 22)
    assert np.allclose(pg.output, correlate(image, kernel("sharpen")), atol=1e-5)
    assert bytes(pg.figure.image.value).startswith(b"\x89PNG")
    assert "sharpen kernel on a 20x24 image" in repr(pg)


def test_presets_load_the_right_kernel(image):
    pg = kernel_playground(image, preset="identity")
    names = [n for n, k in KERNELS.items() if len(k.weights) == 3]
    assert pg.presets.options == (*names, "custom")
    for name in names:
        pg.presets.value = name                           # through the dropdown's observer
        assert pg.presets.value == name
        assert np.array_equal(pg.weights, KERNELS[name].weights), name
        assert pg.divisor.value == KERNELS[name].divisor
        assert np.allclose(pg.kernel, kernel(name))
        assert np.allclose(pg.output, correlate(image, kernel(name)), atol=1e-5), name


def test_moving_a_slider_recomputes_and_marks_the_kernel_custom(image):
    pg = kernel_playground(image, preset="identity")
    before = pg.output.copy()
    png_before = pg.figure.image.value
    pg.sliders[0].value = 2                       # k[0, 0]: identity plus 2 x top-left
    expected = image[1:-1, 1:-1] + 2 * image[:-2, :-2]
    assert pg.presets.value == "custom"
    assert pg.weights[0, 0] == 2
    assert np.allclose(pg.output, expected, atol=1e-5)
    assert not np.allclose(pg.output, before)
    assert pg.figure.image.value != png_before
    # Choosing "custom" again in the menu changes nothing.
    pg.load_preset("custom")
    assert pg.weights[0, 0] == 2


def test_divisor_scales_the_kernel(image):
    pg = kernel_playground(image, preset="box_blur")
    assert np.allclose(pg.output, correlate(image, np.ones((3, 3)) / 9), atol=1e-5)
    pg.divisor.value = 3                          # nine ones over 3: three times brighter
    assert pg.presets.value == "custom"
    assert np.allclose(pg.output, correlate(image, np.ones((3, 3)) / 3), atol=1e-5)


def test_redraw_updates_artists_instead_of_rebuilding(image):
    pg = kernel_playground(image, preset="identity")
    fig = pg.figure.fig
    axes, output_artist = list(fig.axes), pg.view.output_image
    pg.load_preset("sobel_x")
    assert list(fig.axes) == axes
    assert pg.view.output_image is output_artist
    assert np.allclose(output_artist.get_array(), pg.output)
    # Zero-sum kernel -> signed colour map, symmetric limits; sum-1 kernel -> grey [0, 1].
    assert output_artist.get_cmap().name == "RdBu"
    low, high = output_artist.get_clim()
    assert high == -low > 0
    pg.load_preset("gaussian_blur")
    assert output_artist.get_cmap().name == "gray" and output_artist.get_clim() == (0, 1)
    assert pg.view.kernel_grid.ax.get_title() == "kernel = weights / 16"


def test_fast_redraw_matches_a_full_redraw(image):
    pg = kernel_playground(image, preset="diagonal")
    fast = pg.figure.image.value
    full = pg.figure.__class__.__mro__[1].render(pg.figure)    # FigureImage.render
    from io import BytesIO

    from PIL import Image
    a = np.asarray(Image.open(BytesIO(fast)).convert("RGB"))
    b = np.asarray(Image.open(BytesIO(full)).convert("RGB"))
    assert a.shape == b.shape and np.array_equal(a, b)


def test_playground_bad_arguments(image):
    with pytest.raises(ValueError, match="kernel_playground: preset must be one of identity"):
        kernel_playground(image, preset="roberts")          # 2x2: no room on nine sliders
    with pytest.raises(ValueError, match=r"kernel_playground: image must be 2-D"):
        kernel_playground(np.ones((5, 5, 3)))
    pg = kernel_playground(image)
    with pytest.raises(ValueError, match="load_preset: 'roberts' is not a 3x3 kernel"):
        pg.load_preset("roberts")


def test_playground_refuses_an_image_smaller_than_the_kernel():
    # A programming error at construction, not a slider setting: it raises.
    with pytest.raises(ValueError, match="larger than the padded input"):
        kernel_playground(np.ones((2, 2)))


# --------------------------------------------------------------------------
# Size explorer
# --------------------------------------------------------------------------


def test_size_explorer_reports_the_output_size():
    ex = size_explorer(size=7, kernel_size=3)
    assert isinstance(ex, SizeExplorer)
    assert ex.output_size == 5 and ex.positions == 5             # 7 - 3 + 1
    assert "<b>5×5</b>" in ex.result.value and ex.message.text == ""
    ex.sliders["stride"].value = 2                               # floor(4 / 2) + 1 = 3
    assert ex.output_size == 3 and ex.positions == 3
    ex.sliders["padding"].value = 1                              # floor(6 / 2) + 1 = 4
    assert ex.output_size == 4
    ex.sliders["dilation"].value = 3                             # span 7: floor(2 / 2) + 1 = 2
    assert ex.output_size == 2
    assert "o=2" in repr(ex)


def test_size_explorer_impossible_setting_shows_the_message_not_a_traceback():
    ex = size_explorer(size=4, kernel_size=3)
    ex.sliders["dilation"].value = 2                             # span 5 > 4
    assert ex.output_size is None and ex.positions == 0
    assert ex.message.text.startswith("conv_output_size: kernel_size=3 with dilation=2 spans 5")
    assert "no output" in ex.result.value
    ex.sliders["padding"].value = 1                              # padded 6: fits again
    assert ex.message.text == "" and ex.output_size == 2 and ex.positions == 2


def test_size_explorer_drawing_matches_the_positions():
    from cnnlib.viz.conv import FIRST, INPUT, LAST, PADDING, UNREAD

    ex = size_explorer(size=8, kernel_size=3, stride=2)
    codes = ex.view.codes_2d
    assert codes.shape == (8, 8)
    # First window rows/cols 0-2, last window 4-6; row and column 7 are never read.
    assert np.all(codes[:3, :3] == FIRST) and np.all(codes[4:7, 4:7] == LAST)
    assert np.all(codes[7, :] == UNREAD) and np.all(codes[:, 7] == UNREAD)
    assert codes[3, 3] == INPUT
    rows = ex.view.codes_1d
    assert rows.shape == (4, 8)                                  # the input row + 3 positions
    assert [np.flatnonzero(r == FIRST).tolist() for r in rows[1:]] == [[0, 1, 2], [2, 3, 4],
                                                                      [4, 5, 6]]
    ex.sliders["padding"].value = 1
    assert ex.view.codes_2d.shape == (10, 10) and np.all(ex.view.codes_2d[0, 3:] == PADDING)
    assert len(ex.view.anchors.get_offsets()) == 16              # 4 x 4 positions
