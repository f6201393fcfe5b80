"""The architecture explorer: its callback is a plain method, called directly here."""

from __future__ import annotations

import html

import numpy as np
import pytest

import cnnlib
from cnnlib import models, summary
from cnnlib.architectures import INPUT_SIZES
from cnnlib.widgets import ArchitectureExplorer, architecture_explorer


@pytest.fixture(scope="module")
def summaries():
    cnnlib.manual_seed(0)
    return {name: summary(getattr(models, name)(), INPUT_SIZES[name])
            for name in ("lenet5", "mobilenet_v2")}


@pytest.fixture(scope="module")
def photo():
    return np.random.default_rng(0).random((60, 50, 3))


def test_starts_on_the_last_stage(summaries, photo):
    w = architecture_explorer(summaries, photo, model="lenet5")
    assert isinstance(w, ArchitectureExplorer)
    assert w.stage_menu.value == "C5 conv"
    assert w.totals.rf == 32 and w.totals.jump == 4      # LeNet-5 sees its whole 32x32 input
    assert "C5 conv" in repr(w) and "32 px" in repr(w)
    assert w.figure.image.value[:4] == b"\x89PNG"


def test_update_by_hand_numbers(summaries, photo):
    w = architecture_explorer(summaries, photo, model="lenet5")
    w.update("lenet5", "C3 conv")
    # C1 (156) + C3 (16*6*25 + 16 = 2416); field 5, then 6 after the pool, then 6 + 4*2 = 14
    assert (w.totals.params, w.totals.rf, w.totals.jump) == (2572, 14, 2)
    field, neighbour = w.patches
    assert field.get_width() == 14 and neighbour.get_x() - field.get_x() == 2
    text = html.unescape(w.readout.value)
    assert "> C3 conv" in text and "2,572" in text and "61,706" in text
    assert w.message.text == ""


def test_switching_model_resets_the_stage_menu(summaries, photo):
    w = architecture_explorer(summaries, photo, model="lenet5")
    w.model_menu.value = "mobilenet_v2"
    assert w.stage_menu.value == "1x1 conv"
    assert w.totals.rf == 491 and w.totals.jump == 32
    assert w.pictures["mobilenet_v2"].shape == (224, 224, 3)
    assert w.pictures["lenet5"].shape == (32, 32)


def test_bad_choices_show_a_message(summaries, photo):
    w = architecture_explorer(summaries, photo, model="lenet5")
    assert w._guarded_update("lenet5", "layer4") is False
    assert "lenet5 has no stage 'layer4'" in w.message.text
    assert w._guarded_update("vgg16", "block1 pool") is False
    assert "no summary for model 'vgg16'" in w.message.text
    assert w._guarded_update("lenet5", "S2 pool") is True and w.message.text == ""


def test_factory_checks_its_arguments(summaries, photo):
    with pytest.raises(ValueError, match="model 'resnet18' is not among the summaries"):
        architecture_explorer(summaries, photo)
    with pytest.raises(ValueError, match="unknown model 'tiny'"):
        architecture_explorer({"tiny": summaries["lenet5"]}, photo, model="tiny")


def test_fits_the_column_and_wraps(summaries, photo):
    w = architecture_explorer(summaries, photo, model="mobilenet_v2")
    menus, body = w.widget.children[:2]
    for box in (menus, body):
        assert box.layout.flex_flow == "row wrap"
    for menu in menus.children:
        assert int(menu.layout.width.rstrip("px")) <= 330     # two menus share 688 px
    # the picture is at most the column wide and shrinks with the screen
    width_px = w.figure.fig.get_size_inches()[0] * w.figure.dpi
    assert width_px <= 688 and w.figure.image.layout.max_width == "100%"
    # the table's longest line: at 11 px monospace (~6.6 px a character) within 660 px
    table = w.readout.value.split(">", 1)[1].rsplit("<", 1)[0]
    assert max(len(line) for line in table.splitlines()) * 6.6 <= 660
    assert "overflow-x:auto" in w.readout.value
