"""What a trained CNN sees: feature maps, top patches, occlusion, saliency, Grad-CAM, attacks.

Each tool asks a trained :class:`cnnlib.nn.Sequential` one question:

- :func:`feature_maps` -- what does each layer compute for this image?
- :func:`top_patches` -- which input patches excite this filter most?
- :func:`occlusion` -- how much does hiding each patch lower the class's
  probability (Zeiler and Fergus, 2014)?
- :func:`saliency` -- how sensitive is the class score to each pixel
  (Simonyan, Vedaldi and Zisserman, 2014)?
- :func:`grad_cam` -- which places of a late feature map does the class
  score rely on (Selvaraju et al., 2017)?
- :func:`class_model` -- what input maximises a class score, within an L2
  budget (Simonyan et al., 2014)?
- :func:`fgsm` -- how small a change flips the answer (Goodfellow, Shlens and
  Szegedy, 2015)?
- :func:`randomize_layers` and :func:`rank_correlation` -- the sanity check
  of Adebayo et al. (2018): does the explanation change when the weights do?

All gradients come from the model's own ``backward``; the tests check each
against finite differences.  The model should be in ``eval()`` mode.
Introduced in the chapter *What a trained CNN sees*.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from ._validate import as_array, check_ndim, positive_int
from .conv import conv_output_size
from .nn import Conv2d, Module, Sequential, no_grad
from .nn.functional import cross_entropy_backward, softmax
from .nn.pooling import AvgPool2d, MaxPool2d
from .receptive_field import receptive_field
from .upsample import interpolate

__all__ = [
    "cascading_randomization",
    "class_model",
    "class_score_gradient",
    "feature_maps",
    "fgsm",
    "fgsm_accuracy",
    "fgsm_predictions",
    "grad_cam",
    "grad_cam_map",
    "occlusion",
    "randomize_layers",
    "rank_correlation",
    "saliency",
    "smallest_flipping_epsilon",
    "top_patches",
]


def _check_model(model: object, fn: str) -> Sequential:
    if not isinstance(model, Sequential):
        raise TypeError(f"{fn}: model must be a cnnlib.nn.Sequential, got {type(model).__name__}")
    return model


def _check_images(x: object, fn: str) -> np.ndarray:
    x = as_array(x, "x", fn)
    check_ndim(x, 4, "x", fn, "(N, C, H, W)")
    return x


def _targets(target: object, n: int, classes: int, fn: str) -> np.ndarray:
    t = np.broadcast_to(np.asarray(target), (n,)).astype(np.int64)
    if t.min() < 0 or t.max() >= classes:
        raise ValueError(f"{fn}: target must be class indices in [0, {classes}), got {target!r}")
    return t


def _one_hot(target: np.ndarray, shape: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    g = np.zeros(shape, dtype=dtype)
    g[np.arange(shape[0]), target] = 1
    return g


def feature_maps(model: Sequential, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Every layer's output for ``x``, in order: ``[(name, activation), ...]``.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, C, H, W)

    Returns
    -------
    list of (str, ndarray)
        ``name`` is ``"index: LayerClass"``; the last entry is the logits.
    """
    fn = "feature_maps"
    model = _check_model(model, fn)
    out = _check_images(x, fn)
    maps = []
    with no_grad():
        for index, layer in enumerate(model):
            out = layer(out)
            maps.append((f"{index}: {type(layer).__name__}", out))
    return maps


def class_score_gradient(
    model: Sequential, x: np.ndarray, target: int | Sequence[int],
) -> tuple[np.ndarray, np.ndarray]:
    """The class scores and the gradient of the target's score (its logit) w.r.t. ``x``.

    Parameters
    ----------
    model : Sequential
        Maps ``(N, C, H, W)`` to ``(N, K)`` logits.
    x : ndarray, shape (N, C, H, W)
    target : int or sequence of N ints

    Returns
    -------
    scores : ndarray, shape (N, K)
    grad : ndarray, shape (N, C, H, W)
        ``d scores[n, target[n]] / d x[n]``.
    """
    fn = "class_score_gradient"
    model = _check_model(model, fn)
    x = _check_images(x, fn)
    scores = model(x)
    t = _targets(target, x.shape[0], scores.shape[1], fn)
    grad = model.backward(_one_hot(t, scores.shape, scores.dtype), output=scores)
    return scores, grad


def saliency(model: Sequential, x: np.ndarray, target: int | Sequence[int]) -> np.ndarray:
    """Simonyan et al.'s saliency map: ``max over channels of |d score / d pixel|``.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, C, H, W)
    target : int or sequence of N ints

    Returns
    -------
    ndarray, shape (N, H, W)
    """
    _, grad = class_score_gradient(model, x, target)
    return np.abs(grad).max(axis=1)


def grad_cam(
    model: Sequential, x: np.ndarray, target: int | Sequence[int], layer: int,
    upsample: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Grad-CAM: feature maps of ``layer`` weighted by how much the class score uses them.

    With ``A`` the output of ``model[layer]`` (``C`` maps) and ``S`` the
    target's score, each map's weight is the average of ``dS/dA_k`` over its
    positions, ``alpha_k = mean(dS/dA_k)``, and the map is
    ``ReLU(sum_k alpha_k A_k)``.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, C, H, W)
    target : int or sequence of N ints
    layer : int
        Index of the layer whose output is explained (a late convolutional
        block's output).
    upsample : bool, default True
        Resize the map bilinearly to the input's ``(H, W)``.

    Returns
    -------
    cam : ndarray, shape (N, H, W), or (N, h, w) at the layer's size
    alpha : ndarray, shape (N, C_layer)
        The channel weights.
    """
    fn = "grad_cam"
    model = _check_model(model, fn)
    x = _check_images(x, fn)
    if not isinstance(layer, int) or not 0 <= layer < len(model) - 1:
        raise ValueError(f"{fn}: layer must be an index in [0, {len(model) - 1}), got {layer!r}")
    with no_grad():
        activation = model[: layer + 1](x)
    if activation.ndim != 4:
        raise ValueError(
            f"{fn}: layer {layer} ({type(model[layer]).__name__}) outputs shape "
            f"{activation.shape}; Grad-CAM needs feature maps (N, C, h, w)"
        )
    tail = model[layer + 1 :]
    scores = tail(activation)
    t = _targets(target, x.shape[0], scores.shape[1], fn)
    grad = tail.backward(_one_hot(t, scores.shape, scores.dtype), output=scores)
    cam, alpha = grad_cam_map(activation, grad)
    if upsample:
        cam = interpolate(cam[:, None], size=x.shape[2:], mode="bilinear")[:, 0]
    return cam, alpha


def grad_cam_map(activation: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grad-CAM's arithmetic, given a layer's maps and the score's gradient w.r.t. them.

    Each channel's weight is the mean of its gradient over the positions,
    ``alpha_k = mean_ij dS/dA_k[i, j]``; the map is
    ``ReLU(sum_k alpha_k A_k)``.

    Parameters
    ----------
    activation : ndarray, shape (N, C, h, w)
        The layer's output ``A``.
    grad : ndarray, shape (N, C, h, w)
        ``dS/dA`` for each image's target score ``S``.

    Returns
    -------
    cam : ndarray, shape (N, h, w)
    alpha : ndarray, shape (N, C)

    Examples
    --------
    >>> A = np.array([[[[1.0, 0], [0, 1]], [[0, 2], [2, 0]]]])
    >>> G = np.array([[[[1.0, 1], [1, 1]], [[-1, 0], [0, -1]]]])
    >>> cam, alpha = grad_cam_map(A, G)
    >>> alpha.tolist(), cam[0].tolist()
    ([[1.0, -0.5]], [[1.0, 0.0], [0.0, 1.0]])
    """
    fn = "grad_cam_map"
    activation = _check_images(activation, fn)
    grad = as_array(grad, "grad", fn)
    if grad.shape != activation.shape:
        raise ValueError(f"{fn}: grad must have the activation's shape {activation.shape}, "
                         f"got {grad.shape}")
    alpha = grad.mean(axis=(2, 3))
    cam = np.maximum(np.einsum("nc,nchw->nhw", alpha, activation), 0)
    return cam, alpha


def occlusion(
    model: Sequential, x: np.ndarray, target: int, size: int = 3, stride: int = 1,
    fill: float = 0.0,
) -> np.ndarray:
    """Drop in the target's probability when a ``size x size`` patch is painted ``fill``.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (1, C, H, W)
        One image.
    target : int
    size, stride : int
        The grey patch's side and step.
    fill : float
        The value painted into the patch (the data's mean, say).

    Returns
    -------
    ndarray, shape (H_out, W_out)
        ``p(target | x) - p(target | x with the patch at (i*stride, j*stride))``;
        ``H_out = (H - size) // stride + 1``.
    """
    fn = "occlusion"
    model = _check_model(model, fn)
    x = _check_images(x, fn)
    if x.shape[0] != 1:
        raise ValueError(f"{fn}: x must hold one image (1, C, H, W), got shape {x.shape}")
    size = positive_int(size, "size", fn)
    stride = positive_int(stride, "stride", fn)
    h, w = x.shape[2:]
    out_h = conv_output_size(h, size, stride)
    out_w = conv_output_size(w, size, stride)
    copies = np.repeat(x, out_h * out_w, axis=0)
    for k, (i, j) in enumerate(np.ndindex(out_h, out_w)):
        copies[k, :, i * stride : i * stride + size, j * stride : j * stride + size] = fill
    with no_grad():
        base = softmax(model(x))[0, target]
        probs = softmax(model(copies))[:, target]
    return (base - probs).reshape(out_h, out_w)


def _first(value: object) -> int:
    """The height component of an int-or-pair setting."""
    return int(value[0]) if isinstance(value, tuple | list) else int(value)


def _geometry(model: Sequential, layer: int) -> tuple[int, int, float]:
    """Receptive-field size, jump and start of ``model[layer]``'s units (height axis)."""
    stack = []
    for module in list(model)[: layer + 1]:
        if isinstance(module, Conv2d):
            pad = module.padding
            if isinstance(pad, str):
                raise ValueError("top_patches: string padding is not supported")
            stack.append((module.kernel_size[0], module.stride[0], pad[0], module.dilation[0]))
        elif isinstance(module, MaxPool2d | AvgPool2d):
            stack.append((_first(module.kernel_size), _first(module.stride),
                          _first(module.padding), _first(getattr(module, "dilation", 1))))
    if not stack:
        return 1, 1, 0.0
    field = receptive_field(stack)[-1]
    return field.size, field.jump, field.start


def top_patches(
    model: Sequential, layer: int, images: np.ndarray, channel: int, k: int = 9,
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int]]]:
    """The ``k`` input patches that excite one channel of ``model[layer]`` most.

    Every image is run through the model up to ``layer``; the ``k`` largest
    values of ``channel`` over all images and positions are found, and for
    each the unit's receptive field is cut out of its image (zero outside
    the image).

    Parameters
    ----------
    model : Sequential
    layer : int
        Index of a layer whose output is ``(N, C, h, w)``.
    images : ndarray, shape (N, C_in, H, W)
    channel : int
    k : int, default 9

    Returns
    -------
    patches : ndarray, shape (k, C_in, r, r)
        ``r`` is the unit's receptive-field size.
    values : ndarray, shape (k,)
        The activations, largest first.
    where : list of (image, row, col)
        The unit's position in the layer's output.
    """
    fn = "top_patches"
    model = _check_model(model, fn)
    images = _check_images(images, fn)
    k = positive_int(k, "k", fn)
    with no_grad():
        maps = model[: layer + 1](images)
    if maps.ndim != 4 or not 0 <= channel < maps.shape[1]:
        raise ValueError(f"{fn}: channel must be in [0, {maps.shape[1]}) of a 4-D layer output, "
                         f"got channel={channel!r} and output shape {maps.shape}")
    act = maps[:, channel]
    order = np.argsort(-act, axis=None, kind="stable")[:k]
    size, jump, start = _geometry(model, layer)
    half = (size - 1) / 2
    pad = size                       # enough zeros for any field hanging over the border
    padded = np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    patches, values, where = [], [], []
    for flat in order:
        n, i, j = np.unravel_index(flat, act.shape)
        top = int(round(start + i * jump - half)) + pad
        left = int(round(start + j * jump - half)) + pad
        patches.append(padded[n, :, top : top + size, left : left + size])
        values.append(act[n, i, j])
        where.append((int(n), int(i), int(j)))
    return np.stack(patches), np.array(values), where


def class_model(
    model: Sequential, target: int, shape: tuple[int, ...], steps: int = 200,
    lr: float = 0.1, l2: float = 0.01, x0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient ascent on the input: ``max_x S_target(x) - l2 * ||x||^2``.

    Parameters
    ----------
    model : Sequential
    target : int or sequence of N ints
        One class for every image (a sequence: one per image, so all the
        class models grow at once; each image's objective involves only its
        own pixels, so the ascent on their sum is N separate ascents).
    shape : tuple
        The input's shape ``(N, C, H, W)``.
    steps : int
    lr : float
        Step size of the ascent.
    l2 : float
        Weight of the L2 penalty that keeps the image bounded.
    x0 : ndarray, optional
        Starting image (zeros by default).

    Returns
    -------
    x : ndarray, shape ``shape``
        The class model.
    objective : ndarray, shape (steps + 1,)
        ``S_target(x) - l2 ||x||^2`` before each step and after the last,
        summed over the N images.
    """
    fn = "class_model"
    model = _check_model(model, fn)
    steps = positive_int(steps, "steps", fn)
    x = np.zeros(shape) if x0 is None else as_array(x0, "x0", fn).copy()
    rows = np.arange(x.shape[0])
    history = []
    for _ in range(steps):
        scores, grad = class_score_gradient(model, x, target)
        t = _targets(target, x.shape[0], scores.shape[1], fn)
        history.append(scores[rows, t].sum() - l2 * np.sum(x * x))
        x = x + lr * (grad - 2 * l2 * x)
    with no_grad():
        history.append(model(x)[rows, t].sum() - l2 * np.sum(x * x))
    return x, np.array(history)


def fgsm(
    model: Sequential, x: np.ndarray, target: Sequence[int] | np.ndarray, epsilon: float,
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> np.ndarray:
    """The fast gradient sign method: ``x + epsilon * sign(dL/dx)``, clipped.

    ``L`` is the cross-entropy of the true labels, so the step increases the
    loss as fast as any step of max-norm ``epsilon`` can, to first order.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, C, H, W)
    target : ndarray of int, shape (N,)
        The true labels.
    epsilon : float
        Largest change of any pixel.
    clip : (float, float) or None
        Keep pixels in the data's range.

    Returns
    -------
    ndarray, shape (N, C, H, W)
    """
    fn = "fgsm"
    model = _check_model(model, fn)
    x = _check_images(x, fn)
    if not epsilon >= 0:
        raise ValueError(f"{fn}: epsilon must be >= 0, got {epsilon!r}")
    logits = model(x)
    t = _targets(target, x.shape[0], logits.shape[1], fn)
    grad = model.backward(cross_entropy_backward(logits, t), output=logits)
    adversarial = x + epsilon * np.sign(grad)
    return adversarial if clip is None else np.clip(adversarial, *clip)


def fgsm_predictions(
    model: Sequential, x: np.ndarray, target: Sequence[int] | np.ndarray,
    epsilons: Sequence[float], clip: tuple[float, float] | None = (0.0, 1.0),
) -> np.ndarray:
    """The model's predicted classes for the FGSM images at every ``epsilon``.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, C, H, W)
    target : ndarray of int, shape (N,)
        The true labels (the attack raises their loss).
    epsilons : sequence of E floats
    clip : (float, float) or None
        As in :func:`fgsm`.

    Returns
    -------
    ndarray of int, shape (E, N)
        ``argmax`` of the logits of ``fgsm(model, x, target, epsilons[e])``.
    """
    fn = "fgsm_predictions"
    model = _check_model(model, fn)
    x = _check_images(x, fn)
    eps = np.asarray(epsilons, dtype=float)
    if eps.ndim != 1 or eps.size == 0 or np.any(eps < 0):
        raise ValueError(f"{fn}: epsilons must be a non-empty 1-D sequence of values >= 0, "
                         f"got {epsilons!r}")
    logits = model(x)
    t = _targets(target, x.shape[0], logits.shape[1], fn)
    sign = np.sign(model.backward(cross_entropy_backward(logits, t), output=logits))
    out = np.empty((eps.size, x.shape[0]), dtype=np.int64)
    with no_grad():
        for e, epsilon in enumerate(eps):
            adversarial = x + epsilon * sign
            if clip is not None:
                adversarial = np.clip(adversarial, *clip)
            out[e] = model(adversarial).argmax(axis=1)
    return out


def fgsm_accuracy(
    model: Sequential, x: np.ndarray, target: Sequence[int] | np.ndarray,
    epsilons: Sequence[float], clip: tuple[float, float] | None = (0.0, 1.0),
) -> np.ndarray:
    """Accuracy on FGSM images at every ``epsilon``: the accuracy-vs-epsilon curve.

    Returns
    -------
    ndarray, shape (E,)
        The fraction of the N images still classified as ``target``.

    Examples
    --------
    >>> from cnnlib.models import digits_cnn
    >>> net = digits_cnn().double().eval()
    >>> fgsm_accuracy(net, np.zeros((2, 1, 8, 8)), [0, 1], [0.0, 0.1]).shape
    (2,)
    """
    t = np.asarray(target)
    return (fgsm_predictions(model, x, target, epsilons, clip) == t).mean(axis=1)


def smallest_flipping_epsilon(
    model: Sequential, x: np.ndarray, target: Sequence[int] | np.ndarray,
    epsilons: Sequence[float], clip: tuple[float, float] | None = (0.0, 1.0),
) -> np.ndarray:
    """For each image, the smallest ``epsilon`` of the grid whose FGSM image is misclassified.

    Parameters
    ----------
    epsilons : sequence of floats
        The grid, in increasing order; the answer is exact to its spacing.

    Returns
    -------
    ndarray, shape (N,)
        ``inf`` where no ``epsilon`` of the grid flips the prediction;
        ``epsilons[0]`` (0, say) for an image already misclassified there.
    """
    eps = np.asarray(epsilons, dtype=float)
    if eps.ndim == 1 and np.any(np.diff(eps) <= 0):
        raise ValueError(f"smallest_flipping_epsilon: epsilons must increase, got {epsilons!r}")
    wrong = fgsm_predictions(model, x, target, eps, clip) != np.asarray(target)
    first = wrong.argmax(axis=0)
    return np.where(wrong.any(axis=0), eps[first], np.inf)


def randomize_layers(model: Module, count: int, seed: int = 0) -> Module:
    """A copy of ``model`` with its last ``count`` weighted layers re-initialised.

    Adebayo et al.'s cascading randomisation: an explanation method that
    passes the sanity check gives visibly different maps as more layers lose
    their training.

    Parameters
    ----------
    model : Module
    count : int
        How many layers with parameters, counted from the output, to reset.
    seed : int
        Seeds cnnlib's initialisers for the reset.

    Returns
    -------
    Module
        A deep copy; ``model`` itself is unchanged.
    """
    from .random import manual_seed

    fn = "randomize_layers"
    count = positive_int(count, "count", fn, minimum=0)
    clone = copy.deepcopy(model)
    weighted = [m for m in clone.modules() if hasattr(m, "reset_parameters")
                and any(True for _ in m.parameters(recurse=False))]
    if count > len(weighted):
        raise ValueError(f"{fn}: count must be at most {len(weighted)} (the layers with "
                         f"parameters), got {count}")
    manual_seed(seed)
    for module in weighted[len(weighted) - count:]:
        module.reset_parameters()
    return clone


def cascading_randomization(
    model: Sequential, x: np.ndarray, target: int | Sequence[int],
    explain: object = None, seeds: Sequence[int] = (0, 1, 2),
) -> np.ndarray:
    """Adebayo et al.'s sanity check: how much of a map survives re-initialising layers?

    For every seed and every ``count`` from 0 to the number of weighted
    layers, the last ``count`` of them are re-initialised
    (:func:`randomize_layers`) and each image's map is compared with the
    trained model's by :func:`rank_correlation`.

    Parameters
    ----------
    model : Sequential
    x : ndarray, shape (N, C, H, W)
    target : int or sequence of N ints
    explain : callable (model, x, target) -> ndarray (N, H, W), default saliency
    seeds : sequence of S ints

    Returns
    -------
    ndarray, shape (S, L + 1, N)
        ``[s, count, n]``: rank correlation of image ``n``'s map with
        ``count`` layers re-initialised (seed ``s``) and its trained map;
        column 0 is 1.
    """
    fn = "cascading_randomization"
    model = _check_model(model, fn)
    x = _check_images(x, fn)
    explain = saliency if explain is None else explain
    if not callable(explain):
        raise TypeError(f"{fn}: explain must be a function (model, x, target) -> maps, "
                        f"got {type(explain).__name__}")
    layers = sum(1 for m in model.modules() if hasattr(m, "reset_parameters")
                 and any(True for _ in m.parameters(recurse=False)))
    trained = explain(model, x, target)
    out = np.empty((len(seeds), layers + 1, x.shape[0]))
    for s, seed in enumerate(seeds):
        for count in range(layers + 1):
            maps = explain(randomize_layers(model, count, seed), x, target)
            out[s, count] = [rank_correlation(a, b) for a, b in zip(trained, maps, strict=True)]
    return out


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation of two maps (ties get their average rank).

    Examples
    --------
    >>> rank_correlation(np.array([1.0, 2, 3, 4]), np.array([10.0, 20, 30, 40]))
    1.0
    >>> rank_correlation(np.array([1.0, 2, 3]), np.array([3.0, 2, 1]))
    -1.0
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape or a.size < 2:
        raise ValueError(f"rank_correlation: a and b must have the same size >= 2, "
                         f"got {a.size} and {b.size}")
    ra, rb = _ranks(a), _ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denom = np.sqrt(np.sum(ra * ra) * np.sum(rb * rb))
    return float(np.sum(ra * rb) / denom) if denom > 0 else 0.0


def _ranks(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="stable")
    ranks = np.empty(v.size)
    ranks[order] = np.arange(v.size, dtype=float)
    # Average the ranks of equal values.
    values, inverse = np.unique(v, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks)
    counts = np.bincount(inverse)
    return (sums / counts)[inverse]
