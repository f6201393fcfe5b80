"""The residual gradient path, measured: plain blocks against blocks with a shortcut.

A plain block computes ``h -> relu(conv2(relu(conv1(h))))``; a residual
block (ResNet's ``BasicBlock`` without BatchNorm) adds its input back before
the last ReLU, ``h -> relu(h + conv2(relu(conv1(h))))``.  Going backwards,
the plain block multiplies the gradient by two convolutions' transposes and
two ReLU masks; the residual block passes it through the shortcut as well,
so ``dL/dh = dL/dout * mask * (1 + dF/dh)`` and the gradient has a path
that no weight can shrink.  :func:`block_stack_gradients` runs a stack of
either kind forward, sends the gradient of ``sum(output)`` back, and
reports its size at the input of every block.  Introduced in the chapter
*Architectures*.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._validate import as_array, check_ndim, positive_int
from .activations import relu, relu_backward
from .conv import conv2d, conv2d_backward

__all__ = ["block_stack_gradients", "block_weights"]


def block_weights(
    num_blocks: int, channels: int, init: str = "default", seed: int = 0,
    dtype: object = np.float64,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random 3x3 weights for ``num_blocks`` blocks of two convolutions each.

    Parameters
    ----------
    num_blocks : int
    channels : int
        Every convolution maps ``channels`` to ``channels``.
    init : {'default', 'he'}
        ``'default'``: PyTorch's ``nn.Conv2d`` default, uniform in
        ``+-1/sqrt(fan_in)`` (variance ``1 / (3 fan_in)``).  ``'he'``: normal
        with variance ``2 / fan_in`` (He et al., 2015), which keeps the size
        of a signal through a ReLU layer in expectation.  ``fan_in = 9 *
        channels``.
    seed : int, default 0
    dtype : numpy dtype, default float64

    Returns
    -------
    list of (w1, w2)
        Each of shape ``(channels, channels, 3, 3)``.

    Examples
    --------
    >>> ws = block_weights(2, 4, seed=1)
    >>> len(ws), ws[0][0].shape, bool(np.abs(ws[0][0]).max() <= 1 / 6)
    (2, (4, 4, 3, 3), True)
    """
    fn = "block_weights"
    num_blocks = positive_int(num_blocks, "num_blocks", fn)
    channels = positive_int(channels, "channels", fn)
    if init not in ("default", "he"):
        raise ValueError(f"{fn}: init must be 'default' or 'he', got {init!r}")
    rng = np.random.default_rng(seed)
    fan_in = 9 * channels
    shape = (channels, channels, 3, 3)

    def draw() -> np.ndarray:
        if init == "default":
            bound = 1 / math.sqrt(fan_in)
            return rng.uniform(-bound, bound, size=shape).astype(dtype)
        return (rng.standard_normal(shape) * math.sqrt(2 / fan_in)).astype(dtype)

    return [(draw(), draw()) for _ in range(num_blocks)]


def block_stack_gradients(
    x: np.ndarray, weights: Sequence[tuple[np.ndarray, np.ndarray]], residual: bool,
) -> np.ndarray:
    """Size of the gradient at the input of each block of a plain or residual stack.

    Block ``l`` maps ``h_l`` to ``h_{l+1}``: with ``z = conv(relu(conv(h_l,
    w1)), w2)`` (3x3 or any odd kernel, ``'same'`` padding, no biases),
    ``h_{l+1} = relu(z)`` for a plain block and ``relu(h_l + z)`` for a
    residual one.  The loss is ``sum(h_L)``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    weights : sequence of (w1, w2)
        One pair per block, each ``(C, C, k, k)`` so that a block keeps the
        shape (the shortcut needs it), e.g. from :func:`block_weights`.
    residual : bool
        Add the shortcut.

    Returns
    -------
    ndarray, shape (L,)
        Root-mean-square of ``dL/dh_l`` for ``l = 0 .. L-1``: entry 0 is the
        gradient that reaches the first block (the network's first layer),
        entry ``L-1`` the one at the input of the last block.

    Examples
    --------
    With all weights 0, a residual block is ``relu(h)``: for a positive input
    the gradient of the sum is 1 everywhere, at every depth.  The plain block
    outputs 0 whatever its input, so no gradient reaches it at all.

    >>> zero = np.zeros((2, 2, 3, 3))
    >>> x = np.ones((1, 2, 4, 4))
    >>> block_stack_gradients(x, [(zero, zero)] * 3, residual=True)
    array([1., 1., 1.])
    >>> block_stack_gradients(x, [(zero, zero)] * 3, residual=False)
    array([0., 0., 0.])
    """
    fn = "block_stack_gradients"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    if not isinstance(residual, bool):
        raise TypeError(f"{fn}: residual must be True or False, got {type(residual).__name__}")
    if len(weights) == 0:
        raise ValueError(f"{fn}: weights must hold at least one block, got none")
    pairs = []
    for i, pair in enumerate(weights):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TypeError(f"{fn}: weights[{i}] must be a pair (w1, w2)")
        w1 = as_array(pair[0], f"weights[{i}][0]", fn)
        w2 = as_array(pair[1], f"weights[{i}][1]", fn)
        c = x.shape[1]
        for j, w in enumerate((w1, w2)):
            if w.ndim != 4 or w.shape[0] != c or w.shape[1] != c:
                raise ValueError(
                    f"{fn}: weights[{i}][{j}] must have shape ({c}, {c}, k, k) to keep the "
                    f"{c} channels of x, got {tuple(w.shape)}"
                )
        pairs.append((w1, w2))
    # forward, keeping what the backward pass needs
    caches = []
    h = x
    for w1, w2 in pairs:
        a = conv2d(h, w1, padding="same")
        b = relu(a)
        z = conv2d(b, w2, padding="same")
        s = h + z if residual else z
        caches.append((h, a, b, s))
        h = relu(s)
    grad = np.ones_like(h)
    sizes = np.zeros(len(pairs))
    for i in range(len(pairs) - 1, -1, -1):
        w1, w2 = pairs[i]
        h_in, a, b, s = caches[i]
        grad_s = relu_backward(grad, s)
        grad_b, _, _ = conv2d_backward(grad_s, b, w2, padding="same")
        grad_a = relu_backward(grad_b, a)
        grad_h, _, _ = conv2d_backward(grad_a, h_in, w1, padding="same")
        grad = grad_h + grad_s if residual else grad_h
        sizes[i] = float(np.sqrt(np.mean(grad**2)))
    return sizes
