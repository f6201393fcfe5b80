"""``LayerNorm`` and ``GroupNorm``: normalisation within one example, as in PyTorch.

BatchNorm takes its statistics over the batch, so it needs batches of more
than one example and behaves differently in training and evaluation.  These
two take them inside each example, so they do neither:

* ``LayerNorm(normalized_shape)`` normalises over the last
  ``len(normalized_shape)`` axes (a transformer's features, or C, H, W);
* ``GroupNorm(G, C)`` splits the C channels into G groups and normalises
  each group over its channels and all positions (``G = 1``: one group, like
  LayerNorm over C, H, W; ``G = C``: instance normalisation).

Both use the biased variance, ``y = (x - mean) / sqrt(var + eps) * weight +
bias``, with a learnt weight and bias per element of ``normalized_shape``
(LayerNorm) or per channel (GroupNorm).  The backward pass is the one of
BatchNorm with the statistics' axes changed: over the ``m`` values that
shared a mean,

    dL/dx = (g_hat - mean(g_hat) - x_hat * mean(g_hat * x_hat)) / sqrt(var + eps)

where ``g_hat = dL/dy * weight``.  Introduced in the chapter "Training in
practice".
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._validate import as_array, positive_int
from .module import Module, Parameter

__all__ = ["GroupNorm", "LayerNorm", "group_norm", "group_norm_backward", "layer_norm",
           "layer_norm_backward"]


# ---------------------------------------------------------------------- checks
def _check_eps(eps: object, fn: str) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"{fn}: eps must be a number, got {type(eps).__name__} {eps!r}")
    if not eps >= 0:
        raise ValueError(f"{fn}: eps must be >= 0, got {eps!r}")
    return float(eps)


def _normalized_shape(normalized_shape: object, fn: str) -> tuple[int, ...]:
    if isinstance(normalized_shape, numbers.Integral) and not isinstance(normalized_shape, bool):
        items: list[object] = [normalized_shape]
    elif isinstance(normalized_shape, tuple | list):
        items = list(normalized_shape)
    else:
        raise TypeError(f"{fn}: normalized_shape must be an int or a tuple of ints, got "
                        f"{type(normalized_shape).__name__} {normalized_shape!r}")
    return tuple(positive_int(v, f"normalized_shape[{i}]", fn) for i, v in enumerate(items))


def _check_affine(arr: object, name: str, shape: tuple[int, ...], fn: str) -> np.ndarray | None:
    if arr is None:
        return None
    arr = as_array(arr, name, fn)
    if arr.shape != shape:
        raise ValueError(f"{fn}: {name} must have shape {shape}, got {tuple(arr.shape)}")
    return arr


def _check_grad(grad_out: object, x: np.ndarray, fn: str) -> np.ndarray:
    grad_out = as_array(grad_out, "grad_out", fn)
    if grad_out.shape != x.shape:
        raise ValueError(
            f"{fn}: grad_out must have x's shape {tuple(x.shape)}, got {tuple(grad_out.shape)}"
        )
    return grad_out


def _standardise(x: np.ndarray, axes: tuple[int, ...], eps: float) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """``(x_hat, inv_std)``: x minus its mean over ``axes``, over the biased std."""
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
    return (x - mean) * inv_std, inv_std


def _standardise_backward(g_hat: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray,
                          axes: tuple[int, ...]) -> np.ndarray:
    """dL/dx from dL/dx_hat when the mean and variance over ``axes`` came from x."""
    g_mean = g_hat.mean(axis=axes, keepdims=True)
    gx_mean = (g_hat * x_hat).mean(axis=axes, keepdims=True)
    return inv_std * (g_hat - g_mean - x_hat * gx_mean)


# ---------------------------------------------------------------------- layer norm
def _layer_norm_setup(fn: str, x: object, normalized_shape: object, weight: object,
                      eps: object) -> tuple[np.ndarray, tuple[int, ...], tuple[int, ...],
                                            np.ndarray | None, float]:
    x = as_array(x, "x", fn)
    shape = _normalized_shape(normalized_shape, fn)
    d = len(shape)
    if x.ndim < d or tuple(x.shape[x.ndim - d:]) != shape:
        raise ValueError(
            f"{fn}: x must end with normalized_shape {shape}, shape (*, "
            f"{', '.join(map(str, shape))}), got x.shape={tuple(x.shape)}"
        )
    w = _check_affine(weight, "weight", shape, fn)
    return x, shape, tuple(range(x.ndim - d, x.ndim)), w, _check_eps(eps, fn)


def layer_norm(x: np.ndarray, normalized_shape: int | tuple[int, ...],
               weight: np.ndarray | None = None, bias: np.ndarray | None = None,
               eps: float = 1e-5) -> np.ndarray:
    """Normalise over the last axes of each example, as ``torch.nn.functional.layer_norm``.

    Introduced in the chapter *Training in practice*.

    Parameters
    ----------
    x : ndarray, shape (\\*, \\*normalized_shape)
    normalized_shape : int or tuple of int
        The trailing shape whose values share one mean and one variance.
    weight, bias : ndarray, shape normalized_shape, optional
        Scale and shift; None means 1 and 0.
    eps : float, default 1e-5

    Returns
    -------
    ndarray, the shape and dtype of ``x``

    Examples
    --------
    >>> import numpy as np
    >>> layer_norm(np.array([[1.0, 3.0], [0.0, 10.0]]), 2, eps=0.0)   # each row alone
    array([[-1.,  1.],
           [-1.,  1.]])
    """
    fn = "layer_norm"
    x, shape, axes, w, eps = _layer_norm_setup(fn, x, normalized_shape, weight, eps)
    b = _check_affine(bias, "bias", shape, fn)
    y, _ = _standardise(x, axes, eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def layer_norm_backward(grad_out: np.ndarray, x: np.ndarray,
                        normalized_shape: int | tuple[int, ...],
                        weight: np.ndarray | None = None, eps: float = 1e-5,
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`layer_norm` with respect to x, weight and bias.

    Parameters
    ----------
    grad_out, x : ndarray, shape (\\*, \\*normalized_shape)
    normalized_shape : int or tuple of int
    weight : ndarray, shape normalized_shape, optional
    eps : float, default 1e-5

    Returns
    -------
    grad_x : ndarray, the shape of ``x``
    grad_weight, grad_bias : ndarray, shape normalized_shape
        ``sum(g * x_hat)`` and ``sum(g)`` over the leading axes.

    Examples
    --------
    >>> import numpy as np
    >>> gx, gw, gb = layer_norm_backward(np.ones((1, 2)), np.array([[1.0, 3.0]]), 2, eps=0.0)
    >>> gx, gw, gb                  # a constant shift of the output moves nothing
    (array([[0., 0.]]), array([-1.,  1.]), array([1., 1.]))
    """
    fn = "layer_norm_backward"
    x, shape, axes, w, eps = _layer_norm_setup(fn, x, normalized_shape, weight, eps)
    grad_out = _check_grad(grad_out, x, fn)
    x_hat, inv_std = _standardise(x, axes, eps)
    lead = tuple(range(x.ndim - len(shape)))
    grad_bias = grad_out.sum(axis=lead)
    grad_weight = (grad_out * x_hat).sum(axis=lead)
    g_hat = grad_out if w is None else grad_out * w
    return _standardise_backward(g_hat, x_hat, inv_std, axes), grad_weight, grad_bias


# ---------------------------------------------------------------------- group norm
def _group_norm_setup(fn: str, x: object, num_groups: object, weight: object,
                      eps: object) -> tuple[np.ndarray, int, np.ndarray | None, float]:
    x = as_array(x, "x", fn)
    if x.ndim < 2:
        raise ValueError(f"{fn}: x must have a channel axis, shape (N, C, *), got {x.ndim}-D "
                         f"array with shape {tuple(x.shape)}")
    groups = positive_int(num_groups, "num_groups", fn)
    c = x.shape[1]
    if c % groups:
        raise ValueError(f"{fn}: x's {c} channels must be divisible by num_groups={groups} "
                         f"(x.shape={tuple(x.shape)})")
    w = _check_affine(weight, "weight", (c,), fn)
    return x, groups, w, _check_eps(eps, fn)


def _grouped(x: np.ndarray, groups: int) -> np.ndarray:
    """``(N, C, *) -> (N, G, C // G * prod(*))``, explicit sizes (N may be 0)."""
    return x.reshape(x.shape[0], groups, math.prod(x.shape[1:]) // groups)


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    return v.reshape((1, v.shape[0]) + (1,) * (ndim - 2))


def group_norm(x: np.ndarray, num_groups: int, weight: np.ndarray | None = None,
               bias: np.ndarray | None = None, eps: float = 1e-5) -> np.ndarray:
    """Normalise each group of channels of each example, as ``torch.nn.functional.group_norm``.

    Introduced in the chapter *Training in practice*.

    Parameters
    ----------
    x : ndarray, shape (N, C, \\*)
        (N, C, H, W) for images; any number of trailing axes.
    num_groups : int
        G; it must divide C.  Group ``k`` holds channels ``k*C/G .. (k+1)*C/G - 1``.
    weight, bias : ndarray, shape (C,), optional
        Per-channel scale and shift; None means 1 and 0.
    eps : float, default 1e-5

    Returns
    -------
    ndarray, the shape and dtype of ``x``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 3.0, 10.0, 30.0]).reshape(1, 4, 1, 1)
    >>> group_norm(x, 2, eps=0.0).ravel()          # groups {1, 3} and {10, 30}
    array([-1.,  1., -1.,  1.])
    """
    fn = "group_norm"
    x, groups, w, eps = _group_norm_setup(fn, x, num_groups, weight, eps)
    b = _check_affine(bias, "bias", (x.shape[1],), fn)
    y = _standardise(_grouped(x, groups), (2,), eps)[0].reshape(x.shape)
    if w is not None:
        y = y * _per_channel(w, x.ndim)
    if b is not None:
        y = y + _per_channel(b, x.ndim)
    return y


def group_norm_backward(grad_out: np.ndarray, x: np.ndarray, num_groups: int,
                        weight: np.ndarray | None = None, eps: float = 1e-5,
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`group_norm` with respect to x, weight and bias.

    Parameters
    ----------
    grad_out, x : ndarray, shape (N, C, \\*)
    num_groups : int
    weight : ndarray, shape (C,), optional
    eps : float, default 1e-5

    Returns
    -------
    grad_x : ndarray, the shape of ``x``
    grad_weight, grad_bias : ndarray, shape (C,)
        ``sum(g * x_hat)`` and ``sum(g)`` over N and the positions.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 3.0]).reshape(1, 2, 1, 1)
    >>> gx, gw, gb = group_norm_backward(np.ones_like(x), x, 1, eps=0.0)
    >>> gx.ravel(), gw, gb
    (array([0., 0.]), array([-1.,  1.]), array([1., 1.]))
    """
    fn = "group_norm_backward"
    x, groups, w, eps = _group_norm_setup(fn, x, num_groups, weight, eps)
    grad_out = _check_grad(grad_out, x, fn)
    x_hat_g, inv_std = _standardise(_grouped(x, groups), (2,), eps)
    x_hat = x_hat_g.reshape(x.shape)
    axes = (0, *range(2, x.ndim))
    grad_bias = grad_out.sum(axis=axes)
    grad_weight = (grad_out * x_hat).sum(axis=axes)
    g_hat = grad_out if w is None else grad_out * _per_channel(w, x.ndim)
    grad_x = _standardise_backward(_grouped(g_hat, groups), x_hat_g, inv_std, (2,))
    return grad_x.reshape(x.shape), grad_weight, grad_bias


# ---------------------------------------------------------------------- modules
class LayerNorm(Module):
    """Normalise the last axes of each example, as ``torch.nn.LayerNorm``.

    Introduced in the chapter *Training in practice*.

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The trailing shape of the input whose values share one mean and
        variance: ``C`` for ``(N, C)`` features, ``(C, H, W)`` for a whole
        image.
    eps : float, default 1e-5
    elementwise_affine : bool, default True
        Learn ``weight`` (starts at 1) and ``bias`` (starts at 0), each of
        shape ``normalized_shape``.
    bias : bool, default True
        With ``elementwise_affine``, also learn the bias (PyTorch 2.1's option).
    dtype : numpy dtype, default float32

    Examples
    --------
    >>> import numpy as np
    >>> ln = LayerNorm(3)
    >>> ln
    LayerNorm((3,), eps=1e-05, elementwise_affine=True)
    >>> np.round(ln(np.array([[1.0, 2.0, 3.0]], dtype=np.float32)), 4)
    array([[-1.2247,  0.    ,  1.2247]], dtype=float32)
    >>> list(ln.state_dict())
    ['weight', 'bias']
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 dtype: object = None) -> None:
        super().__init__()
        fn = "LayerNorm"
        self.normalized_shape = _normalized_shape(normalized_shape, fn)
        self.eps = _check_eps(eps, fn)
        self.elementwise_affine = bool(elementwise_affine)
        dt = np.dtype(np.float32 if dtype is None else dtype)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt)) if bias else None
        else:
            self.weight = None
            self.bias = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(*, *normalized_shape)`` to the same shape."""
        x = as_array(x, "x", "LayerNorm")
        w = None if self.weight is None else self.weight.data
        b = None if self.bias is None else self.bias.data
        try:
            y = layer_norm(x, self.normalized_shape, w, b, self.eps)
        except ValueError as err:
            raise ValueError(str(err).replace("layer_norm:", "LayerNorm:", 1)) from None
        self.save_for_backward(x)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx; add dL/dweight and dL/dbias into their grads."""
        (x,) = self.saved_tensors
        w = None if self.weight is None else self.weight.data
        grad_x, grad_w, grad_b = layer_norm_backward(grad_out, x, self.normalized_shape, w,
                                                     self.eps)
        if self.weight is not None:
            self.weight.accumulate_grad(grad_w)
        if self.bias is not None:
            self.bias.accumulate_grad(grad_b)
        return grad_x

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalise groups of channels within each example, as ``torch.nn.GroupNorm``.

    Introduced in the chapter *Training in practice*.

    Parameters
    ----------
    num_groups : int
        G; it must divide ``num_channels``.
    num_channels : int
        C, the channels of the ``(N, C, *)`` input.
    eps : float, default 1e-5
    affine : bool, default True
        Learn a per-channel ``weight`` (starts at 1) and ``bias`` (starts at 0).
    dtype : numpy dtype, default float32

    Examples
    --------
    >>> import numpy as np
    >>> gn = GroupNorm(2, 4)
    >>> gn
    GroupNorm(2, 4, eps=1e-05, affine=True)
    >>> x = np.array([1.0, 3.0, 10.0, 30.0], dtype=np.float32).reshape(1, 4, 1, 1)
    >>> np.round(gn(x).ravel(), 4)                 # each pair of channels on its own
    array([-1.,  1., -1.,  1.], dtype=float32)
    >>> [k for k in gn.state_dict()]
    ['weight', 'bias']
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, dtype: object = None) -> None:
        super().__init__()
        fn = "GroupNorm"
        self.num_groups = positive_int(num_groups, "num_groups", fn)
        self.num_channels = positive_int(num_channels, "num_channels", fn)
        if self.num_channels % self.num_groups:
            raise ValueError(f"{fn}: num_channels ({self.num_channels}) must be divisible by "
                             f"num_groups ({self.num_groups})")
        self.eps = _check_eps(eps, fn)
        self.affine = bool(affine)
        dt = np.dtype(np.float32 if dtype is None else dtype)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_channels, dtype=dt))
            self.bias = Parameter(np.zeros(self.num_channels, dtype=dt))
        else:
            self.weight = None
            self.bias = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``(N, C, *)`` to the same shape."""
        fn = "GroupNorm"
        x = as_array(x, "x", fn)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(
                f"{fn}: expected x with shape (N, {self.num_channels}, *) (num_channels="
                f"{self.num_channels}), got x.shape={tuple(x.shape)}"
            )
        w = None if self.weight is None else self.weight.data
        b = None if self.bias is None else self.bias.data
        self.save_for_backward(x)
        return group_norm(x, self.num_groups, w, b, self.eps)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx; add dL/dweight and dL/dbias into their grads."""
        (x,) = self.saved_tensors
        w = None if self.weight is None else self.weight.data
        grad_x, grad_w, grad_b = group_norm_backward(grad_out, x, self.num_groups, w, self.eps)
        if self.weight is not None:
            self.weight.accumulate_grad(grad_w)
            self.bias.accumulate_grad(grad_b)
        return grad_x

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
