"""PyTorch compatibility: legacy checkpoints, shared modules in state_dict, empty batches.

What PyTorch 2.13 does is written in each comment (checked by hand); the
tests hold cnnlib to it without needing torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnlib
from cnnlib import models, nn


def test_a_checkpoint_without_num_batches_tracked_loads():
    # PyTorch's BatchNorm fills a missing num_batches_tracked in (old checkpoints,
    # and plain {k: v.numpy()} dicts, have no version metadata) and keeps its count.
    bn = nn.BatchNorm2d(2)
    bn(np.random.default_rng(0).standard_normal((4, 2, 3, 3)).astype(np.float32))
    legacy = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    fresh = nn.BatchNorm2d(2)
    fresh.num_batches_tracked = np.array(7, dtype=np.int64)
    result = fresh.load_state_dict(legacy)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert int(fresh.num_batches_tracked) == 7
    np.testing.assert_array_equal(fresh.running_mean, bn.running_mean)


def test_a_whole_legacy_resnet_loads_strictly():
    cnnlib.manual_seed(0)
    model = models.resnet18(num_classes=10)
    legacy = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert len(legacy) < len(model.state_dict())
    models.resnet18(num_classes=10).load_state_dict(legacy)            # strict: no error


def test_other_missing_keys_are_still_errors():
    bn = nn.BatchNorm2d(2)
    sd = bn.state_dict()
    del sd["running_var"]
    with pytest.raises(ValueError, match="missing key.*'running_var'"):
        bn.load_state_dict(sd)


def test_a_zero_d_buffer_may_come_with_shape_one():
    # PyTorch: "copying a param with shape [1] into a 0-dim one" is accepted
    bn = nn.BatchNorm2d(2)
    sd = bn.state_dict()
    sd["num_batches_tracked"] = np.array([5])
    bn.load_state_dict(sd)
    assert bn.num_batches_tracked.shape == () and int(bn.num_batches_tracked) == 5
    sd["num_batches_tracked"] = np.array([5, 6])
    with pytest.raises(ValueError, match="size mismatch for 'num_batches_tracked'"):
        bn.load_state_dict(sd)


def test_a_shared_module_is_saved_under_each_name():
    # torch.nn.Sequential(conv, relu, conv).state_dict() has 0.weight and 2.weight
    conv = nn.Conv2d(2, 2, 1)
    model = nn.Sequential(conv, nn.ReLU(), conv)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(model.parameters()) == 2                         # each parameter once
    sd = model.state_dict()
    model.load_state_dict(sd)


def test_flatten_handles_empty_batches_and_zero_channels():
    flat = nn.Flatten()
    for shape, out in (((0, 3, 2, 2), (0, 12)), ((2, 0, 3, 3), (2, 0)), ((0, 0, 2, 2), (0, 0))):
        y = flat(np.zeros(shape))
        assert y.shape == out
        assert flat.backward(np.zeros(out)).shape == shape


@pytest.mark.parametrize("name,size", [("lenet5", 32), ("alexnet", 64), ("resnet18", 32),
                                       ("mobilenet_v2", 32), ("efficientnet_b0", 32)])
def test_models_take_an_empty_batch(name, size):
    # PyTorch returns a (0, num_classes) result for a (0, 3, H, W) input
    from paper_counts import shared_model

    model = shared_model(name).eval()
    channels = 1 if name == "lenet5" else 3
    x = np.zeros((0, channels, size, size), dtype=np.float32)
    y = model(x)
    assert y.shape[0] == 0 and y.ndim == 2
    assert model.backward(y).shape == x.shape        # y: marked as this pass's output


def test_predict_style_inference_of_an_empty_batch_in_training_mode():
    # a training-mode BatchNorm on N = 0: PyTorch returns an empty result too
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8, 3))
    y = model(np.zeros((0, 1, 4, 4), dtype=np.float32))
    assert y.shape == (0, 3)
    assert model.backward(np.zeros((0, 3), dtype=np.float32)).shape == (0, 1, 4, 4)
