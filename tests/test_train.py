"""cnnlib.train: the mini-batch loader, one training step by hand, fit and evaluate."""

from __future__ import annotations

import math
import sys

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


# --------------------------------------------------------------------------
# Training that notices and resumes (issue 11)
# --------------------------------------------------------------------------


def test_fit_stops_at_a_nan_loss_naming_epoch_and_batch(lines):
    (X, y), _ = lines
    X = X.copy()
    X[2 * 8 + 3] = np.nan                    # an image in batch 3 (batches of 8, no shuffling)
    cnnlib.manual_seed(0)
    model = tiny_cnn()
    opt = optim.SGD(model.parameters(), lr=0.05)
    loader = DataLoader((X, y), batch_size=8)
    with pytest.raises(FloatingPointError, match=r"fit: the loss is nan at epoch 1, batch 3 of "
                                                 r"15") as info:
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, progress=False)
    # stopped before batch 3 updated anything: the weights are still finite
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())
    assert info.value.history == {"loss": [], "accuracy": [], "lr": []}
    # opting out trains on, and the NaN spreads to the weights, as before
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, progress=False,
                  stop_on_nonfinite=False)
    assert math.isnan(history["loss"][0])
    assert any(np.any(np.isnan(p.data)) for p in model.parameters())


def test_fit_keeps_the_finished_epochs_when_interrupted(lines):
    train, _ = lines
    cnnlib.manual_seed(0)
    model = tiny_cnn()
    opt = optim.SGD(model.parameters(), lr=0.05)
    calls = {"n": 0}
    per_epoch = len(train[1]) // 16 + (len(train[1]) % 16 > 0)

    class StopInEpoch3(nn.CrossEntropyLoss):
        def forward(self, input, target):  # noqa: A002
            calls["n"] += 1
            if calls["n"] == 2 * per_epoch + 2:   # epoch 3, batch 2
                raise KeyboardInterrupt
            return super().forward(input, target)

    model.eval()
    model[1].train()                              # a mixed state, restored module by module
    with pytest.raises(KeyboardInterrupt) as info:
        fit(model, StopInEpoch3(), opt, train, epochs=5, batch_size=16, progress=False)
    history = info.value.history
    assert len(history["loss"]) == len(history["accuracy"]) == len(history["lr"]) == 2
    assert [m.training for m in model.modules()] == [False, False, True, False, False, False]


def test_fit_restores_the_models_mode(lines):
    train, _ = lines
    model = tiny_cnn()
    opt = optim.SGD(model.parameters(), lr=0.05)
    model.eval()
    fit(model, nn.CrossEntropyLoss(), opt, train, epochs=1, progress=False)
    assert not any(m.training for m in model.modules())
    model.train()
    fit(model, nn.CrossEntropyLoss(), opt, train, epochs=1, progress=False)
    assert all(m.training for m in model.modules())


def test_fit_and_evaluate_with_a_summed_loss(lines):
    # reduction='sum' has gradients N times the mean's: SGD with lr / N on the
    # sum takes the same steps as lr on the mean when every batch has N examples.
    (X, y), val = lines
    X, y = X[:32].astype(np.float64), y[:32]

    def run(reduction, lr):
        cnnlib.manual_seed(0)
        model = tiny_cnn().double()
        opt = optim.SGD(model.parameters(), lr=lr)
        h = fit(model, nn.CrossEntropyLoss(reduction=reduction), opt, (X, y), epochs=2,
                batch_size=8, seed=0, progress=False)
        return h, model

    h_mean, m_mean = run("mean", 0.08)
    h_sum, m_sum = run("sum", 0.01)
    np.testing.assert_allclose(h_sum["loss"], h_mean["loss"], rtol=1e-12)   # per example
    for a, b in zip(m_mean.parameters(), m_sum.parameters(), strict=True):
        np.testing.assert_allclose(b.data, a.data, rtol=1e-10, atol=1e-12)
    Xv, yv = val[0].astype(np.float64), val[1]
    means = [evaluate(m_mean, nn.CrossEntropyLoss(reduction=r), (Xv, yv), batch_size=7)["loss"]
             for r in ("mean", "sum", "none")]
    np.testing.assert_allclose(means, [means[0]] * 3, rtol=1e-12)


def test_fit_refuses_a_loss_without_reduction(lines):
    train, _ = lines
    model = tiny_cnn()
    opt = optim.SGD(model.parameters(), lr=0.05)
    with pytest.raises(ValueError, match="fit: loss_fn has reduction='none'.* use "
                                         "reduction='mean'"):
        fit(model, nn.CrossEntropyLoss(reduction="none"), opt, train, progress=False)
    with pytest.raises(ValueError, match="train_step: loss_fn has reduction='none'"):
        train_step(model, nn.CrossEntropyLoss(reduction="none"), opt, *train)


@pytest.mark.parametrize("blocked", [["tqdm.auto"], ["tqdm", "tqdm.auto"]])
def test_fit_prints_progress_where_tqdm_is_missing(lines, monkeypatch, capsys, blocked):
    # The in-page Pyodide kernel has no tqdm: `import tqdm.auto` raises ImportError.
    for name in blocked:
        monkeypatch.setitem(sys.modules, name, None)
    train, _ = lines
    cnnlib.manual_seed(0)
    model = tiny_cnn()
    opt = optim.SGD(model.parameters(), lr=0.05)
    history = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=2, batch_size=16,
                  progress=True)
    out = capsys.readouterr().out.splitlines()
    n = len(DataLoader(train, batch_size=16))
    assert len(out) == 2
    assert out[0].startswith(f"epoch 1/2 [{n}/{2 * n} batches] loss=")
    assert out[1].startswith(f"epoch 2/2 [{2 * n}/{2 * n} batches] loss=")
    assert f"loss={history['loss'][1]:.4f}" in out[1]


def test_fit_continues_a_history(lines):
    train, _ = lines
    model = tiny_cnn()
    opt = optim.SGD(model.parameters(), lr=0.05)
    h = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=2, progress=False)
    again = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=1, progress=False, history=h)
    assert again is h and len(h["loss"]) == 3
    with pytest.raises(TypeError, match="fit: history must be a dict of lists"):
        fit(model, nn.CrossEntropyLoss(), opt, train, progress=False, history=[1.0])


def test_predict_on_no_examples_returns_an_empty_result():
    # PyTorch: model(torch.zeros(0, 1, 4, 4)) has shape (0, 3)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(2, 3))
    out = predict(model, np.zeros((0, 1, 4, 4), dtype=np.float32))
    assert out.shape == (0, 3) and out.dtype == np.float32


def test_loader_state_dict_replays_the_shuffles():
    loader = DataLoader(np.arange(10), batch_size=4, shuffle=True, seed=3)
    next(iter(loader))
    saved = loader.state_dict()
    a = [b.tolist() for b in loader]
    other = DataLoader(np.arange(10), batch_size=4, shuffle=True, seed=3)
    other.load_state_dict(saved)
    assert [b.tolist() for b in other] == a
    with pytest.raises(ValueError, match="from a seeded loader, this loader has no seed"):
        DataLoader(np.arange(10)).load_state_dict(saved)


def test_evaluate_and_predict_keep_nothing_for_a_backward(lines):
    # They run under cnnlib.no_grad(): a validation pass between a forward
    # and its backward changes nothing, and leaves no forward to backpropagate.
    (X, y), (Xv, yv) = lines
    X, Xv = X[:16].astype(np.float64), Xv[:16].astype(np.float64)
    cnnlib.manual_seed(0)
    model = tiny_cnn().double()
    loss_fn = nn.CrossEntropyLoss()

    def grads(interleave):
        model.zero_grad()
        logits = model(X)
        loss_fn(logits, y[:16])
        g = loss_fn.backward()
        if interleave:
            evaluate(model, nn.CrossEntropyLoss(), (Xv, yv[:16]))   # same batch size
            predict(model, Xv)
        model.backward(g)
        return [p.grad.copy() for p in model.parameters()]

    for a, b in zip(grads(False), grads(True), strict=True):
        np.testing.assert_array_equal(a, b)
    for infer in (lambda m: predict(m, Xv),
                  lambda m: evaluate(m, nn.CrossEntropyLoss(), (Xv, yv[:16]))):
        fresh = tiny_cnn().double()
        infer(fresh)                              # one batch: one forward pass, not recorded
        with pytest.raises(RuntimeError, match=r"call forward\(\) before backward\(\)"):
            fresh.backward(np.ones((16, 3)))
