"""cnnlib.checkpoint: a run saved and resumed equals a run that never stopped, bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest

import cnnlib
from cnnlib import nn, optim
from cnnlib.checkpoint import load_checkpoint, save_checkpoint
from cnnlib.data import line_patterns
from cnnlib.train import DataLoader, fit


@pytest.fixture(scope="module")
def data():
    X, y, _ = line_patterns(24, seed=0)
    Xv, yv, _ = line_patterns(8, seed=1)
    return (X, y), (Xv, yv)


def build(seed):
    """Everything random about a run: weights (global generator), dropout, shuffling."""
    cnnlib.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(0.25), nn.Linear(36, 3))
    model.double()
    opt = optim.Adam([{"params": model[0].parameters(), "lr": 0.02},
                      {"params": [p for m in list(model)[1:] for p in m.parameters()]}],
                     lr=0.01, weight_decay=1e-3)
    sched = optim.StepLR(opt, step_size=1, gamma=0.7)
    return model, opt, sched


def test_resume_equals_uninterrupted(data, tmp_path):
    train, val = data
    X, y = train[0].astype(np.float64), train[1]
    kw = dict(val_data=(val[0].astype(np.float64), val[1]), progress=False)

    model, opt, sched = build(0)
    loader = DataLoader((X, y), batch_size=8, shuffle=True, seed=5)
    straight = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=4, scheduler=sched, **kw)
    straight_weights = model.state_dict()

    model, opt, sched = build(0)
    loader = DataLoader((X, y), batch_size=8, shuffle=True, seed=5)
    first = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, scheduler=sched, **kw)
    path = tmp_path / "run.npz"
    save_checkpoint(path, model, opt, sched, history=first, loader=loader)

    # a fresh process, in effect: other weights, another global random state
    model2, opt2, sched2 = build(99)
    loader2 = DataLoader((X, y), batch_size=8, shuffle=True, seed=5)
    cnnlib.manual_seed(1234)
    state = load_checkpoint(path, model2, opt2, sched2, loader=loader2)
    assert state["epoch"] == 2
    resumed = fit(model2, nn.CrossEntropyLoss(), opt2, loader2, epochs=2, scheduler=sched2,
                  history=state["history"], **kw)

    assert resumed == straight                                 # every float, bit for bit
    for (k, a), (k2, b) in zip(straight_weights.items(), model2.state_dict().items(),
                               strict=True):
        assert k == k2
        np.testing.assert_array_equal(b, a, err_msg=k)
    # the first group's rate: 0.02 times 0.7 per epoch
    np.testing.assert_allclose(straight["lr"], [0.02, 0.014, 0.0098, 0.00686], rtol=1e-15)
    assert len(straight["val_accuracy"]) == 4


def test_checkpoint_file_is_plain_numpy(tmp_path):
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.weight.grad = np.ones((2, 3), dtype=np.float32)
    opt.step()
    save_checkpoint(tmp_path / "c.npz", model, opt, epoch=7)
    with np.load(tmp_path / "c.npz", allow_pickle=False) as f:     # no pickled objects
        assert set(f.files) == {"model/weight", "model/bias", "optimizer/state/0/momentum_buffer",
                                "meta"}
        np.testing.assert_array_equal(f["optimizer/state/0/momentum_buffer"], np.ones((2, 3)))
        meta = json.loads(str(f["meta"]))
    assert meta["epoch"] == 7 and meta["optimizer"]["type"] == "SGD"
    assert meta["optimizer"]["param_groups"][0]["params"] == [0, 1]


def test_load_checkpoint_refuses_mismatches(tmp_path):
    model = nn.Linear(3, 2)
    save_checkpoint(tmp_path / "c.npz", model, optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="holds a SGD state, optimizer is a Adam"):
        load_checkpoint(tmp_path / "c.npz", model, optim.Adam(model.parameters()))
    with pytest.raises(ValueError, match="holds no scheduler state"):
        opt = optim.SGD(model.parameters(), lr=0.1)
        load_checkpoint(tmp_path / "c.npz", model, opt, optim.StepLR(opt, 1))
    with pytest.raises(ValueError, match="size mismatch for 'weight'"):
        load_checkpoint(tmp_path / "c.npz", nn.Linear(4, 2))
    np.savez(tmp_path / "other.npz", weight=np.ones(2))
    with pytest.raises(ValueError, match="is not a cnnlib checkpoint"):
        load_checkpoint(tmp_path / "other.npz", model)
    with pytest.raises(TypeError, match="save_checkpoint: model must be a cnnlib Module"):
        save_checkpoint(tmp_path / "d.npz", model.state_dict())
