"""``Dropout``: inverted dropout, the identity in evaluation mode.

Introduced in the chapter "Training in practice".
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import as_array
from ..random import default_generator
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each value with probability ``p`` and scale the rest by ``1/(1-p)``.

    Scaling during training ("inverted" dropout, as ``torch.nn.Dropout``)
    keeps every value's expectation unchanged, so evaluation mode is simply
    the identity.  Masks come from cnnlib's global generator, so
    :func:`cnnlib.manual_seed` makes them reproducible.

    Parameters
    ----------
    p : float, default 0.5
        Probability of zeroing a value, in [0, 1].
    inplace : False
        Accepted for PyTorch's signature; cnnlib never works in place.

    Attributes
    ----------
    mask : ndarray or None
        The last call's mask, already scaled: 0 or ``1/(1-p)`` (None after
        an identity pass).  Each call keeps its own mask for its backward.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnlib.random import manual_seed
    >>> drop = Dropout(p=0.5)
    >>> _ = manual_seed(0)
    >>> y = drop(np.ones(6))
    >>> sorted(set(y.tolist()))                     # dropped, or kept and doubled
    [0.0, 2.0]
    >>> drop.eval()(np.ones(3))                     # the identity in evaluation mode
    array([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        if inplace:
            raise ValueError("Dropout: inplace must be False (cnnlib never works in place)")
        self.p = float(p)
        self.inplace = False
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Training: ``x * mask``; evaluation: ``x`` unchanged."""
        x = as_array(x, "x", "Dropout")
        if not self.training or self.p == 0:
            self.mask = None
        elif self.p == 1:
            self.mask = np.zeros_like(x)
        else:
            keep = default_generator().random(x.shape) >= self.p   # True with probability 1 - p
            self.mask = keep.astype(x.dtype) * x.dtype.type(1 / (1 - self.p))
        self.save_for_backward(self.mask)
        return x if self.mask is None else x * self.mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Multiply by the same call's mask (the identity if that call was)."""
        (mask,) = self.saved_tensors
        return grad_out if mask is None else grad_out * mask

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
