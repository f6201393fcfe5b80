"""``BatchNorm2d`` and ``BatchNorm1d`` with PyTorch's semantics, exactly.

Training mode normalises each channel with the batch's own mean and
*biased* variance (divide by m = N*H*W, or N*L for ``BatchNorm1d``) and
updates the running estimates

    running_mean = (1 - momentum) * running_mean + momentum * batch_mean
    running_var  = (1 - momentum) * running_var  + momentum * batch_var * m / (m - 1)

with the *unbiased* variance.  Evaluation mode normalises with the running
estimates, so one image gives the same output whatever batch it is in.
Introduced in the chapter "Training in practice".
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import as_array, positive_int
from .functional import batch_norm, batch_norm_backward
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    """Batch normalisation over every axis but the channel axis 1 (the shared code)."""

    _optional_buffers = ("num_batches_tracked",)
    _ndims: tuple[int, ...] = (4,)
    _layout = "(N, C, H, W)"

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
        affine: bool = True, track_running_stats: bool = True, dtype: object = None,
    ) -> None:
        super().__init__()
        fn = type(self).__name__
        self.num_features = positive_int(num_features, "num_features", fn)
        if not isinstance(eps, numbers.Real) or eps < 0:
            raise ValueError(f"{fn}: eps must be a non-negative number, got {eps!r}")
        bad_momentum = not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1
        if momentum is not None and bad_momentum:
            raise ValueError(f"{fn}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dt = np.dtype(np.float32 if dtype is None else dtype)
        c = self.num_features
        if self.affine:
            self.weight = Parameter(np.ones(c, dtype=dt))
            self.bias = Parameter(np.zeros(c, dtype=dt))
        else:
            self.weight = None
            self.bias = None
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(c, dtype=dt))
            self.register_buffer("running_var", np.ones(c, dtype=dt))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, batch count 0."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked = np.array(0, dtype=np.int64)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Normalise; in training mode also update the running statistics."""
        fn = type(self).__name__
        x = as_array(x, "x", fn)
        if x.ndim not in self._ndims:
            raise ValueError(
                f"{fn}: x must be {' or '.join(f'{d}-D' for d in self._ndims)} with shape "
                f"{self._layout}, got {x.ndim}-D array with shape {tuple(x.shape)}"
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{fn}: expected x with {self.num_features} channels (num_features="
                f"{self.num_features}), got {x.shape[1]} channels (x.shape={tuple(x.shape)})"
            )
        axes = (0, *range(2, x.ndim))
        use_batch = self.training or not self.track_running_stats
        if use_batch and x.shape[0] == 0:
            # PyTorch: an empty batch gives an empty output; only the count moves.
            if self.training and self.track_running_stats:
                self.num_batches_tracked = self.num_batches_tracked + 1
            self.save_for_backward(x, None, None, use_batch)
            return x.copy()
        if use_batch:
            m = x.size // x.shape[1]
            if m <= 1:
                raise ValueError(
                    f"{fn}: expected more than 1 value per channel when training, got x.shape="
                    f"{tuple(x.shape)}"
                )
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)                         # biased: divides by m
            if self.training and self.track_running_stats:
                self.num_batches_tracked = self.num_batches_tracked + 1
                if self.momentum is None:
                    factor = 1.0 / float(self.num_batches_tracked)
                else:
                    factor = self.momentum
                self.running_mean *= 1 - factor
                self.running_mean += factor * mean
                self.running_var *= 1 - factor
                self.running_var += factor * var * (m / (m - 1))   # unbiased
        else:
            mean, var = self.running_mean, self.running_var
        weight = None if self.weight is None else self.weight.data
        bias = None if self.bias is None else self.bias.data
        self.save_for_backward(x, mean.copy(), var.copy(), use_batch)
        return batch_norm(x, mean, var, weight, bias, self.eps)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx; add dL/dweight and dL/dbias into their grads.

        In training mode the batch statistics depend on x, which adds two
        terms to dL/dx (see :func:`cnnlib.nn.functional.batch_norm_backward`);
        in evaluation mode they are constants.
        """
        x, mean, var, use_batch = self.saved_tensors
        if mean is None:                                    # the empty batch
            if self.weight is not None:
                self.weight.accumulate_grad(np.zeros_like(self.weight.data))
                self.bias.accumulate_grad(np.zeros_like(self.bias.data))
            return np.zeros_like(x)
        weight = None if self.weight is None else self.weight.data
        grad_x, grad_w, grad_b = batch_norm_backward(
            grad_out, x, mean, var, weight, self.eps, batch_stats=use_batch
        )
        if self.weight is not None:
            self.weight.accumulate_grad(grad_w)
            self.bias.accumulate_grad(grad_b)
        return grad_x

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Per-feature batch normalisation of ``(N, C)`` or ``(N, C, L)``, as ``torch.nn.BatchNorm1d``.

    The statistics of feature ``c`` are taken over N (and L); everything
    else -- parameters, buffers, ``state_dict`` keys, momentum, evaluation
    mode -- is :class:`BatchNorm2d`'s.

    Parameters
    ----------
    num_features : int
        C, the features of an ``(N, C)`` input or the channels of ``(N, C, L)``.
    eps, momentum, affine, track_running_stats, dtype
        As :class:`BatchNorm2d`.

    Examples
    --------
    >>> import numpy as np
    >>> bn = BatchNorm1d(2)
    >>> bn
    BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    >>> x = np.array([[1.0, 10.0], [3.0, 30.0]], dtype=np.float32)
    >>> np.round(bn(x), 4)                  # each column: mean 0, biased variance 1
    array([[-1., -1.],
           [ 1.,  1.]], dtype=float32)
    >>> bn.running_mean                     # 0.1 * the batch means 2 and 20
    array([0.2, 2. ], dtype=float32)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    _ndims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Per-channel batch normalisation over N, H and W, as ``torch.nn.BatchNorm2d``.

    Parameters
    ----------
    num_features : int
        The channel count C of the ``(N, C, H, W)`` input.
    eps : float, default 1e-5
        Added to the variance before the square root.
    momentum : float or None, default 0.1
        Weight of the new batch in the running averages; None means a
        cumulative average (weight ``1 / num_batches_tracked``).
    affine : bool, default True
        Learn a per-channel scale ``weight`` (gamma, starts at 1) and shift
        ``bias`` (beta, starts at 0).
    track_running_stats : bool, default True
        Keep the buffers ``running_mean`` (starts at 0), ``running_var``
        (starts at 1) and ``num_batches_tracked`` (int64, starts at 0).
        Without them batch statistics are used in both modes.
    dtype : numpy dtype, default float32

    Examples
    --------
    >>> import numpy as np
    >>> bn = BatchNorm2d(1)
    >>> bn
    BatchNorm2d(1, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    >>> x = np.array([1.0, 3.0], dtype=np.float32).reshape(2, 1, 1, 1)
    >>> np.round(bn(x).ravel(), 4)                 # batch mean 2, biased variance 1
    array([-1.,  1.], dtype=float32)
    >>> bn.running_mean, bn.running_var            # 0.9*0 + 0.1*2, 0.9*1 + 0.1*2
    (array([0.2], dtype=float32), array([1.1], dtype=float32))
    """
