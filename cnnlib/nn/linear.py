"""``Linear``, ``Flatten`` and ``Identity``: the bridge from feature maps to class scores.

Introduced in the chapter "A CNN from scratch".
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_array, positive_int
from . import init
from .functional import linear, linear_backward
from .module import Module, Parameter

__all__ = ["Flatten", "Identity", "Linear"]


class Linear(Module):
    """Fully connected layer ``y = x @ weight.T + bias``, as ``torch.nn.Linear``.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
    dtype : numpy dtype, default float32

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
        Initialised U(-1/sqrt(in_features), 1/sqrt(in_features)).
    bias : Parameter, shape (out_features,), or None
        Same distribution.

    Examples
    --------
    >>> import numpy as np
    >>> fc = Linear(27, 3)
    >>> fc
    Linear(in_features=27, out_features=3, bias=True)
    >>> fc(np.zeros((5, 27), dtype=np.float32)).shape
    (5, 3)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: object = None
    ) -> None:
        super().__init__()
        self.in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = positive_int(out_features, "out_features", "Linear")
        dt = np.dtype(np.float32 if dtype is None else dtype)
        self.weight = Parameter(np.zeros((self.out_features, self.in_features), dtype=dt))
        self.bias = Parameter(np.zeros(self.out_features, dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and biases, as PyTorch's ``reset_parameters``."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(..., in_features) -> (..., out_features)``."""
        x = as_array(x, "x", "Linear")
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear: expected x with shape (N, {self.in_features}) (in_features="
                f"{self.in_features}), got x.shape={tuple(x.shape)}"
            )
        self.save_for_backward(x)
        return linear(x, self.weight.data, None if self.bias is None else self.bias.data)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx; add dL/dweight and dL/dbias into their grads."""
        (x,) = self.saved_tensors
        grad_x, grad_w, grad_b = linear_backward(grad_out, x, self.weight.data)
        self.weight.accumulate_grad(grad_w)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_b)
        return grad_x

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Flatten(Module):
    """Merge axes ``start_dim..end_dim`` into one, as ``torch.nn.Flatten``.

    The default ``(N, C, H, W) -> (N, C*H*W)`` keeps the batch axis.
    ``backward`` reshapes the gradient back.

    Examples
    --------
    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 3, 3))).shape
    (2, 27)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = int(start_dim)
        self.end_dim = int(end_dim)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Flatten the chosen axes."""
        x = as_array(x, "x", "Flatten")
        nd = max(x.ndim, 1)
        start = self.start_dim % nd if -nd <= self.start_dim < nd else None
        end = self.end_dim % nd if -nd <= self.end_dim < nd else None
        if start is None or end is None or start > end:
            raise ValueError(
                f"Flatten: start_dim={self.start_dim} and end_dim={self.end_dim} do not fit x "
                f"with {x.ndim} dimensions (x.shape={tuple(x.shape)})"
            )
        shape = x.shape
        self.save_for_backward(shape)
        # explicit sizes, never -1: an empty batch (N = 0) has no size to infer
        merged = math.prod(shape[start : end + 1])
        return x.reshape(shape[:start] + (merged,) + shape[end + 1 :])

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Reshape the gradient back to the input's shape."""
        (shape,) = self.saved_tensors
        return np.reshape(grad_out, shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """Return the input unchanged (a placeholder layer, as ``torch.nn.Identity``)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``x``."""
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return ``grad_out``."""
        return grad_out
