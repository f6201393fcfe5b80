"""Self-checks for the exercises of *Training in practice* (labels ``train-ex-N``)."""

from __future__ import annotations

import math

import numpy as np

from .. import nn
from ..metrics import accuracy_standard_error
from ._core import Exercise, Mistake, register

#: Exercise 2's batch: four one-pixel images (its givens).
BATCH = np.array([1.0, 1.0, 1.0, 5.0])
#: Exercise 5's givens: the final model's test result, the wanted half-width, z for 95 %.
CORRECT, TOTAL, HALF_WIDTH, Z = 356, 360, 0.005, 1.96


def _digits_cnn(**kwargs: object) -> nn.Sequential:
    """``digits_cnn`` with zero weights: counting needs shapes, and cnnlib's seed stays put."""
    from ..models import digits_cnn
    from ..models._init import deferred_init

    with deferred_init():
        return digits_cnn(**kwargs)


def _parameters(**kwargs: object) -> int:
    return sum(p.size for p in _digits_cnn(**kwargs).parameters())


def _without_layer_biases() -> int:
    """The count with the convolutions' and linear layers' biases left out."""
    model = _digits_cnn()
    return _parameters() - sum(layer.bias.size for layer in model
                               if isinstance(layer, nn.Conv2d | nn.Linear))


def _state_dict_size(buffers: tuple[str, ...] = ("running_mean", "running_var",
                                                  "num_batches_tracked")) -> int:
    """Parameters plus the BatchNorm buffers named in ``buffers``."""
    state = _digits_cnn().state_dict()
    extra = sum(np.size(v) for k, v in state.items() if k.rsplit(".", 1)[-1] in buffers)
    return _parameters() + int(extra)


def _unpooled_head() -> int:
    """The count if the first linear layer saw 32 × 4 × 4 inputs (one pooling forgotten)."""
    model = _digits_cnn()
    first = next(layer for layer in model if isinstance(layer, nn.Linear))
    wider = (first.in_features * 4) * first.out_features + first.out_features   # 4x4, not 2x2
    return _parameters() - first.weight.size - first.bias.size + wider


def _batch_norm(train: bool = True) -> tuple[np.ndarray, float, float]:
    """BatchNorm2d(1)'s output on :data:`BATCH`, then its running mean and variance."""
    bn = nn.BatchNorm2d(1).double()
    if not train:
        bn.eval()
    out = bn(BATCH.reshape(-1, 1, 1, 1)).ravel()
    return out, float(bn.running_mean[0]), float(bn.running_var[0])


def _normalised(divide_by: str = "std", ddof: int = 0) -> np.ndarray:
    """The batch normalised by hand in one of the usual wrong ways."""
    centred = BATCH - BATCH.mean()
    var = BATCH.var(ddof=ddof)
    return {"std": centred / np.sqrt(var), "var": centred / var, "none": centred}[divide_by]


def _running(ddof: int = 1, start_var: float = 1.0, new: float = 0.1) -> np.ndarray:
    """Running (mean, var) after one update from (0, start_var), weighting the batch by ``new``."""
    return np.array([(1 - new) * 0.0 + new * BATCH.mean(),
                     (1 - new) * start_var + new * BATCH.var(ddof=ddof)])


def _needed(z: float = Z, p: float | None = None, half: float = HALF_WIDTH,
            z_power: int = 2) -> float:
    """Test images for a half-width ``half``: the interval narrows as 1 / sqrt(n)."""
    spread = (accuracy_standard_error(CORRECT, TOTAL) * math.sqrt(TOTAL) if p is None
              else math.sqrt(p * (1 - p)))          # sqrt(p (1 - p))
    return z ** z_power * spread ** 2 / half ** 2


register(
    Exercise(
        "train-ex-1", "The number of parameters of digits_cnn(), all layers together.",
        _parameters,
        hint="Add each layer's count: convolutions C_out (C_in · 9 + 1), each BatchNorm "
             "2 per channel, linear layers out (in + 1).",
        close_rtol=0.005,
        mistakes=(
            Mistake(lambda: _parameters(batch_norm=False),
                    "That leaves out the two BatchNorm layers: each has a γ (weight) and a "
                    "β (bias) per channel, and both are trained."),
            Mistake(_state_dict_size,
                    "That counts the state_dict: running_mean, running_var and "
                    "num_batches_tracked are buffers, saved but never trained, so they "
                    "are not parameters."),
            Mistake(lambda: _state_dict_size(("running_mean", "running_var")),
                    "running_mean and running_var are buffers, not parameters: the "
                    "optimiser never sees them."),
            Mistake(_without_layer_biases,
                    "Add the biases: one per output channel of each convolution and one "
                    "per output of each linear layer."),
            Mistake(_unpooled_head,
                    "The first linear layer sees 32 · 2 · 2 inputs: both blocks pool, so "
                    "8×8 becomes 4×4 and then 2×2."),
        ),
    ),
    Exercise(
        "train-ex-2a", "The output of a BatchNorm2d(1) in training mode for the batch "
                       "1, 1, 1, 5, as a list of four numbers.",
        lambda: _batch_norm()[0], kind="array", rtol=0.0, atol=1e-3,
        hint="Subtract the batch mean, divide by the square root of the batch variance "
             "(divided by m = 4); γ = 1 and β = 0 at the start.",
        mistakes=(
            Mistake(lambda: _normalised(ddof=1),
                    "That divides by the unbiased standard deviation (sum over m - 1 = 3); "
                    "in training mode BatchNorm normalises with the biased one, divided by "
                    "m = 4."),
            Mistake(lambda: _normalised("var"),
                    "That divides by the variance; divide by its square root, the standard "
                    "deviation."),
            Mistake(lambda: _normalised("none"),
                    "That only subtracts the mean; BatchNorm also divides by the standard "
                    "deviation."),
            Mistake(lambda: _batch_norm(train=False)[0],
                    "That is evaluation mode, which uses the running statistics (mean 0, "
                    "variance 1 at the start); training mode uses the batch's own."),
        ),
    ),
    Exercise(
        "train-ex-2b", "running_mean and running_var after that one forward pass, as "
                       "[mean, var].",
        lambda: np.array(_batch_norm()[1:]), kind="array", rtol=0.0, atol=1e-3,
        hint="r ← 0.9 r + 0.1 b from running_mean = 0 and running_var = 1, with the "
             "unbiased batch variance.",
        mistakes=(
            Mistake(lambda: _running(ddof=0),
                    "The running variance is updated with the unbiased batch variance, "
                    "divided by m - 1 = 3, not by m."),
            Mistake(lambda: _running(new=1.0),
                    "Those are the batch's own statistics; the buffers move only 10 % of "
                    "the way towards them (momentum 0.1)."),
            Mistake(lambda: _running(start_var=0.0),
                    "running_var starts at 1, not 0: r ← 0.9 · 1 + 0.1 b."),
            Mistake(lambda: _running(new=0.9),
                    "The weights are the other way round: the new batch gets 0.1 and the "
                    "old value 0.9."),
        ),
    ),
    Exercise(
        "train-ex-5", "How many test images give a 95 % interval of ±0.5 points at the "
                      "accuracy 356/360 (normal approximation)?",
        _needed, rtol=0.0, atol=0.75,
        hint="Solve 1.96 · sqrt(p (1 - p) / n) = 0.005 for n, with p = 356/360.",
        mistakes=(
            Mistake(lambda: _needed(z=1.0),
                    "That uses z = 1, about a 68 % interval; the 95 % interval needs "
                    "z = 1.96."),
            Mistake(lambda: _needed(z=2.0),
                    "That uses z = 2; with 1.96, as in the chapter, n is 4 % smaller "
                    "(n grows with z²)."),
            Mistake(lambda: _needed(z_power=1),
                    "Square z as well: n = z² p (1 - p) / h²."),
            Mistake(lambda: _needed(p=0.5),
                    "That is the worst case, p = 0.5; use the measured accuracy, "
                    "p = 356/360."),
            Mistake(lambda: _needed(half=HALF_WIDTH / 2),
                    "That makes the whole interval 0.5 points wide; ±0.5 points is a "
                    "half-width of 0.005."),
        ),
    ),
)
