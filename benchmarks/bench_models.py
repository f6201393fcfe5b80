"""How fast are cnnlib's networks?  ResNet-18 and VGG-16 on one image, against PyTorch.

    .venv/bin/python benchmarks/bench_models.py
    PYTHONPATH=. /path/to/venv-with-torch/bin/python benchmarks/bench_models.py

For ResNet-18 and VGG-16 it times, in one run on this machine, the
evaluation-mode forward pass on one 1x3x224x224 float32 image:

- cnnlib's model (``cnnlib.models.resnet18()``, ``vgg16()``);
- the same network in PyTorch, built from the same weights (cnnlib's
  ``state_dict`` loaded into ``torchvision.models``, or, without
  torchvision, into an equivalent network built from ``torch.nn``), if
  PyTorch is importable -- and checks the two outputs agree;
- the floor: the matrix products alone (every convolution's im2col
  product and every dense layer, on arrays that already exist).

It prints ratios of best-of-7 times, not seconds.  Target: cnnlib within 3x
of PyTorch.  On a machine shared with other work, PyTorch's thread pool
suffers most; ``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1`` compares one core
against one core.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

import cnnlib
from cnnlib import models
from cnnlib.summary import summary


def best_times(fns: list[Callable[[], object]], repeat: int = 7) -> list[float]:
    """Best of ``repeat`` timings of each function, after one warm-up call each.

    The functions take turns, so a burst of load from other processes falls
    on all of them alike; the best (not the median) time is the least
    disturbed one on a shared machine.
    """
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def torch_model(name: str, state_dict: dict[str, np.ndarray]):
    """The same network in PyTorch with cnnlib's weights, or None without PyTorch."""
    try:
        import torch
    except ImportError:
        return None
    try:
        import torchvision
        net = getattr(torchvision.models, name)(weights=None)
    except ImportError:
        net = _torch_from_nn(name, torch)
    net.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v))
                         for k, v in state_dict.items()})
    return net.eval()


def _torch_from_nn(name: str, torch):
    """ResNet-18 / VGG-16 from plain torch.nn, with torchvision's module names."""
    nn = torch.nn
    if name == "vgg16":
        layers, c = [], 3
        for v in models.classic.VGG16_CONFIG:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
                c = v

        class VGG(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(*layers)
                self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
                self.classifier = nn.Sequential(
                    nn.Linear(25088, 4096), nn.ReLU(True), nn.Dropout(),
                    nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(), nn.Linear(4096, 1000))

            def forward(self, x):
                return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

        return VGG()

    class Block(nn.Module):
        def __init__(self, cin, c, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c)
            self.downsample = None
            if stride != 1 or cin != c:
                self.downsample = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False),
                                                nn.BatchNorm2d(c))

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class ResNet18(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            cin = 64
            for i, c in enumerate([64, 128, 256, 512], start=1):
                stride = 1 if i == 1 else 2
                setattr(self, f"layer{i}", nn.Sequential(Block(cin, c, stride), Block(c, c, 1)))
                cin = c
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, 1000)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet18()


def matmul_floor(model: cnnlib.nn.Module, x_shape: tuple[int, ...]) -> Callable[[], None]:
    """The matrix products of every convolution and dense layer, on ready-made arrays."""
    s = summary(model, x_shape)
    layers = dict(model.named_modules())
    rng = np.random.default_rng(0)
    products = []
    for row in s:
        m = layers.get(row.name)
        if isinstance(m, cnnlib.nn.Conv2d) and m.groups == 1:
            k = m.weight.data.reshape(m.out_channels, -1)
            cols = rng.standard_normal((k.shape[1], row.output_shape[2] * row.output_shape[3]),
                                       dtype=np.float32)
            products.append((k, cols))
        elif isinstance(m, cnnlib.nn.Linear):
            products.append((rng.standard_normal((1, m.in_features), dtype=np.float32),
                             m.weight.data.T))

    def run() -> None:
        for a, b in products:
            a @ b

    return run


def main() -> None:
    cnnlib.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    print("Evaluation-mode forward pass, one 1x3x224x224 float32 image; ratios of best times.")
    for name in ("resnet18", "vgg16"):
        model = getattr(models, name)().eval()
        net = torch_model(name, model.state_dict())
        fns: list[Callable[[], object]] = [lambda model=model: model(x),
                                           matmul_floor(model, x.shape)]
        if net is not None:
            import torch

            xt = torch.from_numpy(x)

            def run_torch(net=net, xt=xt) -> object:
                with torch.no_grad():
                    return net(xt)

            fns.append(run_torch)
        times = best_times(fns)
        line = f"{name:9s} cnnlib / matmul floor = {times[0] / times[1]:5.2f}x"
        if net is not None:
            diff = float(np.abs(model(x) - run_torch().numpy()).max())
            line += (f"   cnnlib / PyTorch = {times[0] / times[2]:5.2f}x   (PyTorch "
                     f"{torch.__version__}, {torch.get_num_threads()} threads; outputs agree to "
                     f"{diff:.0e})")
        else:
            line += "   (PyTorch not installed)"
        print(line, flush=True)

if __name__ == "__main__":
    main()
