"""One training epoch of the digits network: cnnlib against PyTorch, as a ratio.

    .venv/bin/python benchmarks/bench_train.py
    PYTHONPATH=. /path/to/venv-with-torch/bin/python benchmarks/bench_train.py

The network is the one the chapter "Training in practice" trains on
scikit-learn's 8x8 digits::

    Conv2d(1, 16, 3, padding=1) - BatchNorm2d - ReLU - MaxPool2d(2)
    Conv2d(16, 32, 3, padding=1) - BatchNorm2d - ReLU - MaxPool2d(2)
    Flatten - Linear(128, 64) - ReLU - Linear(64, 10)

One epoch is 1,437 training images in 45 mini-batches of 32, each a full
step: zero the gradients, forward, cross-entropy, backward, Adam update.
PyTorch (CPU), when it is importable, starts from cnnlib's weights (loaded
through ``state_dict``, whose keys the two libraries share) and sees the same
batches in the same order; the first batch's loss is printed from both as a
check that they compute the same thing.

The two libraries run alternately, epoch by epoch, so a machine that gets
busier or quieter during the run affects both alike; the script prints the
median time of each and the median of the per-pair ratios.  It does so twice:
with one thread for every library (cnnlib's BLAS through ``threadpoolctl``,
``torch.set_num_threads(1)``) and with each library's default thread count.
Seconds depend on the machine; ratios mostly do not.  Target: cnnlib within
3x of PyTorch per epoch.

Without scikit-learn (a bare PyTorch environment), random images of the same
shape stand in for the digits: the time of an epoch does not depend on the
pixel values.

Last, unless ``--skip-full`` is given and when scikit-learn and tqdm are
importable, it times the chapter's whole recipe -- 20 epochs of Adam with a
cosine schedule, seed 0, one BLAS thread -- and prints the wall-clock and
CPU time and the test accuracy (target: at least 97 % in under 30 s on two
cores).
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import nullcontext

import numpy as np

import cnnlib
from cnnlib import nn, optim
from cnnlib.models import digits_cnn
from cnnlib.train import DataLoader, train_step

BATCH_SIZE = 32
LR = 2e-3


def digits_or_stand_in() -> tuple[np.ndarray, np.ndarray, str]:
    """The digits' training split, or random arrays of its shape without scikit-learn."""
    try:
        from cnnlib.data import load_digits_split

        X, y, _, _ = load_digits_split()
        return X, y, "scikit-learn digits, 1437 training images"
    except ImportError:
        rng = np.random.default_rng(0)
        X = rng.random((1437, 1, 8, 8), dtype=np.float32)
        y = rng.integers(0, 10, size=1437)
        return X, y, "random stand-in of the digits' shape (scikit-learn not importable)"


def cnnlib_net() -> nn.Sequential:
    return digits_cnn()


def torch_net(torch, state: dict[str, np.ndarray]):
    # The same builder, given torch.nn, makes the same network with the same keys.
    net = digits_cnn(layers=torch.nn)
    net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
    return net


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def blas_threads(n: int | None):
    """A context limiting NumPy's BLAS to ``n`` threads (None: leave the default)."""
    if n is None:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def compare(threads: int | None, X: np.ndarray, y: np.ndarray, torch, repeats: int) -> float:
    label = "1 thread each" if threads == 1 else "each library's default threads"
    batches = list(DataLoader((X, y), batch_size=BATCH_SIZE, shuffle=True, seed=0))

    cnnlib.manual_seed(0)
    model = cnnlib_net()
    start_state = model.state_dict()
    criterion = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=LR)

    def cnnlib_epoch() -> float:
        loss = 0.0
        for xb, yb in batches:
            loss, _ = train_step(model, criterion, opt, xb, yb)
        return loss

    if torch is not None:
        default_torch_threads = torch.get_num_threads()
        torch.set_num_threads(1 if threads == 1 else default_torch_threads)
        tmodel = torch_net(torch, start_state)
        tcriterion = torch.nn.CrossEntropyLoss()
        topt = torch.optim.Adam(tmodel.parameters(), lr=LR)
        tbatches = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in batches]

        def torch_epoch() -> float:
            loss = torch.zeros(())
            for xb, yb in tbatches:
                topt.zero_grad()
                loss = tcriterion(tmodel(xb), yb)
                loss.backward()
                topt.step()
            return float(loss.detach())

        # Same weights, same first batch: the same loss, up to float32 rounding.
        xb, yb = batches[0]
        ours = nn.CrossEntropyLoss()(model(xb), yb)
        with torch.no_grad():
            theirs = float(tcriterion(tmodel(tbatches[0][0]), tbatches[0][1]))
        print(f"  first-batch loss: cnnlib {ours:.6f}, PyTorch {theirs:.6f}")

    with blas_threads(threads):
        cnnlib_epoch()                                     # warm-up
        if torch is not None:
            torch_epoch()
        ours, theirs = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            cnnlib_epoch()
            ours.append(time.perf_counter() - start)
            if torch is not None:
                start = time.perf_counter()
                torch_epoch()
                theirs.append(time.perf_counter() - start)

    print(f"  [{label}] cnnlib: median {statistics.median(ours) * 1e3:.0f} ms per epoch "
          f"of {len(batches)} batches")
    if torch is not None:
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        print(f"  [{label}] PyTorch {torch.__version__}: median "
              f"{statistics.median(theirs) * 1e3:.0f} ms per epoch")
        print(f"  [{label}] cnnlib / PyTorch = {statistics.median(ratios):.2f}x "
              f"(median of {repeats} alternating pairs; target within 3x)")
        torch.set_num_threads(default_torch_threads)
    return statistics.median(ours)


def full_training() -> None:
    """The chapter's whole recipe, timed: 20 epochs, Adam 2e-3, cosine schedule, seed 0."""
    try:
        from cnnlib.data import load_digits_split
        from cnnlib.train import evaluate, fit

        X_train, y_train, X_test, y_test = load_digits_split()
    except ImportError:
        print("full training: skipped (needs scikit-learn and tqdm)")
        return
    cnnlib.manual_seed(0)
    model = cnnlib_net()
    opt = optim.Adam(model.parameters(), lr=LR)
    schedule = optim.CosineAnnealingLR(opt, T_max=20)
    with blas_threads(1):
        wall, cpu = time.perf_counter(), time.process_time()
        fit(model, nn.CrossEntropyLoss(), opt, (X_train, y_train), epochs=20,
            batch_size=BATCH_SIZE, seed=0, scheduler=schedule, progress=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    accuracy = evaluate(model, None, (X_test, y_test))["accuracy"]
    print(f"full training, as in the chapter (20 epochs, one BLAS thread): {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU; test accuracy {accuracy:.1%} (target: at least 97 % in under 30 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per library")
    parser.add_argument("--skip-full", action="store_true",
                        help="skip timing the chapter's full 20-epoch training")
    args = parser.parse_args()
    X, y, source = digits_or_stand_in()
    torch = torch_or_none()
    print(f"data: {source}")
    print("PyTorch: " + ("not importable, cnnlib timed alone" if torch is None
                         else f"{torch.__version__}, CPU"))
    one = compare(1, X, y, torch, args.repeats)
    default = compare(None, X, y, torch, args.repeats)
    print(f"cnnlib, default BLAS threads / one BLAS thread = {default / one:.2f}x "
          "(above 1: threads cost more than they save on these small matrices)")
    if not args.skip_full:
        full_training()


if __name__ == "__main__":
    main()
