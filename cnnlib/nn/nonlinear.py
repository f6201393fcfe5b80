"""More activation modules: ``ReLU6``, ``SiLU``, ``Sigmoid`` and ``Tanh``.

``ReLU6`` is MobileNet-v2's activation (a ReLU capped at 6, which keeps
low-precision arithmetic in range), ``SiLU`` (also called swish) is
EfficientNet's, ``Sigmoid`` gates squeeze-and-excitation, and ``Tanh`` is
LeNet-5's.  Each mirrors its ``torch.nn`` namesake; each ``backward`` returns
``grad_out * f'(x)``.  The formulas and their derivatives live in :mod:`cnnlib.activations`; these
classes only save the input and call them.  Introduced in the chapter
"Architectures".
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array
from ..activations import (
    relu6,
    relu6_backward,
    sigmoid,
    sigmoid_backward,
    silu,
    silu_backward,
    tanh,
    tanh_backward,
)
from .module import Module

__all__ = ["ReLU6", "SiLU", "Sigmoid", "Tanh"]


class _Elementwise(Module):
    """An activation: save the input, apply ``f``; backward applies ``f'``."""

    def _f(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _df(self, grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation element by element; any shape."""
        x = as_array(x, "x", type(self).__name__)
        self.save_for_backward(x)
        return self._f(x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return ``grad_out * f'(x)`` for the input of the call being backpropagated."""
        (x,) = self.saved_tensors
        return self._df(grad_out, x)


class ReLU6(_Elementwise):
    """``min(max(x, 0), 6)``, as ``torch.nn.ReLU6``: MobileNet-v2's activation.

    Examples
    --------
    >>> act = ReLU6()
    >>> act(np.array([-1.0, 3.0, 9.0]))
    array([0., 3., 6.])
    >>> act.backward(np.ones(3))
    array([0., 1., 0.])
    """

    def _f(self, x: np.ndarray) -> np.ndarray:
        return relu6(x)

    def _df(self, grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
        return relu6_backward(grad_out, x)


class SiLU(_Elementwise):
    """``x * sigmoid(x)`` (swish), as ``torch.nn.SiLU``: EfficientNet's activation.

    Examples
    --------
    >>> act = SiLU()
    >>> np.round(act(np.array([0.0, 2.0])), 4)
    array([0.    , 1.7616])
    >>> act.backward(np.ones(2))[0]
    np.float64(0.5)
    """

    def _f(self, x: np.ndarray) -> np.ndarray:
        return silu(x)

    def _df(self, grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
        return silu_backward(grad_out, x)


class Sigmoid(_Elementwise):
    """``1 / (1 + exp(-x))``, as ``torch.nn.Sigmoid``: the gate of squeeze-and-excitation.

    Examples
    --------
    >>> act = Sigmoid()
    >>> act(np.array([0.0]))
    array([0.5])
    >>> act.backward(np.array([1.0]))               # s (1 - s) = 1/4
    array([0.25])
    """

    def _f(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(x)

    def _df(self, grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
        return sigmoid_backward(grad_out, x)


class Tanh(_Elementwise):
    """Hyperbolic tangent, as ``torch.nn.Tanh``: LeNet-5's activation.

    Examples
    --------
    >>> act = Tanh()
    >>> act(np.array([0.0]))
    array([0.])
    >>> act.backward(np.array([2.0]))               # 1 - tanh(0)^2 = 1
    array([2.])
    """

    def _f(self, x: np.ndarray) -> np.ndarray:
        return tanh(x)

    def _df(self, grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
        return tanh_backward(grad_out, x)
