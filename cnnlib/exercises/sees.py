"""Self-checks for the exercises of *What a trained CNN sees* (labels ``sees-ex-N``).

Every right answer is recomputed with cnnlib from the exercise's givens, and
so is every recognised mistake, the way the mistake would compute it.
"""

from __future__ import annotations

import numpy as np

from ..interpret import fgsm, grad_cam_map
from ..nn import Flatten, Linear, Sequential, no_grad
from ..receptive_field import receptive_field
from ._core import Exercise, Mistake, register

# sees-ex-1: the digits network's first block and second convolution.
_CONV = (3, 1, 1)
_POOL = (2, 2, 0)


def _field(*layers: tuple[int, int, int]) -> int:
    return receptive_field(list(layers))[-1].size


# sees-ex-2: a layer of two 2x2 maps and the class score's gradient w.r.t. them.
GRAD_CAM_A = np.array([[[[1.0, 0.0], [2.0, 1.0]], [[0.0, 2.0], [1.0, 1.0]]]])
GRAD_CAM_G = np.array([[[[2.0, 0.0], [1.0, 1.0]], [[-1.0, -1.0], [0.0, -2.0]]]])


def _cam() -> np.ndarray:
    return grad_cam_map(GRAD_CAM_A, GRAD_CAM_G)[0][0]


def _cam_without_relu() -> np.ndarray:
    alpha = grad_cam_map(GRAD_CAM_A, GRAD_CAM_G)[1][0]
    return np.tensordot(alpha, GRAD_CAM_A[0], axes=1)


def _cam_with_sums() -> np.ndarray:
    h, w = GRAD_CAM_A.shape[2:]
    return grad_cam_map(GRAD_CAM_A, GRAD_CAM_G * (h * w))[0][0]


def _cam_elementwise() -> np.ndarray:
    return np.maximum((GRAD_CAM_G[0] * GRAD_CAM_A[0]).sum(axis=0), 0)


# sees-ex-3: a linear two-class model on four pixels, attacked by FGSM.
FGSM_W = np.array([[1.0, -2.0, 0.5, 3.0], [-1.0, 1.0, 0.5, 1.0]])
FGSM_EPSILON = 0.1


def _margin_drop() -> float:
    model = Sequential(Flatten(), Linear(4, 2, bias=False, dtype=np.float64))
    model[1].weight.data[...] = FGSM_W
    x = np.full((1, 1, 2, 2), 0.5)
    adversarial = fgsm(model, x, [0], FGSM_EPSILON, clip=None)
    with no_grad():
        before, after = model(x)[0], model(adversarial)[0]
    return float((before[0] - before[1]) - (after[0] - after[1]))


register(
    Exercise(
        "sees-ex-1", "The receptive field (in input pixels) of a unit of the second "
        "convolution.",
        lambda: _field(_CONV, _POOL, _CONV),
        hint="Stack the three layers: r grows by (k - 1) times the jump so far, and the "
             "pooling doubles the jump.",
        mistakes=(
            Mistake(lambda: _field(_CONV, _CONV),
                    "The max-pooling in between counts too: its 2x2 window widens the field "
                    "and doubles the jump."),
            Mistake(lambda: _field(_CONV, (2, 1, 0), _CONV),
                    "After the stride-2 pooling, neighbouring units are 2 input pixels apart: "
                    "the second convolution's taps are spread out by the jump."),
        ),
    ),
    Exercise(
        "sees-ex-2", "The 2x2 Grad-CAM map for the maps A and gradients G of the exercise.",
        _cam, kind="array",
        hint="alpha_k is the mean of G_k over the positions; the map is "
             "ReLU(alpha_0 A_0 + alpha_1 A_1).",
        mistakes=(
            Mistake(_cam_without_relu, "Grad-CAM keeps only the positive part: apply the "
                                       "ReLU to the weighted sum."),
            Mistake(_cam_with_sums, "The weights are the *mean* of each gradient map, not "
                                    "its sum."),
            Mistake(_cam_elementwise, "Grad-CAM weights each whole map by one number, "
                                      "alpha_k: pool the gradient first, then weight the map."),
        ),
    ),
    Exercise(
        "sees-ex-3", "How much FGSM with epsilon 0.1 lowers the margin s_0 - s_1.",
        _margin_drop,
        hint="Each pixel moves by epsilon against the sign of w_0 - w_1; add up what each "
             "move costs the margin.",
        mistakes=(
            Mistake(lambda: FGSM_EPSILON * np.linalg.norm(FGSM_W[0] - FGSM_W[1]),
                    "FGSM moves every pixel by the full epsilon (a max-norm step), so the "
                    "L1 norm of w_0 - w_1 enters, not the L2 norm."),
            Mistake(lambda: FGSM_EPSILON * (FGSM_W[0] - FGSM_W[1]).sum(),
                    "Every pixel moves in the direction that hurts: the changes add up as "
                    "absolute values."),
            Mistake(lambda: FGSM_EPSILON * np.abs(FGSM_W[0]).sum(),
                    "The margin involves both scores: use w_0 - w_1."),
        ),
    ),
)
