"""More activation modules: ``ReLU6``, ``SiLU``, ``Sigmoid`` and ``Tanh``.

``ReLU6`` is MobileNet-v2's activation (a ReLU capped at 6, which keeps
low-precision arithmetic in range), ``SiLU`` (also called swish) is
EfficientNet's, ``Sigmoid`` gates squeeze-and-excitation, and ``Tanh`` is
LeNet-5's.  Each mirrors its ``torch.nn`` namesake; each ``backward`` returns
``grad_out * f'(x)``.  Sigmoid and tanh come from :mod:`cnnlib.activations`;
the two one-line formulas that module does not have, ``relu6`` and ``silu``,
are here with their derivatives.  Introduced in the chapter "Architectures".
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array
from ..activations import sigmoid, sigmoid_backward, tanh, tanh_backward
from .module import Module

__all__ = [
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Tanh",
    "relu6",
    "relu6_backward",
    "silu",
    "silu_backward",
]


def _check_grad(grad_out: object, x: np.ndarray, fn: str) -> np.ndarray:
    grad_out = as_array(grad_out, "grad_out", fn)
    if grad_out.shape != x.shape:
        raise ValueError(
            f"{fn}: grad_out must have the input's shape {tuple(x.shape)}, "
            f"got {tuple(grad_out.shape)}"
        )
    return grad_out


def relu6(x: np.ndarray) -> np.ndarray:
    """``min(max(x, 0), 6)`` element-wise, as ``torch.nn.functional.relu6``.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``x``

    Examples
    --------
    >>> relu6(np.array([-1.0, 3.0, 9.0]))
    array([0., 3., 6.])
    """
    x = as_array(x, "x", "relu6")
    return np.clip(x, 0, 6).astype(x.dtype, copy=False)


def relu6_backward(grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient through :func:`relu6`: ``grad_out`` where ``0 < x < 6``, else 0.

    At the two kinks (x = 0 and x = 6) the gradient is taken as 0, as
    PyTorch does.

    Parameters
    ----------
    grad_out, x : ndarray, same shape

    Returns
    -------
    ndarray, shape of ``x``

    Examples
    --------
    >>> relu6_backward(np.ones(3), np.array([-1.0, 3.0, 9.0]))
    array([0., 1., 0.])
    """
    x = as_array(x, "x", "relu6_backward")
    grad_out = _check_grad(grad_out, x, "relu6_backward")
    return np.where((x > 0) & (x < 6), grad_out, 0).astype(grad_out.dtype, copy=False)


def silu(x: np.ndarray) -> np.ndarray:
    """Sigmoid-weighted linear unit ``x * sigmoid(x)`` (swish), as ``torch.nn.functional.silu``.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``x``

    Examples
    --------
    >>> np.round(silu(np.array([-1.0, 0.0, 2.0])), 4)
    array([-0.2689,  0.    ,  1.7616])
    """
    x = as_array(x, "x", "silu")
    return x * sigmoid(x)


def silu_backward(grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient through :func:`silu`: ``grad_out * s * (1 + x * (1 - s))`` with ``s = sigmoid(x)``.

    Parameters
    ----------
    grad_out, x : ndarray, same shape

    Returns
    -------
    ndarray, shape of ``x``

    Examples
    --------
    >>> silu_backward(np.ones(1), np.zeros(1))      # s = 1/2 at 0
    array([0.5])
    """
    x = as_array(x, "x", "silu_backward")
    grad_out = _check_grad(grad_out, x, "silu_backward")
    s = sigmoid(x)
    return grad_out * s * (1 + x * (1 - s))


class _Elementwise(Module):
    """An activation: cache the input, apply ``f``; backward applies ``f'``."""

    def __init__(self) -> None:
        super().__init__()
        self._cache: np.ndarray | None = None

    def _f(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _df(self, grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation element by element; any shape."""
        x = as_array(x, "x", type(self).__name__)
        self._cache = x
        return self._f(x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return ``grad_out * f'(x)`` for the input of the last forward pass."""
        return self._df(grad_out, self._cached("backward"))


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
