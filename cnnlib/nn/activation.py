"""``ReLU`` as a module: forward and backward from cnnlib's functional core.

Introduced in the chapter "A CNN from scratch".
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array
from ..activations import relu, relu_backward
from .module import Module

__all__ = ["ReLU"]


class ReLU(Module):
    """``max(x, 0)`` element by element, as ``torch.nn.ReLU``.

    ``backward`` passes the gradient where the input was positive and zero
    elsewhere (:func:`cnnlib.relu_backward`).

    Examples
    --------
    >>> import numpy as np
    >>> act = ReLU()
    >>> act(np.array([-1.0, 2.0]))
    array([0., 2.])
    >>> act.backward(np.array([5.0, 5.0]))
    array([0., 5.])
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``relu(x)``, any shape."""
        x = as_array(x, "x", "ReLU")
        self.save_for_backward(x)
        return relu(x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return ``grad_out`` where the input was positive, else 0."""
        (x,) = self.saved_tensors
        return relu_backward(grad_out, x)
