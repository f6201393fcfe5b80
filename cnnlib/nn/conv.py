"""``Conv2d``: a convolution layer that owns its weights, as ``torch.nn.Conv2d``.

The arithmetic is cnnlib's functional core: ``forward`` calls
:func:`cnnlib.conv2d` and ``backward`` calls :func:`cnnlib.conv2d_backward`.
Introduced in the chapter "A CNN from scratch".
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_array, check_ndim, int_pair, positive_int
from ..conv import conv2d, conv2d_backward
from . import init
from .module import Module, Parameter

__all__ = ["Conv2d"]


class Conv2d(Module):
    """2-D convolution layer with weight ``(C_out, C_in // groups, kh, kw)`` and bias ``(C_out,)``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw), default 1
    padding : int, (ph, pw), 'valid' or 'same', default 0
        ``'same'`` keeps H and W (stride 1 only); an even kernel gets its
        extra zero at the bottom/right, as in PyTorch.
    dilation : int or (dh, dw), default 1
    groups : int, default 1
        ``groups == in_channels`` makes a depthwise convolution.
    bias : bool, default True
    padding_mode : 'zeros'
        The only mode cnnlib implements.
    dtype : numpy dtype, default float32
        PyTorch's default dtype; ``.double()`` converts later.

    Attributes
    ----------
    weight : Parameter, shape (out_channels, in_channels // groups, kh, kw)
        Initialised U(-1/sqrt(fan_in), 1/sqrt(fan_in)), ``fan_in =
        in_channels // groups * kh * kw`` (PyTorch's ``kaiming_uniform_``
        with ``a = sqrt(5)``).
    bias : Parameter, shape (out_channels,), or None
        Same distribution.

    Examples
    --------
    >>> import numpy as np
    >>> conv = Conv2d(1, 3, 3)
    >>> conv
    Conv2d(1, 3, kernel_size=(3, 3), stride=(1, 1))
    >>> conv(np.zeros((2, 1, 8, 8), dtype=np.float32)).shape
    (2, 3, 6, 6)
    >>> conv.weight.size + conv.bias.size
    30
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
        dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True,
        padding_mode: str = "zeros", dtype: object = None,
    ) -> None:
        super().__init__()
        fn = "Conv2d"
        self.in_channels = positive_int(in_channels, "in_channels", fn)
        self.out_channels = positive_int(out_channels, "out_channels", fn)
        self.kernel_size = int_pair(kernel_size, "kernel_size", fn)
        self.stride = int_pair(stride, "stride", fn)
        self.dilation = int_pair(dilation, "dilation", fn)
        self.groups = positive_int(groups, "groups", fn)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(
                    f"{fn}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}"
                )
            if padding == "same" and self.stride != (1, 1):
                raise ValueError(f"{fn}: padding='same' needs stride 1, got stride={self.stride}")
            self.padding: tuple[int, int] | str = padding
        else:
            self.padding = int_pair(padding, "padding", fn, minimum=0)
        if padding_mode != "zeros":
            raise ValueError(
                f"{fn}: padding_mode must be 'zeros' (cnnlib's only mode), got {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        if self.in_channels % self.groups:
            raise ValueError(
                f"{fn}: groups={self.groups} must divide in_channels={self.in_channels}"
            )
        if self.out_channels % self.groups:
            raise ValueError(
                f"{fn}: groups={self.groups} must divide out_channels={self.out_channels}"
            )
        dt = np.dtype(np.float32 if dtype is None else dtype)
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.zeros(shape, dtype=dt))
        self.bias = Parameter(np.zeros(self.out_channels, dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and biases, as PyTorch's ``reset_parameters``."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight.shape)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, x: object) -> np.ndarray:
        x = as_array(x, "x", "Conv2d")
        check_ndim(x, 4, "x", "Conv2d", "(N, C_in, H, W)")
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2d: expected x with {self.in_channels} channels (in_channels="
                f"{self.in_channels}), got {x.shape[1]} channels (x.shape={tuple(x.shape)})"
            )
        return x

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Convolve: ``(N, C_in, H, W) -> (N, C_out, H_out, W_out)``."""
        x = self._check_input(x)
        self.save_for_backward(x)
        return conv2d(
            x, self.weight.data, None if self.bias is None else self.bias.data,
            self.stride, self.padding, self.dilation, self.groups,
        )

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx ``(N, C_in, H, W)``; add dL/dweight and dL/dbias into their grads."""
        (x,) = self.saved_tensors
        grad_x, grad_w, grad_b = conv2d_backward(
            grad_out, x, self.weight.data, self.stride, self.padding, self.dilation, self.groups
        )
        self.weight.accumulate_grad(grad_w)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_b)
        return grad_x

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s
