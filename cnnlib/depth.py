"""How a gradient fares on its way down a stack of convolutions and activations.

The chain rule multiplies one activation derivative per layer into the
gradient.  :func:`stack_gradients` runs a plain stack ``conv -> activation ->
conv -> activation ...`` forward, sends the gradient of ``sum(output)`` back,
and reports how large the gradient still is at the input of every layer, so
that "the gradient vanishes" becomes a measured curve.  Introduced in the
chapter *ReLU*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._validate import as_array, check_ndim
from .activations import (
    gelu,
    gelu_backward,
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    tanh,
    tanh_backward,
)
from .conv import Padding, conv2d, conv2d_backward

__all__ = ["ACTIVATIONS", "stack_gradients"]


def _identity(x: np.ndarray) -> np.ndarray:
    return x


def _identity_backward(grad_out: np.ndarray, x: np.ndarray) -> np.ndarray:
    return grad_out


#: name -> (forward, backward(grad_out, x)) for :func:`stack_gradients`.
ACTIVATIONS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "identity": (_identity, _identity_backward),
    "relu": (relu, relu_backward),
    "leaky_relu": (leaky_relu, leaky_relu_backward),
    "gelu": (gelu, gelu_backward),
    "sigmoid": (sigmoid, sigmoid_backward),
    "tanh": (tanh, tanh_backward),
}


def stack_gradients(
    x: np.ndarray, weights: Sequence[np.ndarray], activation: str, padding: Padding = "same",
) -> np.ndarray:
    """Size of the gradient at the input of each layer of a conv/activation stack.

    The stack is ``h_0 = x``, ``h_{l+1} = activation(conv2d(h_l, weights[l]))``
    (no biases), and the loss is ``sum(h_L)``.  Going back, each layer
    multiplies the gradient by its activation's derivative and by its
    transposed convolution.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    weights : sequence of ndarray, each (C_out, C_in, kh, kw)
        One per layer; each must read the channels the previous one makes.
    activation : str
        A key of :data:`ACTIVATIONS`: ``'identity'``, ``'relu'``,
        ``'leaky_relu'``, ``'gelu'``, ``'sigmoid'`` or ``'tanh'``.
    padding : int, (int, int), 'valid' or 'same'
        Used by every layer.

    Returns
    -------
    ndarray, shape (L,)
        Root-mean-square of ``dL/dh_l`` for ``l = 0 .. L-1``: entry 0 is the
        gradient that reaches the network's input, entry ``L-1`` the one at
        the input of the last layer.

    Examples
    --------
    >>> eye = np.eye(2).reshape(2, 2, 1, 1)          # 1x1 convolutions that copy
    >>> stack_gradients(np.ones((1, 2, 3, 3)), [eye, eye, eye], "identity")
    array([1., 1., 1.])
    """
    fn = "stack_gradients"
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    if activation not in ACTIVATIONS:
        raise ValueError(f"{fn}: activation must be one of {sorted(ACTIVATIONS)}, "
                         f"got {activation!r}")
    if len(weights) == 0:
        raise ValueError(f"{fn}: weights must hold at least one layer, got none")
    forward, backward = ACTIVATIONS[activation]
    inputs, pre = [], []
    h = x
    for i, w in enumerate(weights):
        w = as_array(w, f"weights[{i}]", fn)
        z = conv2d(h, w, padding=padding)
        inputs.append(h)
        pre.append(z)
        h = forward(z)
    grad = np.ones_like(h)
    sizes = np.zeros(len(weights))
    for i in range(len(weights) - 1, -1, -1):
        grad = backward(grad, pre[i])
        grad, _, _ = conv2d_backward(grad, inputs[i], as_array(weights[i], "weights", fn),
                                     padding=padding)
        sizes[i] = float(np.sqrt(np.mean(grad ** 2)))
    return sizes
