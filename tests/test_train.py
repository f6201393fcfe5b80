"""cnnlib.train: the mini-batch loader, one training step by hand, fit and evaluate."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cnnlib
from cnnlib import nn, optim
from cnnlib.data import line_patterns
from cnnlib.train import (
    DataLoader,
    accuracy,
    confusion_matrix,
    evaluate,
    fit,
    predict,
    train_step,
)

# --------------------------------------------------------------------------
# DataLoader
# --------------------------------------------------------------------------


def test_loader_batches_in_order_and_counts_them():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    loader = DataLoader((X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)                 # ceil(10 / 4)
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    np.testing.assert_array_equal(batches[2][0], X[8:])
    dropped = DataLoader((X, y), batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [len(b) for _, b in dropped] == [4, 4]   # floor(10 / 4)
    singles = list(DataLoader(X, batch_size=3))             # one array: batches of it alone
    assert [b.shape for b in singles] == [(3, 2), (3, 2), (3, 2), (1, 2)]


def test_shuffle_covers_everything_once_and_is_seeded():
    X, y = np.arange(50.0)[:, None], np.arange(50)
    loader = DataLoader((X, y), batch_size=8, shuffle=True, seed=3)
    epoch1 = np.concatenate([b for _, b in loader])
    epoch2 = np.concatenate([b for _, b in loader])
    assert sorted(epoch1.tolist()) == list(range(50))       # a permutation
    assert not np.array_equal(epoch1, epoch2)               # a new order every epoch
    assert not np.array_equal(epoch1, np.arange(50))
    again = DataLoader((X, y), batch_size=8, shuffle=True, seed=3)
    np.testing.assert_array_equal(np.concatenate([b for _, b in again]), epoch1)
    np.testing.assert_array_equal(np.concatenate([b for _, b in again]), epoch2)
    for xb, yb in loader:                                   # rows stay paired
        np.testing.assert_array_equal(xb[:, 0], yb)


def test_unseeded_shuffle_follows_manual_seed():
    y = np.arange(30)
    cnnlib.manual_seed(5)
    a = np.concatenate(list(DataLoader(y, batch_size=7, shuffle=True)))
    cnnlib.manual_seed(5)
    b = np.concatenate(list(DataLoader(y, batch_size=7, shuffle=True)))
    np.testing.assert_array_equal(a, b)


def test_transform_sees_only_the_images_and_a_generator():
    X, y = np.zeros((6, 1, 2, 2)), np.arange(6)
    seen = []

    def shift_up(xb, rng):
        seen.append(isinstance(rng, np.random.Generator))
        return xb + 1.0

    loader = DataLoader((X, y), batch_size=4, transform=shift_up, seed=0)
    for xb, yb in loader:
        assert np.all(xb == 1.0) and yb.dtype == y.dtype
    assert seen == [True, True]
    assert np.all(X == 0.0)                                 # the data set is untouched


def test_loader_rejects_bad_input():
    with pytest.raises(ValueError, match=r"share their first axis, got lengths \[4, 3\]"):
        DataLoader((np.zeros((4, 2)), np.zeros(3)))
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        DataLoader(np.zeros(3), batch_size=0)
    with pytest.raises(TypeError, match="dataset must be an ndarray or a tuple"):
        DataLoader({"x": np.zeros(3)})
    with pytest.raises(TypeError, match="transform must be callable"):
        DataLoader(np.zeros(3), transform="flip")


def test_accuracy():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [9.0, 0.0, 0.0]])
    assert accuracy(logits, np.array([0, 1, 2, 1])) == 0.75
    with pytest.raises(ValueError, match="expected logits"):
        accuracy(logits, np.array([0, 1]))


def test_confusion_matrix_counts_by_hand():
    # true   0 0 0 1 1 2 2 2
    # pred   0 1 0 1 1 2 0 2   -> class 0: two right, one called 1; class 1: both right;
    #                             class 2: two right, one called 0
    t = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    p = np.array([0, 1, 0, 1, 1, 2, 0, 2])
    np.testing.assert_array_equal(confusion_matrix(t, p, 3), [[2, 1, 0], [0, 2, 0], [1, 0, 2]])
    assert confusion_matrix(t, p, 4).shape == (4, 4)
    with pytest.raises(ValueError, match=r"target values must be in \[0, 1\], got 0..2"):
        confusion_matrix(t, p, 2)
    with pytest.raises(TypeError, match="target must be a 1-D array of integer class indices"):
        confusion_matrix(t.astype(float), p, 3)
    with pytest.raises(ValueError, match="same shape"):
        confusion_matrix(t, p[:4], 3)


# --------------------------------------------------------------------------
# One step by hand, then the loop
# --------------------------------------------------------------------------


def test_train_step_by_hand():
    # One example x = (1, 2), target 0, a Linear(2, 2) starting at zero:
    # logits (0, 0), softmax (1/2, 1/2), loss ln 2, dL/dlogits = (-1/2, 1/2);
    # dL/dW = outer(dL/dlogits, x) = [[-0.5, -1], [0.5, 1]], dL/db = (-0.5, 0.5).
    # SGD with lr 0.1: W = [[0.05, 0.1], [-0.05, -0.1]], b = (0.05, -0.05).
    model = nn.Linear(2, 2, dtype=np.float64)
    model.load_state_dict({"weight": np.zeros((2, 2)), "bias": np.zeros(2)})
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss, logits = train_step(model, nn.CrossEntropyLoss(), opt, np.array([[1.0, 2.0]]),
                              np.array([0]))
    assert loss == pytest.approx(math.log(2.0), rel=1e-15)
    np.testing.assert_array_equal(logits, [[0.0, 0.0]])
    np.testing.assert_allclose(model.weight.data, [[0.05, 0.1], [-0.05, -0.1]], rtol=1e-15)
    np.testing.assert_allclose(model.bias.data, [0.05, -0.05], rtol=1e-15)
    # the gradient the step used is left in .grad
    np.testing.assert_allclose(model.weight.grad, [[-0.5, -1.0], [0.5, 1.0]])


def tiny_cnn():
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(27, 3))


@pytest.fixture(scope="module")
def lines():
    X_train, y_train, _ = line_patterns(40, seed=0)
    X_val, y_val, _ = line_patterns(20, seed=1)
    return (X_train, y_train), (X_val, y_val)


def test_fit_learns_the_line_patterns_and_reports_history(lines):
    train, val = lines
    cnnlib.manual_seed(0)
    model = tiny_cnn()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=12, val_data=val,
                  batch_size=16, seed=0, progress=False)
    assert set(history) == {"loss", "accuracy", "lr", "val_loss", "val_accuracy"}
    assert all(len(v) == 12 for v in history.values())
    assert all(isinstance(v, float) for v in history["loss"])
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.95
    result = evaluate(model, nn.CrossEntropyLoss(), val)
    assert result["accuracy"] == history["val_accuracy"][-1]
    assert result["loss"] == pytest.approx(history["val_loss"][-1])


def test_fit_is_deterministic_under_one_seed(lines):
    train, val = lines

    def once():
        cnnlib.manual_seed(1)
        model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Dropout(0.3), nn.Linear(27, 3))
        opt = optim.Adam(model.parameters(), lr=0.01)
        history = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=3, val_data=val,
                      batch_size=16, progress=False)       # unseeded loader: global generator
        return history, model.state_dict()

    (h1, s1), (h2, s2) = once(), once()
    assert h1 == h2
    for k in s1:
        np.testing.assert_array_equal(s1[k], s2[k])


def test_fit_steps_the_scheduler_and_accepts_a_loader(lines, capsys):
    train, _ = lines
    cnnlib.manual_seed(0)
    model = tiny_cnn()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    loader = DataLoader(train, batch_size=32, shuffle=True, seed=0)
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=3, scheduler=sched,
                  progress=True)
    assert history["lr"] == [0.1, 0.05, 0.025]
    assert "val_loss" not in history
    err = capsys.readouterr().err                           # tqdm writes its bar to stderr
    assert "epoch 3/3" in err and f"{3 * len(loader)}/{3 * len(loader)}" in err


def test_evaluate_and_predict_use_eval_mode_and_restore_it():
    cnnlib.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.9), nn.Linear(4, 2))
    X = np.random.default_rng(0).random((5, 1, 2, 2)).astype(np.float32)
    y = np.array([0, 1, 0, 1, 1])
    model.train()
    p1 = predict(model, X, batch_size=2)
    p2 = predict(model, X, batch_size=5)
    np.testing.assert_allclose(p1, p2, rtol=1e-6)          # no dropout: eval mode
    assert p1.shape == (5, 2) and model.training
    result = evaluate(model, None, (X, y), batch_size=2)
    assert math.isnan(result["loss"])
    assert result["accuracy"] == accuracy(p1, y)
    assert model.training


def test_fit_rejects_bad_arguments(lines):
    train, _ = lines
    model = tiny_cnn()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs must be a non-negative int"):
        fit(model, nn.CrossEntropyLoss(), opt, train, epochs=-1, progress=False)
    with pytest.raises(TypeError, match="loss_fn must be a loss module"):
        fit(model, lambda a, b: 0.0, opt, train, progress=False)
    with pytest.raises(TypeError, match="train_data must be a DataLoader or a pair"):
        fit(model, nn.CrossEntropyLoss(), opt, train[0], progress=False)
