"""The transposed-convolution explorer: its callback, called directly and
through the sliders.  Expected sizes and counts are derived by hand."""

from __future__ import annotations

from cnnlib.widgets import TransposedExplorer, transposed_explorer


def test_default_setting_by_hand():
    explorer = transposed_explorer(4, 3, stride=2)
    assert isinstance(explorer, TransposedExplorer)
    # (4 - 1)·2 + 3 = 9; interior cells alternate 1 and 2 per axis: products 1, 2, 4.
    assert explorer.output_size == 9
    assert explorer.counts.shape == (9, 9)
    assert explorer.counts[0].tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 1]
    assert int(explorer.counts.max()) == 4
    assert "unevenly covered, 1 to 4 stamps" in explorer.result.value
    assert explorer.message.text == ""
    assert explorer.figure.image.value[:4] == b"\x89PNG"


def test_sliders_redraw_and_even_overlap():
    explorer = transposed_explorer(4, 3, stride=2)
    before = explorer.figure.image.value
    explorer.sliders["kernel_size"].value = 4
    explorer.sliders["padding"].value = 1
    # (4 - 1)·2 - 2 + 4 = 8; k = 4 = 2s: every inner pixel has 2·2 = 4 stamps.
    assert explorer.output_size == 8
    assert explorer.counts[1:-1, 1:-1].min() == explorer.counts[1:-1, 1:-1].max() == 4
    assert "= <b>8</b>" in explorer.result.value
    assert "evenly covered, 4 stamps each" in explorer.result.value
    explorer.sliders["kernel_size"].value = 1           # k < s: holes
    explorer.sliders["padding"].value = 0
    assert explorer.counts.min() == 0 and "holes" in explorer.result.value
    assert explorer.figure.image.value != before


def test_impossible_settings_show_the_message_not_a_traceback():
    explorer = transposed_explorer(4, 3, stride=2)
    explorer.sliders["output_padding"].value = 2        # not smaller than the stride
    assert explorer.output_size is None and explorer.counts is None
    assert explorer.message.text.startswith("conv_transpose_output_size: output_padding")
    explorer.sliders["output_padding"].value = 1
    assert explorer.output_size == 10 and explorer.message.text == ""
    explorer.sliders["size"].value = 1
    explorer.sliders["kernel_size"].value = 1
    explorer.sliders["output_padding"].value = 0
    explorer.sliders["padding"].value = 1               # crops the 1×1 output away
    assert explorer.output_size is None
    assert "padding=1 crops" in explorer.message.text
    assert "TransposedExplorer" in repr(explorer)
