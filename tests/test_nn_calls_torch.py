"""Module reuse, weight sharing and interleaved forwards against PyTorch autograd.

PyTorch is not among the book's requirements, so this file is skipped where
it is missing; ``test_nn_calls.py`` checks the same cases against finite
differences.  ``benchmarks/fuzz_reuse_vs_torch.py`` runs many random
patterns of the same kind.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnlib
from cnnlib import nn

torch = pytest.importorskip("torch")
tnn = torch.nn


def to_torch(module, torch_module):
    """Copy cnnlib's state_dict into the torch module (the keys are the same)."""
    sd = {k: torch.from_numpy(np.array(v)) for k, v in module.state_dict().items()}
    torch_module.load_state_dict(sd)
    return torch_module.double()


def assert_grads_equal(module, torch_module, gx, tx):
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    theirs = dict(torch_module.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad, theirs[name].grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


def test_reused_relu_and_shared_conv_match_autograd():
    cnnlib.manual_seed(0)
    conv1, conv2, act = nn.Conv2d(2, 3, 3, padding=1), nn.Conv2d(3, 3, (3, 1), padding=(1, 0)), \
        nn.ReLU()
    model = nn.Sequential(conv1, act, conv2, act, conv2, nn.Tanh()).double()
    tact, tconv2 = tnn.ReLU(), tnn.Conv2d(3, 3, (3, 1), padding=(1, 0))
    tmodel = to_torch(model, tnn.Sequential(tnn.Conv2d(2, 3, 3, padding=1), tact, tconv2, tact,
                                            tconv2, tnn.Tanh()))
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 4))
    g = np.random.default_rng(1).standard_normal((2, 3, 5, 4))
    out = model(x)
    tx = torch.tensor(x, requires_grad=True)
    tout = tmodel(tx)
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-12)
    tout.backward(torch.from_numpy(g))
    assert_grads_equal(model, tmodel, model.backward(g), tx)


def test_interleaved_validation_forward_matches_autograd():
    cnnlib.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8, 3)).double()
    tmodel = to_torch(model, tnn.Sequential(tnn.Conv2d(1, 2, 3), tnn.BatchNorm2d(2), tnn.ReLU(),
                                            tnn.Flatten(), tnn.Linear(8, 3)))
    crit = nn.CrossEntropyLoss()
    rng = np.random.default_rng(2)
    x, x_val, y = rng.standard_normal((4, 1, 4, 4)), rng.standard_normal((4, 1, 4, 4)), \
        np.array([0, 2, 1, 1])
    logits = model(x)
    model(x_val)
    crit(logits, y)
    gx = model.backward(crit.backward())
    tx = torch.tensor(x, requires_grad=True)
    tlogits = tmodel(tx)
    tmodel(torch.from_numpy(x_val))
    torch.nn.functional.cross_entropy(tlogits, torch.from_numpy(y)).backward()
    assert_grads_equal(model, tmodel, gx, tx)
    for name, b in tmodel.named_buffers():                  # both batches updated them
        np.testing.assert_allclose(model.state_dict()[name], b.numpy(), rtol=1e-12)


def test_resnet_basic_block_matches_a_torch_block():
    from cnnlib.models import BasicBlock

    class TorchBasic(tnn.Module):                           # torchvision's BasicBlock
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(3, 3, 3, padding=1, bias=False)
            self.bn1 = tnn.BatchNorm2d(3)
            self.relu = tnn.ReLU()
            self.conv2 = tnn.Conv2d(3, 3, 3, padding=1, bias=False)
            self.bn2 = tnn.BatchNorm2d(3)

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + x)

    cnnlib.manual_seed(2)
    block = BasicBlock(3, 3).double()
    tblock = to_torch(block, TorchBasic())
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 4))
    g = np.random.default_rng(4).standard_normal((2, 3, 4, 4))
    tx = torch.tensor(x, requires_grad=True)
    np.testing.assert_allclose(block(x), tblock(tx).detach().numpy(), rtol=1e-10)
    tblock(tx).backward(torch.from_numpy(g))
    assert_grads_equal(block, tblock, block.backward(g), tx)
