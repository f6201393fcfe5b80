"""``ConvTranspose2d`` and ``Upsample``: layers that make feature maps larger.

``ConvTranspose2d`` calls :func:`cnnlib.conv_transpose2d` and its backward;
``Upsample`` calls :func:`cnnlib.interpolate`.  Introduced in the chapter
*Transposed convolution and upsampling*.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_ndim, int_pair, positive_int
from ..conv_transpose import conv_transpose2d, conv_transpose2d_backward
from ..upsample import _check_mode, interpolate, interpolate_backward
from .conv import Conv2d
from .module import Module, Parameter

__all__ = ["ConvTranspose2d", "Upsample"]


class ConvTranspose2d(Module):
    """Transposed convolution layer, as ``torch.nn.ConvTranspose2d``.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (kh, kw)
    stride : int or (sh, sw), default 1
    padding : int or (ph, pw), default 0
        Rows and columns cropped from each side of the full output.
    output_padding : int or (ah, aw), default 0
        Extra rows/columns at the bottom/right; smaller than stride or dilation.
    groups : int, default 1
    bias : bool, default True
    dilation : int or (dh, dw), default 1
    dtype : numpy dtype, default float32

    Attributes
    ----------
    weight : Parameter, shape (in_channels, out_channels // groups, kh, kw)
        Input channels first -- the transpose of ``Conv2d``'s layout, as in
        PyTorch.  Initialised U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with PyTorch's
        ``fan_in = out_channels // groups * kh * kw`` (computed from the
        weight's second axis, as ``kaiming_uniform_`` does).
    bias : Parameter, shape (out_channels,), or None

    Examples
    --------
    >>> up = ConvTranspose2d(4, 2, kernel_size=3, stride=2, padding=1, output_padding=1)
    >>> up(np.zeros((1, 4, 5, 5), dtype=np.float32)).shape
    (1, 2, 10, 10)
    >>> up.weight.shape
    (4, 2, 3, 3)
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0, groups: int = 1, bias: bool = True,
        dilation: int | tuple[int, int] = 1, dtype: object = None,
    ) -> None:
        super().__init__()
        fn = "ConvTranspose2d"
        self.in_channels = positive_int(in_channels, "in_channels", fn)
        self.out_channels = positive_int(out_channels, "out_channels", fn)
        self.kernel_size = int_pair(kernel_size, "kernel_size", fn)
        self.stride = int_pair(stride, "stride", fn)
        self.padding = int_pair(padding, "padding", fn, minimum=0)
        self.output_padding = int_pair(output_padding, "output_padding", fn, minimum=0)
        self.dilation = int_pair(dilation, "dilation", fn)
        self.groups = positive_int(groups, "groups", fn)
        for name, channels in (("in_channels", self.in_channels),
                               ("out_channels", self.out_channels)):
            if channels % self.groups:
                raise ValueError(f"{fn}: groups={self.groups} must divide {name}={channels}")
        for a, s, d in zip(self.output_padding, self.stride, self.dilation, strict=True):
            if not (a < s or a < d):
                raise ValueError(
                    f"{fn}: output_padding must be smaller than stride or dilation, got "
                    f"output_padding={self.output_padding}, stride={self.stride}, "
                    f"dilation={self.dilation}"
                )
        dt = np.dtype(np.float32 if dtype is None else dtype)
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.zeros(shape, dtype=dt))
        self.bias = Parameter(np.zeros(self.out_channels, dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and biases, as PyTorch's ``reset_parameters``.

        The same rule as :class:`Conv2d`'s; fan-in comes from the weight's
        second axis, which here is ``out_channels // groups``.
        """
        Conv2d.reset_parameters(self)  # type: ignore[arg-type]

    def _args(self) -> tuple:
        return (self.stride, self.padding, self.output_padding, self.groups, self.dilation)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, C_in, H, W) -> (N, C_out, H_out, W_out)``, H_out as in conv_transpose2d."""
        x = as_array(x, "x", "ConvTranspose2d")
        check_ndim(x, 4, "x", "ConvTranspose2d", "(N, C_in, H, W)")
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"ConvTranspose2d: expected x with {self.in_channels} channels (in_channels="
                f"{self.in_channels}), got {x.shape[1]} channels (x.shape={tuple(x.shape)})"
            )
        self.save_for_backward(x)
        bias = None if self.bias is None else self.bias.data
        return conv_transpose2d(x, self.weight.data, bias, *self._args())

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx; add dL/dweight and dL/dbias into their grads."""
        (x,) = self.saved_tensors
        grad_x, grad_w, grad_b = conv_transpose2d_backward(grad_out, x, self.weight.data,
                                                           *self._args())
        self.weight.accumulate_grad(grad_w)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_b)
        return grad_x

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Upsample(Module):
    """Resize the spatial axes, as ``torch.nn.Upsample``; no parameters.

    Parameters
    ----------
    size : int or (int, int), optional
    scale_factor : float or (float, float), optional
        Exactly one of ``size`` and ``scale_factor``.
    mode : {'nearest', 'bilinear'}, default 'nearest'
    align_corners : bool, optional
        Bilinear only.

    Examples
    --------
    >>> Upsample(scale_factor=2)(np.ones((1, 3, 4, 5))).shape
    (1, 3, 8, 10)
    """

    def __init__(
        self, size: int | tuple[int, int] | None = None,
        scale_factor: float | tuple[float, float] | None = None, mode: str = "nearest",
        align_corners: bool | None = None,
    ) -> None:
        super().__init__()
        self.size, self.scale_factor = size, scale_factor
        self.mode, self.align_corners = mode, align_corners
        # A bad setting fails where the layer is built, not at its first call.
        _check_mode(mode, align_corners, "Upsample")
        if (size is None) == (scale_factor is None):
            raise ValueError(
                f"Upsample: give exactly one of size and scale_factor, got size={size!r} and "
                f"scale_factor={scale_factor!r}"
            )

    def _args(self) -> tuple:
        return (self.size, self.scale_factor, self.mode, self.align_corners)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, C, H, W) -> (N, C, H_out, W_out)``."""
        self.save_for_backward(x)
        return interpolate(x, *self._args())

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx: each input pixel gathers the gradients of the outputs that read it."""
        (x,) = self.saved_tensors
        return interpolate_backward(grad_out, x, *self._args())

    def extra_repr(self) -> str:
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode='{self.mode}'"
