"""The activation explorer of the chapter *ReLU*: a feature map, its activation and its gradient.

A menu picks the activation, one slider its parameter (leaky ReLU's
negative slope), another a bias added to the feature map before it.  The
widget draws the curve and its derivative, the map after the activation and
the gradient an upstream gradient of ones receives, and prints the map's
sparsity, the share of positions that pass a gradient, and whether the
unit is dead.  Drag the bias far below zero with ReLU to kill the unit; pick
leaky ReLU and it comes back.  The maths is :mod:`cnnlib.activations` and
:mod:`cnnlib.sparsity`.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from .._validate import as_array, check_ndim
from ..activations import (
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
from ..sparsity import dead_channels, sparsity
from ..viz.style import COLUMN_INCHES
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["ACTIVATIONS", "ActivationExplorer", "activation_explorer", "activation_pair"]

#: The activations the explorer offers, by name.
ACTIVATIONS = ("relu", "leaky_relu", "gelu", "sigmoid", "tanh")


def activation_pair(name: str, slope: float = 0.01) -> tuple[Callable, Callable]:
    """The forward function ``f(v)`` and derivative ``f'(v)`` of a named activation.

    Parameters
    ----------
    name : {'relu', 'leaky_relu', 'gelu', 'sigmoid', 'tanh'}
    slope : float
        Leaky ReLU's negative slope (ignored by the others).

    Returns
    -------
    (f, df) : two functions of an ndarray, each returning the same shape

    Examples
    --------
    >>> f, df = activation_pair("leaky_relu", 0.1)
    >>> f(np.array([-2.0, 3.0])), df(np.array([-2.0, 3.0]))
    (array([-0.2,  3. ]), array([0.1, 1. ]))
    """
    table = {
        "relu": (relu, relu_backward),
        "gelu": (gelu, gelu_backward),
        "sigmoid": (sigmoid, sigmoid_backward),
        "tanh": (tanh, tanh_backward),
    }
    if name == "leaky_relu":
        return (lambda v: leaky_relu(v, slope),
                lambda v: leaky_relu_backward(np.ones_like(v), v, slope))
    if name not in table:
        raise ValueError(f"activation_pair: name must be one of {', '.join(ACTIVATIONS)}, "
                         f"got {name!r}")
    forward, backward = table[name]
    return forward, lambda v: backward(np.ones_like(v), v)


class ActivationExplorer(BookWidget):
    """An activation applied to ``pre_activation + bias``: values, gradient, sparsity.

    Parameters
    ----------
    pre_activation : ndarray, shape (H, W)
        A feature map before its activation (the chapter passes the Sobel
        unit's response on the photo).
    activation : str
        One of :data:`ACTIVATIONS`.
    bias : float
        Added to every position before the activation.
    slope : float
        Leaky ReLU's negative slope.

    Attributes
    ----------
    output, gradient : ndarray, shape (H, W)
        ``f(pre_activation + bias)`` and ``f'(pre_activation + bias)`` (the
        gradient reaching the map for an upstream gradient of ones).
    zeros : float
        Sparsity of ``output`` (``|v| <= 1e-9`` counts as zero).
    passing : float
        Fraction of positions whose gradient is not zero.
    dead : bool
        True when the output is zero everywhere.
    """

    def __init__(self, pre_activation: np.ndarray, activation: str = "relu",
                 bias: float = 0.0, slope: float = 0.01) -> None:
        fn = "activation_explorer"
        z = as_array(pre_activation, "pre_activation", fn)
        check_ndim(z, 2, "pre_activation", fn, "(H, W), one feature map")
        activation_pair(activation)          # validates the name
        self.pre_activation = np.asarray(z, dtype=float)
        top = float(np.ceil(np.abs(self.pre_activation).max()))
        slider = {"continuous_update": False, "layout": widgets.Layout(width="300px"),
                  "style": {"description_width": "110px"}}
        self.menu = widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                     description="activation",
                                     layout=widgets.Layout(width="300px"))
        self.bias = widgets.FloatSlider(value=bias, min=-top - 2, max=top / 2, step=0.5,
                                        description="bias b", **slider)
        self.slope = widgets.FloatSlider(value=slope, min=0.0, max=0.5, step=0.01,
                                         description="leaky slope α", readout_format=".2f",
                                         **slider)
        self.readout = widgets.HTML()
        self.message = MessageLine()
        self.figure = FigureImage(figsize=(COLUMN_INCHES, 5.0), dpi=100)
        fig = self.figure.fig
        axes = fig.subplot_mosaic([["curve", "curve", "curve"], ["in", "out", "grad"]],
                                  height_ratios=[1, 1.25])
        ax_curve, ax_in, ax_out, ax_grad = (axes[k] for k in ("curve", "in", "out", "grad"))
        self.ax_curve = ax_curve
        self.curve_x = np.linspace(-4, 4, 401)
        (self._f_line,) = ax_curve.plot(self.curve_x, self.curve_x, color="#000000",
                                        linewidth=2, label="f(v)")
        (self._df_line,) = ax_curve.plot(self.curve_x, self.curve_x, color="#E69F00",
                                         linestyle="--", linewidth=2, label="f′(v)")
        ax_curve.axhline(0, color="0.6", linewidth=0.8)
        ax_curve.axvline(0, color="0.6", linewidth=0.8)
        ax_curve.set_xlim(-4, 4)
        ax_curve.set_ylim(-1.5, 4)
        ax_curve.set_xlabel("input v")
        ax_curve.legend(frameon=False, loc="upper left")
        # the 99th percentile of |map|, so that the many faint edges show
        bound = float(np.quantile(np.abs(self.pre_activation), 0.99)) or 1.0
        self._in = ax_in.imshow(self.pre_activation, cmap="RdBu", vmin=-bound, vmax=bound)
        self._out = ax_out.imshow(self.pre_activation, cmap="RdBu", vmin=-bound, vmax=bound)
        self._grad = ax_grad.imshow(self.pre_activation, cmap="viridis", vmin=0, vmax=1)
        ax_in.set_title("v = map + b")
        ax_out.set_title("f(v)")
        ax_grad.set_title("gradient f′(v)")
        for ax in (ax_in, ax_out, ax_grad):
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(self._in, ax=[ax_in, ax_out], location="bottom", shrink=0.7,
                     aspect=25, label="value (one scale for both)")
        fig.colorbar(self._grad, ax=ax_grad, location="bottom", shrink=0.9, aspect=12,
                     label="gradient")
        self._guarded = guarded(self.update, self.message)
        for control in (self.menu, self.bias, self.slope):
            control.observe(lambda change: self._guarded(), names="value")
        controls = widgets.HBox([self.menu, self.bias, self.slope],
                                layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([controls, self.figure.image, self.readout,
                                    self.message.html],
                                   layout=widgets.Layout(max_width="100%"))
        self._guarded()

    def update(self, activation: str | None = None, bias: float | None = None,
               slope: float | None = None) -> None:
        """Recompute and redraw (by default with the controls' values)."""
        name = self.menu.value if activation is None else activation
        b = self.bias.value if bias is None else float(bias)
        alpha = self.slope.value if slope is None else float(slope)
        f, df = activation_pair(name, alpha)
        v = self.pre_activation + b
        self.output = f(v)
        self.gradient = df(v)
        self.zeros = float(sparsity(self.output, atol=1e-9))
        self.passing = float(np.mean(self.gradient != 0))
        self.dead = bool(dead_channels(self.output[None, None])[0])
        self._f_line.set_ydata(f(self.curve_x))
        self._df_line.set_ydata(df(self.curve_x))
        self.ax_curve.set_title(f"{name}" + (f", α = {alpha:.2f}" if name == "leaky_relu"
                                             else ""))
        self._in.set_data(v)
        self._out.set_data(self.output)
        self._grad.set_data(self.gradient)
        self._grad.set_clim(0, max(1.0, float(self.gradient.max())))
        self.figure.refresh()
        state = ("<b>dead</b>: zero everywhere" if self.dead else "alive")
        self.readout.value = (
            f"{name}, bias {b:+.1f}: {self.zeros:.1%} of the map is zero, "
            f"{self.passing:.1%} of positions pass a gradient, mean gradient "
            f"{float(self.gradient.mean()):.3f}; the unit is {state}.")

    def __repr__(self) -> str:
        return (f"<ActivationExplorer: {self.menu.value}, bias {self.bias.value:+.1f}, "
                f"{self.zeros:.1%} zeros>")


def activation_explorer(pre_activation: np.ndarray, activation: str = "relu",
                        bias: float = 0.0, slope: float = 0.01) -> ActivationExplorer:
    """A menu and sliders that apply an activation to a feature map and show its gradient.

    Introduced in the chapter *ReLU*.

    Parameters
    ----------
    pre_activation : ndarray, shape (H, W)
    activation : {'relu', 'leaky_relu', 'gelu', 'sigmoid', 'tanh'}
    bias : float
    slope : float
        Leaky ReLU's negative slope.

    Returns
    -------
    ActivationExplorer
        Displays as the widget; ``.update(activation, bias, slope)`` is its callback.
    """
    return ActivationExplorer(pre_activation, activation, bias, slope)
