"""Self-checks for the exercises of *A CNN from scratch* (labels ``scratch-ex-N``)."""

from __future__ import annotations

import numpy as np

from .. import nn, optim
from ..conv import conv_output_size
from ..counting import conv2d_parameters
from ._core import Exercise, Mistake, register

#: Exercise 5's logits and target (its givens).
LOGITS = np.array([[1.0, 2.0, 3.0]])
TARGET = np.array([0])


def _layer_shape(batch: int = 16, c_out: int = 8, size: int = 32, k: int = 5,
                 padding: int = 0) -> tuple[int, ...]:
    side = conv_output_size(size, k, padding=padding)
    return (batch, c_out, side, side)


def _cross_entropy() -> tuple[float, np.ndarray]:
    loss_fn = nn.CrossEntropyLoss()
    loss = float(loss_fn(LOGITS, TARGET))
    return loss, loss_fn.backward()[0]


def _softmax() -> np.ndarray:
    return np.exp(nn.functional.log_softmax(LOGITS))[0]


def _distance(momentum: float = 0.9, steps: int = 3,
              lr: float = 0.1, grad: float = 2.0) -> float:
    p = nn.Parameter(np.zeros(1))
    sgd = optim.SGD([p], lr=lr, momentum=momentum)
    for _ in range(steps):
        p.grad = np.full(1, grad)
        sgd.step()
    return float(-p.data[0])


def _averaged_distance(steps: int = 3, lr: float = 0.1, grad: float = 2.0) -> float:
    """The distance if the velocity were an average, v <- 0.9 v + 0.1 g from v = 0."""
    v = total = 0.0
    for _ in range(steps):
        v = 0.9 * v + 0.1 * grad
        total += lr * v
    return total


register(
    Exercise(
        "scratch-ex-1a", "The output shape of Conv2d(3, 8, kernel_size=5) on a batch "
                         "(16, 3, 32, 32), as a tuple.",
        _layer_shape, kind="array",
        hint="(batch, output channels, height, width), each side 32 - 5 + 1.",
        mistakes=(
            Mistake(lambda: _layer_shape(size=31),
                    "A side is one too short: the output size is i - k + 1, the first "
                    "window counts too."),
            Mistake(lambda: _layer_shape(padding=2),
                    "That is the size with padding 2; this layer has no padding, so each "
                    "side shrinks by k - 1."),
            Mistake(lambda: _layer_shape(c_out=3),
                    "The channels of the output are the layer's 8 filters, not the "
                    "input's 3."),
        ),
    ),
    Exercise(
        "scratch-ex-1b", "The number of parameters of Conv2d(3, 8, kernel_size=5).",
        lambda: conv2d_parameters(3, 8, 5),
        hint="Each of the 8 filters has 3 × 5 × 5 weights and one bias.",
        mistakes=(
            Mistake(lambda: conv2d_parameters(3, 8, 5, bias=False),
                    "Add the biases: one per filter."),
            Mistake(lambda: conv2d_parameters(1, 8, 5),
                    "Each filter spans all 3 input channels: 3 × 5 × 5 weights."),
            Mistake(lambda: conv2d_parameters(3, 8, 5) * 28 * 28,
                    "The image size does not enter: the same filters slide over every "
                    "position."),
        ),
    ),
    Exercise(
        "scratch-ex-5a", "The cross-entropy loss of the logits (1, 2, 3) for target class 0.",
        lambda: _cross_entropy()[0],
        hint="L = -log p_0, with p_0 = e^1 / (e^1 + e^2 + e^3).",
        rtol=1e-4,
        mistakes=(
            Mistake(lambda: -_cross_entropy()[0],
                    "The sign: the loss is -log p, and a probability's log is negative, so "
                    "the loss is positive."),
            Mistake(lambda: _cross_entropy()[0] / np.log(10),
                    "That is the logarithm to base 10; cross-entropy uses the natural log."),
            Mistake(lambda: -np.log(_softmax()[2]),
                    "That is the loss for class 2, the largest logit; the target is class 0."),
            Mistake(lambda: _softmax()[0],
                    "That is the probability p_0 itself; the loss is -log p_0."),
        ),
    ),
    Exercise(
        "scratch-ex-5b", "The gradient dL/dz of that loss, as [a, b, c].",
        lambda: _cross_entropy()[1], kind="array",
        hint="Softmax minus one-hot: (p_0 - 1, p_1, p_2).",
        rtol=1e-4,
        mistakes=(
            Mistake(lambda: -_cross_entropy()[1],
                    "The signs are reversed: one-hot minus softmax is the direction that "
                    "lowers the loss, the gradient points the other way."),
            Mistake(_softmax, "That is softmax alone: subtract the one-hot target, 1 at "
                              "class 0."),
            Mistake(lambda: _softmax() - np.array([0.0, 0.0, 1.0]),
                    "The one-hot target has its 1 at the target class, 0, not at the "
                    "largest logit."),
        ),
    ),
    Exercise(
        "scratch-ex-6", "How far SGD (lr 0.1, momentum 0.9) moves a parameter in 3 steps of "
                        "gradient 2.",
        _distance,
        hint="v ← 0.9 v + g, then p ← p − lr · v: add up lr · v over the three steps.",
        rtol=1e-4,
        mistakes=(
            Mistake(lambda: _distance(momentum=0.0),
                    "That is plain SGD: with momentum the velocity grows, 2, 3.8, 5.42."),
            Mistake(_averaged_distance,
                    "That averages the gradients (v ← 0.9 v + 0.1 g); PyTorch's rule, "
                    "which optim.SGD follows, sums them: v ← 0.9 v + g."),
            Mistake(lambda: _distance(steps=3) - _distance(steps=2),
                    "That is the third step alone (lr · 5.42); the question asks for the "
                    "distance after all three: lr · (2 + 3.8 + 5.42)."),
        ),
    ),
)
