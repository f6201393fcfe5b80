"""The transfer explorer: the measured sweep, drawn by labelled data and learning rate."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib.widgets import TransferExplorer, transfer_explorer
from cnnlib.widgets.transfer import LEARNING_RATES, PANELS, STEPS, STRATEGIES, chapter_sweep

CHOSEN = "each one's chosen rate"


def _toy_sweep() -> dict:
    # Two panels, two strategies, two rates, two seeds, three steps; scores by hand.
    def runs(a, b):
        return {"val_accuracy": np.array([[0.2, a, a], [0.2, b, b]])}

    return {("few", "from scratch"): {0.1: runs(0.5, 0.7), 1.0: runs(0.9, 0.9)},
            ("few", "fine-tuning"): {0.1: runs(0.8, 0.8), 1.0: runs(0.2, 0.2)},
            ("many", "from scratch"): {0.1: runs(0.6, 0.6), 1.0: runs(0.4, 0.4)},
            ("many", "fine-tuning"): {0.1: runs(0.9, 1.0), 1.0: runs(0.98, 0.98)}}


@pytest.fixture(scope="module")
def explorer() -> TransferExplorer:
    return transfer_explorer()


def test_stored_sweep_has_the_chapters_layout_and_exact_fractions():
    sweep = chapter_sweep()
    assert set(sweep) == {(p, s) for p in PANELS for s in STRATEGIES}
    for runs in sweep.values():
        assert list(runs) == list(LEARNING_RATES)
        for run in runs.values():
            acc = run["val_accuracy"]
            assert acc.shape == (3, len(STEPS))
            counts = acc * 144                          # right answers of 144 images
            np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
            assert acc.min() >= 0 and acc.max() <= 1


def test_stored_sweep_reproduces_the_chapters_printed_table():
    # The chapter prints these plateau means (steps 80-100, mean of 3 seeds).
    sweep = chapter_sweep()
    for (panel, strategy, lr), printed in {
            ("5 labels per class", "from scratch", 0.03): 0.937,
            ("20 labels per class", "fine-tuning", 0.1): 0.965,
            ("all labels", "fine-tuning", 0.1): 0.988,
            ("all labels", "frozen features", 0.03): 0.969}.items():
        tail = sweep[panel, strategy][lr]["val_accuracy"][:, -3:].mean()
        assert round(tail, 3) == printed


def test_chosen_rates_by_hand_on_a_toy_sweep():
    w = TransferExplorer(_toy_sweep(), panel="few", lr=CHOSEN, steps=(0, 1, 2))
    # A run's score is the mean of its last three measurements (here all three):
    # few/from scratch: 0.1 -> seeds 0.4, 0.533, mean 0.467; 1.0 -> 0.667: 1.0 wins.
    # few/fine-tuning: 0.1 -> 0.6; 1.0 -> 0.2: 0.1 wins.
    # many/fine-tuning: 0.1 -> seeds 0.667, 0.733, mean 0.7; 1.0 -> 0.72: 1.0 wins.
    assert w.chosen["few", "from scratch"] == 1.0
    assert w.chosen["few", "fine-tuning"] == 0.1
    assert w.chosen["many", "fine-tuning"] == 1.0
    np.testing.assert_allclose(w.shown["from scratch"], [[0.2, 0.9, 0.9], [0.2, 0.9, 0.9]])
    np.testing.assert_allclose(w.shown["fine-tuning"], [[0.2, 0.8, 0.8], [0.2, 0.8, 0.8]])


def test_update_draws_the_selected_rate_for_every_strategy(explorer):
    explorer.update("20 labels per class", 0.3)
    sweep = chapter_sweep()
    for s in STRATEGIES:
        np.testing.assert_array_equal(explorer.shown[s],
                                      sweep["20 labels per class", s][0.3]["val_accuracy"])
    # the mean line of each strategy is on the curves panel
    means = [ln.get_ydata() for ln in explorer.ax_curves.lines if len(ln.get_ydata()) == 11]
    assert len(means) == 3
    assert explorer.figure.image.value[:4] == b"\x89PNG"
    assert repr(explorer) == "<TransferExplorer: 20 labels per class, lr 0.3>"


def test_chosen_rates_match_the_chapter(explorer):
    explorer.update("5 labels per class", CHOSEN)
    assert {s: explorer.rate("5 labels per class", s, CHOSEN) for s in STRATEGIES} == {
        "from scratch": 0.03, "frozen features": 0.1, "fine-tuning": 0.3}
    text = explorer.readout.value
    assert "from scratch</b> at 0.03 (chosen): 0.937" in text
    assert repr(explorer) == "<TransferExplorer: 5 labels per class, chosen rates>"


def test_controls_drive_the_callback(explorer):
    explorer.panel.value = "all labels"
    explorer.lr.value = 0.01
    assert explorer.settings == ("all labels", 0.01)
    assert "0.01" in explorer.ax_curves.get_title()


def test_impossible_settings_show_a_message_not_a_traceback(explorer):
    assert explorer._guarded("no such panel", 0.1) is False
    assert explorer.message.text.startswith("transfer_explorer: panel must be one of")
    assert explorer._guarded("all labels", 0.5) is False
    assert "lr must be one of" in explorer.message.text
    assert explorer._guarded("all labels", 0.1) is True and explorer.message.text == ""


def test_bad_arguments_raise_with_the_functions_name():
    with pytest.raises(ValueError, match="transfer_explorer: panel must be one of"):
        transfer_explorer(panel="7 labels")
    with pytest.raises(ValueError, match="transfer_explorer: lr must be one of"):
        transfer_explorer(lr=1.0)
    with pytest.raises(ValueError, match="transfer_explorer: steps must have"):
        TransferExplorer(_toy_sweep(), panel="few", steps=(0, 10))


def test_widget_fits_the_column(explorer):
    assert explorer.figure.fig.get_figwidth() * explorer.figure.dpi <= 688
    for child in (explorer.panel, explorer.lr):
        assert child.layout.width is None and child.layout.max_width == "100%"
    assert explorer.widget.children[0].layout.flex_flow == "row wrap"
