"""Stochastic depth: randomly drop a residual branch while training.

Huang et al. (2016) train very deep residual networks faster and better by
skipping whole residual branches at random: a block whose branch is dropped
passes its input through the shortcut alone.  EfficientNet drops each
block's branch with a probability that grows linearly with depth.  This is
``torchvision.ops.stochastic_depth`` and ``torchvision.ops.StochasticDepth``:
in ``'row'`` mode every example in the batch gets its own coin; survivors
are scaled by ``1 / (1 - p)`` (so the expectation is unchanged and
evaluation mode is the identity).  The coins come from cnnlib's global
generator, so :func:`cnnlib.manual_seed` makes them reproducible.
Introduced in the chapter "Architectures".
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import as_array
from ..random import default_generator
from .module import Module

__all__ = ["StochasticDepth", "stochastic_depth"]

_MODES = ("row", "batch")


def _check(p: object, mode: object, fn: str) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{fn}: p must be a probability in [0, 1], got {p!r}")
    if mode not in _MODES:
        raise ValueError(f"{fn}: mode must be 'row' or 'batch', got {mode!r}")
    return float(p)


def _mask(x: np.ndarray, p: float, mode: str, generator: np.random.Generator | None) -> np.ndarray:
    """The scaled keep-mask: shape (N, 1, 1, 1) for 'row', (1, 1, 1, 1) for 'batch'."""
    rng = default_generator() if generator is None else generator
    shape = (x.shape[0],) + (1,) * (x.ndim - 1) if mode == "row" else (1,) * x.ndim
    keep = rng.random(shape) >= p                    # True with probability 1 - p
    survival = 1.0 - p
    scale = 1.0 / survival if survival > 0 else 0.0
    return keep.astype(x.dtype) * x.dtype.type(scale)


def stochastic_depth(
    x: np.ndarray, p: float, mode: str = "row", training: bool = True,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    """Zero whole examples (``'row'``) or the whole batch (``'batch'``) with probability ``p``.

    As ``torchvision.ops.stochastic_depth``: in training, the survivors are
    scaled by ``1 / (1 - p)``; outside training, or with ``p == 0``, ``x``
    is returned unchanged.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    x : ndarray, shape (N, ...)
        Usually a residual branch's output, (N, C, H, W).
    p : float
        Probability of dropping, in [0, 1].
    mode : {'row', 'batch'}, default 'row'
        ``'row'``: one coin per example; ``'batch'``: one coin for all.
    training : bool, default True
    generator : numpy.random.Generator, optional
        Defaults to cnnlib's global generator.

    Returns
    -------
    ndarray, shape and dtype of ``x``

    Examples
    --------
    >>> x = np.ones((4, 1, 1, 1))
    >>> y = stochastic_depth(x, 0.5, generator=np.random.default_rng(0))
    >>> sorted(set(y.ravel().tolist()))             # dropped, or kept and doubled
    [0.0, 2.0]
    >>> stochastic_depth(x, 0.5, training=False) is x
    True
    """
    fn = "stochastic_depth"
    p = _check(p, mode, fn)
    x = as_array(x, "x", fn)
    if not training or p == 0:
        return x
    return x * _mask(x, p, mode, generator)


class StochasticDepth(Module):
    """Drop a residual branch per example while training, as ``torchvision.ops.StochasticDepth``.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    p : float
        Probability of dropping, in [0, 1].
    mode : {'row', 'batch'}
        ``'row'`` (what torchvision's EfficientNet uses) draws one coin per
        example of the batch.

    Attributes
    ----------
    mask : ndarray or None
        The last call's mask, shape (N, 1, 1, 1) for ``'row'``, already
        scaled: 0 or ``1/(1-p)``.  None after an identity pass.  Each call
        keeps its own mask for its backward.

    Examples
    --------
    >>> from cnnlib.random import manual_seed
    >>> sd = StochasticDepth(0.5, "row")
    >>> sd
    StochasticDepth(p=0.5, mode=row)
    >>> _ = manual_seed(1)
    >>> y = sd(np.ones((6, 2, 1, 1)))
    >>> sd.mask.shape, sorted(set(y.ravel().tolist()))
    ((6, 1, 1, 1), [0.0, 2.0])
    >>> sd.eval()(np.ones(2)).tolist()             # the identity in evaluation mode
    [1.0, 1.0]
    """

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        self.p = _check(p, mode, "StochasticDepth")
        self.mode = mode
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Training: ``x * mask``; evaluation (or ``p == 0``): ``x`` unchanged."""
        x = as_array(x, "x", "StochasticDepth")
        if not self.training or self.p == 0:
            self.mask = None
        else:
            self.mask = _mask(x, self.p, self.mode, None)
        self.save_for_backward(self.mask)
        return x if self.mask is None else x * self.mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Multiply by the same call's mask (the identity if that call was)."""
        (mask,) = self.saved_tensors
        return grad_out if mask is None else grad_out * mask

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"
