"""Weight initialisation, as ``torch.nn.init``; draws from cnnlib's global generator.

PyTorch initialises ``Conv2d`` and ``Linear`` weights with
``kaiming_uniform_(w, a=sqrt(5))``.  With that ``a`` the gain is
``sqrt(2 / (1 + 5)) = sqrt(1/3)`` and the bound ``gain * sqrt(3 / fan_in)``
simplifies to ``1 / sqrt(fan_in)``: every weight starts in
``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, and so does every bias.  Introduced
in the chapter "A CNN from scratch".
"""

from __future__ import annotations

import math

import numpy as np

from ..random import default_generator
from .module import Parameter

__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "zeros_",
]


def calculate_fan_in_and_fan_out(shape: tuple[int, ...]) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of this shape, PyTorch's rule.

    For ``(out, in, *kernel)`` the fan-in is ``in * prod(kernel)`` and the
    fan-out ``out * prod(kernel)``; a ``Linear`` weight ``(out, in)`` has no
    kernel.

    Examples
    --------
    >>> calculate_fan_in_and_fan_out((3, 1, 3, 3))
    (9, 27)
    """
    if len(shape) < 2:
        raise ValueError(
            f"calculate_fan_in_and_fan_out: a weight needs at least 2 dimensions, got shape {shape}"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain: 1 for linear, sqrt(2) for relu, sqrt(2/(1+a^2)) for leaky_relu.

    Examples
    --------
    >>> round(calculate_gain("leaky_relu", math.sqrt(5)) ** 2, 6)
    0.333333
    """
    if nonlinearity in ("linear", "conv2d", "sigmoid"):
        return 1.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _array(tensor: Parameter | np.ndarray) -> np.ndarray:
    return tensor.data if isinstance(tensor, Parameter) else tensor


def uniform_(
    tensor: Parameter | np.ndarray, a: float = 0.0, b: float = 1.0,
    generator: np.random.Generator | None = None,
) -> Parameter | np.ndarray:
    """Fill ``tensor`` in place with draws from U(a, b); return it.

    Parameters
    ----------
    tensor : Parameter or ndarray (floating)
    a, b : float
        The interval.
    generator : numpy.random.Generator, optional
        Defaults to cnnlib's global generator (see :func:`cnnlib.manual_seed`).
    """
    rng = default_generator() if generator is None else generator
    arr = _array(tensor)
    arr[...] = rng.uniform(a, b, size=arr.shape)
    return tensor


def kaiming_uniform_(
    tensor: Parameter | np.ndarray, a: float = 0.0, mode: str = "fan_in",
    nonlinearity: str = "leaky_relu", generator: np.random.Generator | None = None,
) -> Parameter | np.ndarray:
    """He-uniform initialisation in place: U(-bound, bound), ``bound = gain * sqrt(3 / fan)``.

    Parameters
    ----------
    tensor : Parameter or ndarray, shape (out, in, *kernel)
    a : float
        The negative slope fed to :func:`calculate_gain` for ``leaky_relu``.
    mode : {'fan_in', 'fan_out'}
    nonlinearity : str
    generator : numpy.random.Generator, optional

    Examples
    --------
    >>> w = np.zeros((3, 1, 3, 3))
    >>> _ = kaiming_uniform_(w, a=math.sqrt(5), generator=np.random.default_rng(0))
    >>> bool(np.abs(w).max() <= 1 / 3)      # fan_in = 9, bound = 1/sqrt(9)
    True
    """
    arr = _array(tensor)
    fan_in, fan_out = calculate_fan_in_and_fan_out(arr.shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def _standard_normal_into(arr: np.ndarray, rng: np.random.Generator) -> None:
    """Fill ``arr`` with N(0, 1) draws in its own dtype (float32 draws stay float32)."""
    if arr.dtype in (np.float32, np.float64) and arr.flags.c_contiguous:
        rng.standard_normal(out=arr, dtype=arr.dtype)
    else:
        arr[...] = rng.standard_normal(arr.shape)


def normal_(
    tensor: Parameter | np.ndarray, mean: float = 0.0, std: float = 1.0,
    generator: np.random.Generator | None = None,
) -> Parameter | np.ndarray:
    """Fill ``tensor`` in place with draws from N(mean, std**2); return it.

    A float32 array is filled with float32 draws directly (no float64
    temporary), which is what keeps building VGG-16's 138 million weights
    to seconds.

    Parameters
    ----------
    tensor : Parameter or ndarray (floating)
    mean, std : float
    generator : numpy.random.Generator, optional
        Defaults to cnnlib's global generator (see :func:`cnnlib.manual_seed`).

    Examples
    --------
    >>> w = np.zeros(10_000, dtype=np.float32)
    >>> _ = normal_(w, 0.0, 0.01, generator=np.random.default_rng(0))
    >>> w.dtype, round(float(w.std()), 3)
    (dtype('float32'), 0.01)
    """
    rng = default_generator() if generator is None else generator
    arr = _array(tensor)
    _standard_normal_into(arr, rng)
    if std != 1:
        arr *= std
    if mean != 0:
        arr += mean
    return tensor


def kaiming_normal_(
    tensor: Parameter | np.ndarray, a: float = 0.0, mode: str = "fan_in",
    nonlinearity: str = "leaky_relu", generator: np.random.Generator | None = None,
) -> Parameter | np.ndarray:
    """He-normal initialisation in place: N(0, std**2), ``std = gain / sqrt(fan)``.

    torchvision's ResNet, MobileNet-v2, EfficientNet and VGG initialise
    every convolution with ``kaiming_normal_(w, mode="fan_out",
    nonlinearity="relu")``: ``std = sqrt(2 / (C_out * kh * kw))``.

    Parameters
    ----------
    tensor : Parameter or ndarray, shape (out, in, *kernel)
    a : float
        The negative slope fed to :func:`calculate_gain` for ``leaky_relu``.
    mode : {'fan_in', 'fan_out'}
    nonlinearity : str
    generator : numpy.random.Generator, optional

    Examples
    --------
    >>> w = np.zeros((64, 3, 7, 7), dtype=np.float32)
    >>> _ = kaiming_normal_(w, mode="fan_out", nonlinearity="relu",
    ...                     generator=np.random.default_rng(0))
    >>> round(float(w.std()) / math.sqrt(2 / (64 * 49)), 1)
    1.0
    """
    arr = _array(tensor)
    fan_in, fan_out = calculate_fan_in_and_fan_out(arr.shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_normal_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def zeros_(tensor: Parameter | np.ndarray) -> Parameter | np.ndarray:
    """Fill with zeros in place; return it."""
    _array(tensor)[...] = 0
    return tensor


def ones_(tensor: Parameter | np.ndarray) -> Parameter | np.ndarray:
    """Fill with ones in place; return it."""
    _array(tensor)[...] = 1
    return tensor
