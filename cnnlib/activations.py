"""Element-wise activations and their derivatives.

Each ``f`` has an ``f_backward(grad_out, x)`` that returns
``grad_out * f'(x)``, the chain rule for an element-wise function.  Names and
conventions follow ``torch.nn.functional``.  Introduced in the chapter *ReLU*.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_array

__all__ = [
    "relu",
    "relu_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "tanh",
    "tanh_backward",
    "gelu",
    "gelu_backward",
    "relu6",
    "relu6_backward",
    "silu",
    "silu_backward",
]


def _grad_pair(grad_out: object, x: object, fn: str) -> tuple[np.ndarray, np.ndarray]:
    grad_out = as_array(grad_out, "grad_out", fn)
    x = as_array(x, "x", fn)
    if grad_out.shape != x.shape:
        raise ValueError(
            f"{fn}: grad_out must have x's shape {tuple(x.shape)}, got {tuple(grad_out.shape)}"
        )
    return grad_out, x


def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit, ``max(x, 0)``, element-wise.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``x``

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = as_array(x, "x", "relu")
    return np.maximum(x, 0).astype(x.dtype, copy=False)


def relu_backward(grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient through :func:`relu`: 0 where ``x <= 0``, else ``grad_out``.

    PyTorch's rule (``threshold_backward``): the gradient is zeroed where the
    input is at most 0 and passed on everywhere else.  So at exactly
    ``x == 0`` it is 0, and at ``x = NaN`` (where ``NaN <= 0`` is false) the
    gradient passes through, as in PyTorch.

    Parameters
    ----------
    grad_out : ndarray, same shape as ``x``
    x : ndarray
        The forward pass's input.

    Returns
    -------
    ndarray, same shape as ``x``

    Examples
    --------
    >>> relu_backward(np.ones(4), np.array([-1.0, 0.0, 2.0, np.nan]))
    array([0., 0., 1., 1.])
    """
    grad_out, x = _grad_pair(grad_out, x, "relu_backward")
    return np.where(x <= 0, 0, grad_out).astype(np.result_type(grad_out, x), copy=False)


def leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    Parameters
    ----------
    x : ndarray, any shape
    negative_slope : float
        Slope used where ``x <= 0`` (PyTorch's default 0.01).

    Returns
    -------
    ndarray, same shape and dtype as ``x``

    Examples
    --------
    >>> leaky_relu(np.array([-2.0, 3.0]), 0.1)
    array([-0.2,  3. ])
    """
    x = as_array(x, "x", "leaky_relu")
    return np.where(x > 0, x, negative_slope * x).astype(x.dtype, copy=False)


def leaky_relu_backward(
    grad_out: np.ndarray, x: np.ndarray, negative_slope: float = 0.01
) -> np.ndarray:
    """Gradient through :func:`leaky_relu` (slope ``negative_slope`` at ``x <= 0``).

    Parameters
    ----------
    grad_out : ndarray, same shape as ``x``
        Gradient of the loss with respect to the function's output.
    x : ndarray
        The forward pass's input.
    negative_slope : float
        Slope used where ``x <= 0`` (PyTorch's default 0.01).

    Returns
    -------
    ndarray, same shape as ``x``
    """
    grad_out, x = _grad_pair(grad_out, x, "leaky_relu_backward")
    return np.where(x > 0, grad_out, negative_slope * grad_out).astype(grad_out.dtype, copy=False)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-x))``, computed without overflow.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``x``

    Examples
    --------
    >>> sigmoid(np.array([0.0, 1000.0, -1000.0]))
    array([0.5, 1. , 0. ])
    """
    x = as_array(x, "x", "sigmoid")
    # exp of a large positive number overflows; exp(-|x|) never does.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sigmoid_backward(grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient through :func:`sigmoid`: ``grad_out * s (1 - s)``, at most ``grad_out / 4``.

    Parameters
    ----------
    grad_out : ndarray, same shape as ``x``
        Gradient of the loss with respect to the function's output.
    x : ndarray
        The forward pass's input.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    grad_out, x = _grad_pair(grad_out, x, "sigmoid_backward")
    s = sigmoid(x)
    return grad_out * s * (1 - s)


def tanh(x: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, element-wise.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``x``
    """
    x = as_array(x, "x", "tanh")
    return np.tanh(x)


def tanh_backward(grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient through :func:`tanh`: ``grad_out * (1 - tanh(x)**2)``.

    Parameters
    ----------
    grad_out : ndarray, same shape as ``x``
        Gradient of the loss with respect to the function's output.
    x : ndarray
        The forward pass's input.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    grad_out, x = _grad_pair(grad_out, x, "tanh_backward")
    return grad_out * (1 - np.tanh(x) ** 2)


# ---------------------------------------------------------------------- erf, vectorised
# NumPy has no erf ufunc, and calling math.erf once per element is slow (a
# Python call per value).  Instead, erf is expanded as a Taylor polynomial
# around the centres 0, 1/32, 2/32, ..., 6, each used within 1/64 of its
# centre.  The coefficients need nothing but math.erf and Hermite
# polynomials, because every derivative of erf is a Hermite polynomial times
# a Gaussian:
#
#     erf'(x) = 2/sqrt(pi) * exp(-x**2),
#     erf^(k)(x) = 2/sqrt(pi) * (-1)**(k-1) * H_{k-1}(x) * exp(-x**2)   (k >= 1),
#
# with H_0 = 1, H_1 = 2x, H_{n+1} = 2x H_n - 2n H_{n-1}.  Degree 8 on a
# half-width of 1/64 leaves a truncation error near 1e-19, so the result is
# within a few float64 roundings of math.erf; beyond 6, erf is 1 in float64.
_ERF_STEP = 1.0 / 32.0
_ERF_MAX = 6.0
_ERF_DEGREE = 8
_ERF_CHUNK = 16384          # values per pass: the Horner loop stays in the CPU cache


def _erf_taylor_table() -> np.ndarray:
    """``table[k, i]``: the k-th Taylor coefficient of erf at centre ``i * _ERF_STEP``."""
    c = np.arange(round(_ERF_MAX / _ERF_STEP) + 1) * _ERF_STEP
    table = np.empty((_ERF_DEGREE + 1, c.size))
    table[0] = [math.erf(v) for v in c]
    gauss = 2.0 / math.sqrt(math.pi) * np.exp(-c * c)
    h_prev, h = np.zeros_like(c), np.ones_like(c)              # H_{-1} (unused), H_0
    for k in range(1, _ERF_DEGREE + 1):                         # h is H_{k-1}(c)
        table[k] = (-1) ** (k - 1) * h * gauss / math.factorial(k)
        h_prev, h = h, 2 * c * h - 2 * (k - 1) * h_prev
    return table


_ERF_TABLE = _erf_taylor_table()


def _erf(z: np.ndarray) -> np.ndarray:
    """The error function of every element, as float64 (within ~4e-16 of math.erf)."""
    z = np.asarray(z, dtype=np.float64)
    flat = z.ravel()
    out = np.empty(flat.shape)
    for start in range(0, flat.size, _ERF_CHUNK):
        zc = flat[start : start + _ERF_CHUNK]
        a = np.abs(zc)
        i = np.rint(np.fmin(a, _ERF_MAX) / _ERF_STEP).astype(np.intp)   # nearest centre
        t = np.minimum(a, _ERF_MAX) - i * _ERF_STEP      # |t| <= 1/64; NaN stays NaN
        acc = _ERF_TABLE[_ERF_DEGREE].take(i, mode="clip")
        for k in range(_ERF_DEGREE - 1, -1, -1):           # Horner
            acc *= t
            acc += _ERF_TABLE[k].take(i, mode="clip")
        np.copysign(acc, zc, out=out[start : start + _ERF_CHUNK])   # erf is odd
    return out.reshape(z.shape)


def gelu(x: np.ndarray) -> np.ndarray:
    """Gaussian error linear unit, ``x * Phi(x)`` with the exact normal CDF.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``x``

    Examples
    --------
    >>> np.round(gelu(np.array([-1.0, 0.0, 1.0])), 4)
    array([-0.1587,  0.    ,  0.8413])
    """
    x = as_array(x, "x", "gelu")
    cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
    return (x * cdf).astype(x.dtype, copy=False)


def gelu_backward(grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient through :func:`gelu`: ``grad_out * (Phi(x) + x * phi(x))``.

    Parameters
    ----------
    grad_out : ndarray, same shape as ``x``
        Gradient of the loss with respect to the function's output.
    x : ndarray
        The forward pass's input.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    grad_out, x = _grad_pair(grad_out, x, "gelu_backward")
    cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
    pdf = np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    return (grad_out * (cdf + x * pdf)).astype(np.result_type(grad_out, x), copy=False)


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
    PyTorch does; at ``x = NaN`` it passes through (PyTorch zeroes only where
    ``x <= 0`` or ``x >= 6``).

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
    grad_out, x = _grad_pair(grad_out, x, "relu6_backward")
    return np.where((x <= 0) | (x >= 6), 0, grad_out).astype(grad_out.dtype, copy=False)


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
    grad_out, x = _grad_pair(grad_out, x, "silu_backward")
    s = sigmoid(x)
    return grad_out * s * (1 + x * (1 - s))
