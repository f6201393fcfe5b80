"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``.

``MaxPool2d`` and ``AvgPool2d`` call cnnlib's functional core;
``AdaptiveAvgPool2d`` calls :func:`cnnlib.nn.functional.adaptive_avg_pool2d`.
Introduced in the chapters "A CNN from scratch" and "Architectures".
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_ndim, int_pair
from ..pooling import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from .functional import _output_size, adaptive_avg_pool2d, adaptive_avg_pool2d_backward
from .module import Module

__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "MaxPool2d"]


def _check_input(x: object, fn: str) -> np.ndarray:
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    return x


class MaxPool2d(Module):
    """Largest value in each window, as ``torch.nn.MaxPool2d``.

    Parameters
    ----------
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw), optional
        Defaults to ``kernel_size``.
    padding : int or (ph, pw), default 0
    dilation : int or (dh, dw), default 1
    return_indices : False
        Accepted for PyTorch's signature; cnnlib implements only False.
    ceil_mode : bool, default False
        Round the output size up: a last, partial window is kept if it
        starts inside the input or the left padding (PyTorch's rule), so a
        3x3 map pooled 2x2 gives 2x2 instead of 1x1.

    Examples
    --------
    >>> import numpy as np
    >>> pool = MaxPool2d(2)
    >>> pool
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    >>> MaxPool2d(2, ceil_mode=True)(np.arange(9.0).reshape(1, 1, 3, 3))[0, 0]
    array([[4., 5.],
           [7., 8.]])
    """

    def __init__(
        self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
        return_indices: bool = False, ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        fn = "MaxPool2d"
        int_pair(kernel_size, "kernel_size", fn)
        if stride is not None:
            int_pair(stride, "stride", fn)
        int_pair(padding, "padding", fn, minimum=0)
        int_pair(dilation, "dilation", fn)
        if return_indices:
            raise ValueError(f"{fn}: return_indices must be False (cnnlib does not implement it)")
        if not isinstance(ceil_mode, bool):
            raise TypeError(f"{fn}: ceil_mode must be a bool, got {type(ceil_mode).__name__}")
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.ceil_mode = ceil_mode

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, C, H, W) -> (N, C, H_out, W_out)``."""
        x = _check_input(x, "MaxPool2d")
        self.save_for_backward(x)
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Route each window's gradient to the input that won it."""
        (x,) = self.saved_tensors
        return max_pool2d_backward(grad_out, x, self.kernel_size, self.stride, self.padding,
                                   self.dilation, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean of each window, padded zeros counted, as ``torch.nn.AvgPool2d``.

    Parameters
    ----------
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw), optional
        Defaults to ``kernel_size``.
    padding : int or (ph, pw), default 0
    ceil_mode : False, count_include_pad : True, divisor_override : None
        Accepted for PyTorch's signature; only these defaults are implemented.

    Examples
    --------
    >>> import numpy as np
    >>> AvgPool2d(2)(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """

    def __init__(
        self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0, ceil_mode: bool = False,
        count_include_pad: bool = True, divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        fn = "AvgPool2d"
        int_pair(kernel_size, "kernel_size", fn)
        if stride is not None:
            int_pair(stride, "stride", fn)
        int_pair(padding, "padding", fn, minimum=0)
        if ceil_mode or not count_include_pad or divisor_override is not None:
            raise ValueError(
                f"{fn}: only ceil_mode=False, count_include_pad=True, divisor_override=None "
                "are implemented"
            )
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, C, H, W) -> (N, C, H_out, W_out)``."""
        x = _check_input(x, "AvgPool2d")
        self.save_for_backward(x)
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Spread each window's gradient evenly over its kh*kw inputs."""
        (x,) = self.saved_tensors
        return avg_pool2d_backward(grad_out, x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed output size, any input size, as ``torch.nn.AdaptiveAvgPool2d``.

    Output cell ``i`` along an axis of input length ``L`` and output length
    ``out`` averages positions ``floor(i*L/out)`` to ``ceil((i+1)*L/out) - 1``
    (PyTorch's bins; see :func:`cnnlib.nn.functional.adaptive_bins`).

    Parameters
    ----------
    output_size : int or (h_out, w_out)
        ``None`` for a side keeps the input's size there.  ``1`` is global
        average pooling that keeps the ``(N, C, 1, 1)`` shape.

    Examples
    --------
    >>> import numpy as np
    >>> AdaptiveAvgPool2d(1)(np.arange(8.0).reshape(1, 2, 2, 2)).ravel()
    array([1.5, 5.5])
    """

    def __init__(self, output_size: int | tuple[int | None, int | None]) -> None:
        super().__init__()
        _output_size(output_size, 1, 1, "AdaptiveAvgPool2d")   # validates
        self.output_size = output_size

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, C, H, W) -> (N, C, h_out, w_out)``."""
        x = _check_input(x, "AdaptiveAvgPool2d")
        self.save_for_backward(x)
        return adaptive_avg_pool2d(x, self.output_size)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Spread each cell's gradient evenly over its window."""
        (x,) = self.saved_tensors
        return adaptive_avg_pool2d_backward(grad_out, x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
