"""The training explorer of *A CNN from scratch*: TinyCNN retrained from three sliders."""

from __future__ import annotations

import numpy as np
import pytest

import cnnlib
from cnnlib import nn, optim
from cnnlib.data import line_patterns
from cnnlib.train import fit
from cnnlib.widgets import TrainingExplorer, training_explorer
from cnnlib.widgets import training as training_module
from cnnlib.widgets.training import BATCH_SIZES, tiny_cnn, train_tiny_cnn


@pytest.fixture(scope="module")
def explorer() -> TrainingExplorer:
    return training_explorer(lr=0.05, batch_size=32, epochs=3)


def test_tiny_cnn_has_the_chapters_114_parameters():
    # By hand: conv 3 * (1 * 3 * 3) + 3 = 30, linear 27 * 3 + 3 = 84.
    model = tiny_cnn()
    assert sum(p.size for p in model.parameters()) == 30 + 84
    assert model(np.zeros((2, 1, 8, 8))).shape == (2, 3)
    assert model[0].weight.data.dtype == np.float64


def test_a_run_is_the_chapters_fit_call():
    # The same run written out with the library's pieces, as the chapter does.
    recipe = dict(noise=0.15, max_shift=2, dtype=np.float64)
    x, y, _ = line_patterns(60, seed=0, **recipe)
    xv, yv, _ = line_patterns(30, seed=1, **recipe)
    cnnlib.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(27, 3)).double()
    expected = fit(model, nn.CrossEntropyLoss(),
                   optim.SGD(model.parameters(), lr=0.1, momentum=0.9), (x, y), epochs=3,
                   val_data=(xv, yv), batch_size=8, seed=0, progress=False)
    history, stopped = train_tiny_cnn(lr=0.1, batch_size=8, epochs=3)
    assert stopped == ""
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert history[key] == expected[key]


def test_the_sliders_retrain_and_redraw(explorer):
    assert len(explorer.history["val_accuracy"]) == 3
    first = explorer.figure.image.value
    explorer.epochs.value = 2                       # what dragging the slider does
    assert len(explorer.history["val_accuracy"]) == 2
    assert explorer.figure.image.value != first
    # 180 images in batches of 32: 6 steps an epoch (the last batch holds 20).
    assert "(12 steps)" in explorer.readout.value
    lines = explorer.ax_loss.get_lines()
    assert len(lines[1].get_xdata()) == 2            # this run
    assert len(lines[0].get_xdata()) == 20           # the chapter's run, for comparison


def test_a_tiny_learning_rate_learns_less_than_the_chapters(explorer):
    explorer.update(lr=0.001, batch_size=16, epochs=20)
    slow = explorer.history["val_loss"][-1]
    assert slow > explorer.reference["val_loss"][-1] * 10
    assert explorer.reference["val_accuracy"][-1] >= 0.95


def test_impossible_settings_show_a_message_not_a_traceback(explorer):
    assert explorer._guarded(lr=-1.0) is False
    assert explorer.message.text.startswith("train_tiny_cnn: lr must be a positive number")
    assert "-1.0" in explorer.message.text
    assert explorer._guarded(lr=0.05, batch_size=32, epochs=2) is True
    assert explorer.message.text == ""


def test_bad_arguments_name_function_and_argument():
    with pytest.raises(ValueError,
                       match=r"^train_tiny_cnn: batch_size must be a positive int, got 0"):
        train_tiny_cnn(batch_size=0)
    with pytest.raises(ValueError, match=r"^train_tiny_cnn: epochs must be a positive int"):
        train_tiny_cnn(epochs=2.5)
    with pytest.raises(ValueError, match=r"^training_explorer: batch_size must be one of"):
        training_explorer(batch_size=10)


def test_a_diverging_run_keeps_its_finished_epochs(monkeypatch, explorer):
    real_fit = training_module.fit

    def fit_that_overflows(*args, **kwargs):
        kwargs["epochs"] = 1
        real_fit(*args, **kwargs)
        raise FloatingPointError("fit: the loss is nan at epoch 2, batch 1 of 6; training "
                                 "stopped before this batch's update")

    monkeypatch.setattr(training_module, "fit", fit_that_overflows)
    explorer.update(lr=5.0, batch_size=32, epochs=4)
    assert explorer.stopped == "fit: the loss is nan at epoch 2, batch 1 of 6"
    assert len(explorer.history["val_loss"]) == 1
    assert "too large" in explorer.message.text


def test_layout_fits_the_column_and_wraps(explorer):
    controls = explorer.widget.children[0]
    assert controls.layout.flex_flow == "row wrap"
    for control in controls.children:
        assert int(control.layout.width.rstrip("px")) <= 660
    assert explorer.figure.fig.get_size_inches()[0] * explorer.figure.dpi <= 688 + 1
    assert set(explorer.batch.options) == set(BATCH_SIZES)


def test_short_text_form(explorer):
    explorer.update(lr=0.05, batch_size=32, epochs=2)
    text = repr(explorer)
    assert text.startswith("<TrainingExplorer: lr 0.05, batch 32, 2 epochs")
    assert "\n" not in text and len(text) < 100


def test_a_given_model_is_trained_in_place():
    model = tiny_cnn()
    start = model[0].weight.data.copy()
    history, _ = train_tiny_cnn(lr=0.1, batch_size=8, epochs=3, model=model)
    fresh, _ = train_tiny_cnn(lr=0.1, batch_size=8, epochs=3)
    assert history == fresh and not np.array_equal(model[0].weight.data, start)
    with pytest.raises(TypeError, match=r"^train_tiny_cnn: model must be a cnnlib Module"):
        train_tiny_cnn(model="tiny")
