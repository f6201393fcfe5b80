"""``flatten``: ``(N, C, H, W) -> (N, C*H*W)`` with explicit sizes, for the models' heads.

``x.reshape(x.shape[0], -1)`` fails on an empty batch (N = 0: NumPy cannot
infer the -1 of a size-0 array); PyTorch's ``torch.flatten(x, 1)`` returns
an empty ``(0, C*H*W)`` result, and so does this.
"""

from __future__ import annotations

import math

import numpy as np


def flatten(x: np.ndarray) -> np.ndarray:
    """Merge every axis after the first: ``(N, ...) -> (N, prod(...))``.

    Examples
    --------
    >>> flatten(np.zeros((0, 3, 2, 2))).shape
    (0, 12)
    """
    return x.reshape(x.shape[0], math.prod(x.shape[1:]))
