"""``summary(model, input_size)``: a network's shapes, parameters, cost and receptive field.

A shape-only pass.  Nothing is computed on data: every module type has a
*shape rule* (a small function in this file's registry) that takes the
input shape and returns the output shape, the multiply-accumulates (MACs)
and, for convolutions and poolings, the window geometry that moves the
receptive field.  So summarising VGG-16 at 224x224 takes milliseconds,
where a real forward pass takes seconds.

Per layer it reports:

* the output shape (batch axis included);
* the parameters the layer owns (a container: everything below it);
* the multiply-accumulates of convolutions and dense layers, for the given
  batch -- the count torchvision publishes as "GFLOPS" (BatchNorm,
  activations, poolings and additions are not counted);
* the receptive field (size and jump, per axis, from the recurrence
  ``r += (k_eff - 1) * j; j *= s`` of :mod:`cnnlib.receptive_field`)
  along the *main path*.  Side branches -- a ResNet block's ``downsample``
  shortcut, a squeeze-and-excitation gate -- are listed with their
  parameters and cost but leave the field alone (a shortcut sees a subset of
  what the main path sees).  The first dense layer after a flatten sees the
  whole remaining map, so it widens the field to all of it.

Introduced in the chapter "Architectures".
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

from ._validate import positive_int
from .conv import conv_output_size
from .conv_transpose import conv_transpose_output_size
from .counting import conv2d_macs, linear_macs
from .models import (
    VGG,
    AlexNet,
    BasicBlock,
    Bottleneck,
    EfficientNet,
    InvertedResidual,
    LeNet5,
    MBConv,
    MobileNetV2,
    ResNet,
    SqueezeExcitation,
)
from .nn import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    ConvTranspose2d,
    Dropout,
    Flatten,
    GroupNorm,
    Identity,
    LayerNorm,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    ReLU6,
    Sequential,
    Sigmoid,
    SiLU,
    StochasticDepth,
    Tanh,
    Upsample,
)
from .nn.functional import _output_size, adaptive_bins

__all__ = ["LayerSummary", "ModelSummary", "SummaryView", "register", "summary"]

Shape = tuple[int, ...]
Pair = tuple[int, int]


@dataclass(frozen=True)
class LayerSummary:
    """One row of a :class:`ModelSummary`.

    Attributes
    ----------
    name : str
        The module's dotted name, as in ``state_dict`` keys
        (``'layer1.0.conv1'``); a step that is a function call in the
        model's forward pass, not a module, is named in parentheses
        (``'(flatten)'``).
    type : str
        The module's class name.
    depth : int
        Nesting level: 0 for the model's direct children.
    output_shape : tuple of int
        Including the batch axis.
    params : int
        Parameters of this module and everything below it.
    macs : int
        Multiply-accumulates of the convolutions and dense layers in it,
        for the whole batch.
    rf : (int, int) or None
        Receptive field (height, width) of one output unit, in input
        pixels, along the main path; None for a side branch.
    jump : (int, int) or None
        Distance in input pixels between neighbouring units' fields.
    main_path : bool
        False inside a side branch (shortcut, SE gate).
    leaf : bool
        True for a module with no children.
    """

    name: str
    type: str
    depth: int
    output_shape: Shape
    params: int
    macs: int
    rf: Pair | None
    jump: Pair | None
    main_path: bool
    leaf: bool


def _pair_text(p: Pair | None) -> str:
    if p is None:
        return "-"
    return str(p[0]) if p[0] == p[1] else f"{p[0]}x{p[1]}"


def _shape_text(shape: Shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _giga(n: int) -> str:
    return f"{n / 1e9:.2f} G" if n >= 1e8 else f"{n / 1e6:.2f} M"


class ModelSummary(Sequence[LayerSummary]):
    """What :func:`summary` returns: the rows, the totals, a text and an HTML table.

    A read-only sequence of :class:`LayerSummary` rows in execution order
    (a module's row comes before its children's); a row's name also works
    as an index.  ``print(s)`` shows the text table, a notebook shows the
    HTML one.

    Attributes
    ----------
    model_type : str
    input_shape : tuple of int
    output_shape : tuple of int
    total_params : int
        Every parameter of the model, counted once.
    trainable_params : int
        Those with ``requires_grad``.
    total_macs : int
        Sum over every convolution and dense layer (side branches included).
    receptive_field : (int, int)
        The field of one unit of the last feature map on the main path,
        before global pooling and the classifier (ResNet-18: ``layer4``).
    jump : (int, int)
        Its jump.
    weight_layers : int
        Convolutions and dense layers on the main path (the "18" of
        ResNet-18; shortcuts and SE gates not counted).
    depth : int or None
        How many nesting levels the printed tables show (None: all).
    """

    def __init__(self, model: Module, input_shape: Shape, output_shape: Shape,
                 rows: Sequence[LayerSummary], receptive_field: Pair, jump: Pair,
                 depth: int | None) -> None:
        self.model_type = type(model).__name__
        self.input_shape = input_shape
        self.output_shape = output_shape
        self._rows = tuple(rows)
        params = model.parameters()
        self.total_params = sum(p.size for p in params)
        self.trainable_params = sum(p.size for p in params if p.requires_grad)
        self.total_macs = sum(r.macs for r in self._rows if r.leaf)
        self.receptive_field = receptive_field
        self.jump = jump
        self.weight_layers = sum(
            1 for r in self._rows if r.leaf and r.main_path and r.type in ("Conv2d", "Linear"))
        self.depth = depth

    @overload
    def __getitem__(self, key: int | str) -> LayerSummary: ...

    @overload
    def __getitem__(self, key: slice) -> tuple[LayerSummary, ...]: ...

    def __getitem__(self, key: int | str | slice) -> LayerSummary | tuple[LayerSummary, ...]:
        if isinstance(key, str):
            for row in self._rows:
                if row.name == key:
                    return row
            raise KeyError(f"ModelSummary: no layer named {key!r}")
        return self._rows[key]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[LayerSummary]:
        return iter(self._rows)

    def rows(self, depth: int | None = None) -> list[LayerSummary]:
        """The rows at nesting levels below ``depth`` (all rows for None)."""
        if depth is None:
            return list(self._rows)
        return [r for r in self._rows if r.depth < depth]

    def _cells(self, depth: int | None) -> list[list[str]]:
        return [
            ["  " * r.depth + r.name, r.type, _shape_text(r.output_shape), f"{r.params:,}",
             f"{r.macs:,}", _pair_text(r.rf), _pair_text(r.jump)]
            for r in self.rows(depth)
        ]

    def _totals(self) -> list[str]:
        return [
            f"Input shape: {_shape_text(self.input_shape)}   "
            f"Output shape: {_shape_text(self.output_shape)}",
            f"Parameters: {self.total_params:,} (trainable {self.trainable_params:,})",
            f"Multiply-accumulates (conv + linear): {self.total_macs:,} "
            f"({_giga(self.total_macs)})",
            f"Receptive field: {_pair_text(self.receptive_field)} pixels, "
            f"jump {_pair_text(self.jump)}; weight layers on the main path: "
            f"{self.weight_layers}",
        ]

    _headers = ("Layer", "Type", "Output shape", "Params", "MACs", "RF", "Jump")

    def table(self, depth: int | None = -1) -> str:
        """The summary as a plain-text table, then the totals.

        Parameters
        ----------
        depth : int or None, optional
            Show nesting levels ``0 .. depth - 1`` only (1: the model's
            direct children); None shows every row.  By default, the
            ``depth`` given to :func:`summary`.

        Returns
        -------
        str
        """
        if depth == -1:
            depth = self.depth
        cells = [list(self._headers)] + self._cells(depth)
        widths = [max(len(line[i]) for line in cells) for i in range(len(self._headers))]
        lines = []
        for k, line in enumerate(cells):
            parts = [c.ljust(w) if i < 3 else c.rjust(w)
                     for i, (c, w) in enumerate(zip(line, widths, strict=True))]
            lines.append("  ".join(parts).rstrip())
            if k == 0:
                lines.append("-" * len(lines[0]))
        rule = "=" * max(len(line) for line in lines)
        return "\n".join([rule, f"{self.model_type}", rule, *lines, rule, *self._totals(), rule])

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return self.table()

    def html(self, depth: int | None = -1) -> str:
        """The summary as a compact HTML table that fits the book's text column.

        Small type, tight cells and numbers that never wrap keep all seven
        columns -- the receptive field and jump included -- inside a 688 px
        column for every network in the book; a narrower screen scrolls the
        table itself, not the page.

        Parameters
        ----------
        depth : int or None, optional
            As for :meth:`table`.

        Returns
        -------
        str
            ``<table class="cnnlib-summary">`` with the rows, and the totals in
            its footer.
        """
        if depth == -1:
            depth = self.depth
        cell = "padding:0.1em 0.45em;white-space:nowrap"
        head = "".join(
            f'<th style="{cell};text-align:{"left" if i < 3 else "right"}">{h}</th>'
            for i, h in enumerate(self._headers))
        body = []
        for r, cells in zip(self.rows(depth), self._cells(depth), strict=True):
            tds = [f'<td style="{cell};text-align:left;padding-left:{0.45 + 1.0 * r.depth:.2f}em">'
                   f"<code>{html.escape(r.name)}</code></td>",
                   f'<td style="{cell};text-align:left">{html.escape(cells[1])}</td>',
                   f'<td style="{cell};text-align:left">{cells[2]}</td>']
            tds += [f'<td style="{cell};text-align:right">{c}</td>' for c in cells[3:]]
            body.append("<tr>" + "".join(tds) + "</tr>")
        foot = "<br>".join(html.escape(t) for t in self._totals())
        return (
            '<table class="cnnlib-summary" style="font-size:0.78em;line-height:1.35;'
            "border-collapse:collapse;display:block;max-width:100%;overflow-x:auto;"
            'font-variant-numeric:tabular-nums">'
            f'<caption style="text-align:left;font-weight:bold">'
            f"{html.escape(self.model_type)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            f'<tfoot><tr><td colspan="{len(self._headers)}" style="padding:0.3em 0.45em;'
            f'text-align:left">{foot}</td></tr></tfoot></table>'
        )

    def _repr_html_(self) -> str:
        return self.html()

    def view(self, depth: int | None = -1) -> SummaryView:
        """The summary at ``depth`` for display: HTML in a notebook, the text table in print.

        Examples
        --------
        >>> from cnnlib.nn import Conv2d
        >>> v = summary(Conv2d(1, 2, 3), (1, 1, 5, 5)).view(depth=None)
        >>> v._repr_html_().startswith('<table class="cnnlib-summary"')
        True
        """
        return SummaryView(self, depth)


class SummaryView:
    """A :class:`ModelSummary` shown at one nesting depth (see :meth:`ModelSummary.view`)."""

    def __init__(self, summary: ModelSummary, depth: int | None) -> None:
        self.summary = summary
        self.depth = depth

    def _repr_html_(self) -> str:
        return self.summary.html(self.depth)

    def __repr__(self) -> str:
        return self.summary.table(self.depth)


# --------------------------------------------------------------------------
# The tracer: walks the module tree with shapes only
# --------------------------------------------------------------------------

Rule = Callable[["_Tracer", Module, str, int, Shape], Shape]
_RULES: dict[type, Rule] = {}


def register(cls: type) -> Callable[[Rule], Rule]:
    """Decorator: make ``rule`` the shape rule of module class ``cls`` (and its subclasses).

    A rule is ``rule(tracer, module, name, depth, shape) -> output_shape``.
    A leaf's rule calls ``tracer.leaf(module, name, depth, out_shape, macs,
    window)``; a container's rule calls ``tracer.child(module, attr, name,
    depth, shape, side=False)`` for each child, in the order the forward
    pass runs them, and returns the last shape.

    Examples
    --------
    >>> from cnnlib.nn import Module
    >>> class Double(Module):          # an element-wise layer of one's own
    ...     def forward(self, x):
    ...         return 2 * x
    >>> @register(Double)
    ... def _double(t, m, name, depth, shape):
    ...     return t.leaf(m, name, depth, shape)
    >>> summary(Double(), (1, 3, 8, 8)).output_shape
    (1, 3, 8, 8)
    """
    if not isinstance(cls, type):
        raise TypeError(f"register: cls must be a class, got {type(cls).__name__}")

    def deco(rule: Rule) -> Rule:
        _RULES[cls] = rule
        return rule

    return deco


def _rule_for(m: Module, name: str) -> Rule:
    for klass in type(m).__mro__:
        if klass in _RULES:
            return _RULES[klass]
    raise TypeError(
        f"summary: no shape rule for {type(m).__name__} (module {name or '<model>'!r}); "
        f"register one with `from cnnlib.summary import register`; register({type(m).__name__})"
    )


class _Tracer:
    """Carries the receptive field along the main path and collects the rows."""

    def __init__(self) -> None:
        self.rows: list[LayerSummary | None] = []
        self.rf: Pair = (1, 1)
        self.jump: Pair = (1, 1)
        self.side = 0
        self.pending: Pair | None = None     # the map a flatten left for the next dense layer
        self.last_spatial: tuple[Pair, Pair] = ((1, 1), (1, 1))
        # After a layer that enlarges the map (transposed convolution,
        # upsampling) the jump is a fraction of a pixel and the integer
        # recurrence no longer applies: the field is shown as unknown.
        self.field_lost = False

    def window(self, kernel: Pair, stride: Pair, dilation: Pair = (1, 1)) -> None:
        """Apply one layer of the receptive-field recurrence (main path only)."""
        if self.side or self.field_lost:
            return
        rf, jump = [], []
        for axis in range(2):
            k_eff = dilation[axis] * (kernel[axis] - 1) + 1
            rf.append(self.rf[axis] + (k_eff - 1) * self.jump[axis])
            jump.append(self.jump[axis] * stride[axis])
        self.rf, self.jump = (rf[0], rf[1]), (jump[0], jump[1])

    def leaf(self, m: Module | None, name: str, depth: int, out_shape: Shape, macs: int = 0,
             window: tuple[Pair, Pair, Pair] | None = None, type_name: str | None = None,
             spatial: bool = True) -> Shape:
        """Record one leaf row (``m`` None for a function step); return ``out_shape``."""
        if window is not None:
            self.window(*window)
        if spatial and not self.side and len(out_shape) == 4:
            self.last_spatial = (self.rf, self.jump)
        params = 0 if m is None else sum(p.size for p in m.parameters())
        unknown = bool(self.side) or self.field_lost
        self.rows.append(LayerSummary(
            name=name, type=type_name or type(m).__name__, depth=depth,
            output_shape=tuple(int(s) for s in out_shape), params=params, macs=int(macs),
            rf=None if unknown else self.rf, jump=None if unknown else self.jump,
            main_path=not self.side, leaf=True))
        return out_shape

    def child(self, parent: Module, attr: str, name: str, depth: int, shape: Shape,
              side: bool = False) -> Shape:
        """Visit ``parent.attr`` (named ``name.attr``, at ``depth``); return its output shape."""
        module = getattr(parent, attr)
        full = f"{name}.{attr}" if name else attr
        if side:
            self.side += 1
        try:
            return self.visit(module, full, depth, shape)
        finally:
            if side:
                self.side -= 1

    def visit(self, m: Module, name: str, depth: int, shape: Shape, emit: bool = True) -> Shape:
        rule = _rule_for(m, name)
        if not any(True for _ in m.named_children()):
            return rule(self, m, name, depth, shape)
        index = len(self.rows)
        if emit:
            self.rows.append(None)                      # filled in below, after the children
        out = rule(self, m, name, depth + 1 if emit else depth, shape)
        if emit:
            below = [r for r in self.rows[index + 1:] if r is not None and r.leaf]
            self.rows[index] = LayerSummary(
                name=name, type=type(m).__name__, depth=depth,
                output_shape=tuple(int(s) for s in out), params=sum(p.size for p in m.parameters()),
                macs=sum(r.macs for r in below),
                rf=None if self.side else self.rf, jump=None if self.side else self.jump,
                main_path=not self.side, leaf=False)
        return out


def _fail(name: str, m: Module | None, message: str) -> ValueError:
    kind = type(m).__name__ if m is not None else "step"
    return ValueError(f"summary: layer {name!r} ({kind}) {message}")


def _need_4d(shape: Shape, name: str, m: Module) -> None:
    if len(shape) != 4:
        raise _fail(name, m, f"needs an (N, C, H, W) input, got shape {shape}")


def _need_channels(shape: Shape, channels: int, name: str, m: Module) -> None:
    _need_4d(shape, name, m)
    if shape[1] != channels:
        raise _fail(name, m, f"expects {channels} input channels, got input shape {shape}")


def _as_pair(v: object) -> Pair:
    if isinstance(v, tuple | list):
        return int(v[0]), int(v[1])
    return int(v), int(v)  # type: ignore[call-overload]


def _window_out(shape: Shape, kernel: Pair, stride: Pair, padding: object, dilation: Pair,
                name: str, m: Module) -> Pair:
    pads: tuple[object, object] = (
        (padding, padding) if isinstance(padding, str) else _as_pair(padding))
    try:
        return (conv_output_size(shape[2], kernel[0], stride[0], pads[0], dilation[0]),
                conv_output_size(shape[3], kernel[1], stride[1], pads[1], dilation[1]))
    except ValueError as err:
        raise _fail(name, m, f"does not fit its input of shape {shape}: {err}") from None


# ---------------------------------------------------------------------- leaf rules
@register(Conv2d)
def _conv(t: _Tracer, m: Conv2d, name: str, depth: int, shape: Shape) -> Shape:
    _need_channels(shape, m.in_channels, name, m)
    ho, wo = _window_out(shape, m.kernel_size, m.stride, m.padding, m.dilation, name, m)
    macs = shape[0] * conv2d_macs(m.in_channels, m.out_channels, m.kernel_size, (ho, wo),
                                  m.groups)
    return t.leaf(m, name, depth, (shape[0], m.out_channels, ho, wo), macs,
                  (m.kernel_size, m.stride, m.dilation))


def _pool(t: _Tracer, m: MaxPool2d | AvgPool2d, name: str, depth: int, shape: Shape) -> Shape:
    _need_4d(shape, name, m)
    kernel, stride = _as_pair(m.kernel_size), _as_pair(m.stride)
    dilation = _as_pair(getattr(m, "dilation", 1))
    padding = _as_pair(m.padding)
    for p, k in zip(padding, kernel, strict=True):
        if 2 * p > k:                  # PyTorch's rule, which forward applies too
            raise _fail(name, m, f"has padding={m.padding} larger than half of kernel_size="
                                 f"{m.kernel_size}: padding must be at most half the kernel")
    if getattr(m, "ceil_mode", False):
        ho, wo = (_ceil_pool_size(shape[2 + i], kernel[i], stride[i], padding[i], dilation[i],
                                  name, m) for i in range(2))
    else:
        ho, wo = _window_out(shape, kernel, stride, m.padding, dilation, name, m)
    return t.leaf(m, name, depth, (shape[0], shape[1], ho, wo), 0, (kernel, stride, dilation))


def _ceil_pool_size(size: int, k: int, s: int, p: int, d: int, name: str, m: Module) -> int:
    """PyTorch's ceil_mode size: round up, but the last window starts inside input or padding."""
    out = -(-(size + 2 * p - d * (k - 1) - 1) // s) + 1
    if (out - 1) * s >= size + p:
        out -= 1
    if out < 1:
        raise _fail(name, m, f"does not fit an input side of {size} (kernel {k}, dilation {d}, "
                             f"padding {p})")
    return out


register(MaxPool2d)(_pool)
register(AvgPool2d)(_pool)


@register(ConvTranspose2d)
def _conv_transpose(t: _Tracer, m: ConvTranspose2d, name: str, depth: int,
                    shape: Shape) -> Shape:
    _need_channels(shape, m.in_channels, name, m)
    try:
        ho, wo = (conv_transpose_output_size(shape[2 + i], m.kernel_size[i], m.stride[i],
                                             m.padding[i], m.output_padding[i], m.dilation[i])
                  for i in range(2))
    except ValueError as err:
        raise _fail(name, m, f"does not fit its input of shape {shape}: {err}") from None
    # Every input pixel stamps C_out/groups x kh x kw products per input channel.
    macs = (shape[0] * shape[2] * shape[3] * m.in_channels * (m.out_channels // m.groups)
            * m.kernel_size[0] * m.kernel_size[1])
    t.field_lost = True
    return t.leaf(m, name, depth, (shape[0], m.out_channels, ho, wo), macs)


@register(Upsample)
def _upsample(t: _Tracer, m: Upsample, name: str, depth: int, shape: Shape) -> Shape:
    _need_4d(shape, name, m)
    if m.size is not None:
        ho, wo = _as_pair(m.size)
    else:
        fh, fw = m.scale_factor if isinstance(m.scale_factor, tuple | list) else (
            m.scale_factor, m.scale_factor)
        ho, wo = int(math.floor(shape[2] * fh)), int(math.floor(shape[3] * fw))
    t.field_lost = True
    # Interpolation's few multiplies per output are not counted, as for pooling.
    return t.leaf(m, name, depth, (shape[0], shape[1], ho, wo), 0)


@register(AdaptiveAvgPool2d)
def _adaptive(t: _Tracer, m: AdaptiveAvgPool2d, name: str, depth: int, shape: Shape) -> Shape:
    _need_4d(shape, name, m)
    oh, ow = _output_size(m.output_size, shape[2], shape[3], "summary")
    return _adaptive_step(t, m, name, depth, shape, (oh, ow))


def _adaptive_step(t: _Tracer, m: Module | None, name: str, depth: int, shape: Shape,
                   out: Pair, type_name: str | None = None) -> Shape:
    # Divisible sizes are ordinary pooling (k = s = in/out).  Otherwise the
    # bins differ by one: take the widest bin as the kernel, in // out as the stride.
    kernel, stride = [], []
    for size, o in zip(shape[2:], out, strict=True):
        bins = adaptive_bins(size, o)
        kernel.append(max(e - s for s, e in bins))
        stride.append(max(size // o, 1))
    is_global = out == (1, 1) and tuple(shape[2:]) != (1, 1)
    return t.leaf(m, name, depth, (shape[0], shape[1], out[0], out[1]), 0,
                  ((kernel[0], kernel[1]), (stride[0], stride[1]), (1, 1)), type_name,
                  spatial=not is_global)


@register(Linear)
def _linear(t: _Tracer, m: Linear, name: str, depth: int, shape: Shape) -> Shape:
    if len(shape) < 1 or shape[-1] != m.in_features:
        raise _fail(name, m, f"expects {m.in_features} input features, got input shape {shape}")
    if t.pending is not None and not t.side:
        # every output of the first dense layer sees every position of the flattened map
        t.window(t.pending, t.pending)
        t.pending = None
    macs = math.prod(shape[:-1]) * linear_macs(m.in_features, m.out_features)
    return t.leaf(m, name, depth, shape[:-1] + (m.out_features,), macs)


@register(BatchNorm2d)
def _bn(t: _Tracer, m: BatchNorm2d, name: str, depth: int, shape: Shape) -> Shape:
    _need_channels(shape, m.num_features, name, m)
    return t.leaf(m, name, depth, shape)


@register(BatchNorm1d)
def _bn1d(t: _Tracer, m: BatchNorm1d, name: str, depth: int, shape: Shape) -> Shape:
    if len(shape) not in (2, 3) or shape[1] != m.num_features:
        raise _fail(name, m, f"needs an (N, {m.num_features}) or (N, {m.num_features}, L) input, "
                             f"got shape {shape}")
    return t.leaf(m, name, depth, shape, spatial=False)


@register(GroupNorm)
def _gn(t: _Tracer, m: GroupNorm, name: str, depth: int, shape: Shape) -> Shape:
    if len(shape) < 2 or shape[1] != m.num_channels:
        raise _fail(name, m, f"expects {m.num_channels} input channels, got input shape {shape}")
    return t.leaf(m, name, depth, shape)


@register(LayerNorm)
def _ln(t: _Tracer, m: LayerNorm, name: str, depth: int, shape: Shape) -> Shape:
    d = len(m.normalized_shape)
    if tuple(shape[len(shape) - d:]) != m.normalized_shape or len(shape) < d:
        raise _fail(name, m, f"normalises the last axes {m.normalized_shape}, got input shape "
                             f"{shape}")
    return t.leaf(m, name, depth, shape)


def _same(t: _Tracer, m: Module, name: str, depth: int, shape: Shape) -> Shape:
    return t.leaf(m, name, depth, shape)


for _cls in (ReLU, ReLU6, SiLU, Sigmoid, Tanh, Dropout, Identity, StochasticDepth):
    register(_cls)(_same)


def _flatten_step(t: _Tracer, m: Module | None, name: str, depth: int, shape: Shape,
                  start: int = 1, end: int = -1) -> Shape:
    nd = len(shape)
    if not (-nd <= start < nd and -nd <= end < nd) or start % nd > end % nd:
        raise _fail(name, m, f"has start_dim={start} and end_dim={end}, which do not fit an "
                             f"input of shape {shape} (start must not come after end)")
    s, e = start % nd, end % nd
    out = shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]
    if nd == 4 and s <= 2 and e == 3 and not t.side:
        t.pending = (shape[2], shape[3])
    return t.leaf(m, name, depth, out, type_name=None if m is not None else "flatten",
                  spatial=False)


@register(Flatten)
def _flatten(t: _Tracer, m: Flatten, name: str, depth: int, shape: Shape) -> Shape:
    return _flatten_step(t, m, name, depth, shape, m.start_dim, m.end_dim)


# ---------------------------------------------------------------------- containers and blocks
@register(Sequential)
def _sequential(t: _Tracer, m: Sequential, name: str, depth: int, shape: Shape) -> Shape:
    for attr, _ in m.named_children():
        shape = t.child(m, attr, name, depth, shape)
    return shape


def _residual(t: _Tracer, m: Module, name: str, depth: int, shape: Shape,
              main: Sequence[str], shortcut: str | None) -> Shape:
    out = shape
    for attr in main:
        out = t.child(m, attr, name, depth, out)
    if shortcut is not None and getattr(m, shortcut) is not None:
        short = t.child(m, shortcut, name, depth, shape, side=True)
        if short != out:
            raise _fail(name, m, f"main path gives {out} but the shortcut gives {short}")
    return out


@register(BasicBlock)
def _basic(t: _Tracer, m: BasicBlock, name: str, depth: int, shape: Shape) -> Shape:
    return _residual(t, m, name, depth, shape, ["conv1", "bn1", "relu", "conv2", "bn2"],
                     "downsample")


@register(Bottleneck)
def _bottleneck(t: _Tracer, m: Bottleneck, name: str, depth: int, shape: Shape) -> Shape:
    return _residual(t, m, name, depth, shape,
                     ["conv1", "bn1", "relu", "conv2", "bn2", "conv3", "bn3"], "downsample")


@register(InvertedResidual)
def _inverted(t: _Tracer, m: InvertedResidual, name: str, depth: int, shape: Shape) -> Shape:
    return _residual(t, m, name, depth, shape, ["conv"], None)


@register(MBConv)
def _mbconv(t: _Tracer, m: MBConv, name: str, depth: int, shape: Shape) -> Shape:
    return _residual(t, m, name, depth, shape, ["block", "stochastic_depth"], None)


@register(SqueezeExcitation)
def _se(t: _Tracer, m: SqueezeExcitation, name: str, depth: int, shape: Shape) -> Shape:
    _need_channels(shape, m.input_channels, name, m)
    s = shape
    for attr in ("avgpool", "fc1", "activation", "fc2", "scale_activation"):
        s = t.child(m, attr, name, depth, s, side=True)      # the gate is a side branch
    return shape


@register(ResNet)
def _resnet(t: _Tracer, m: ResNet, name: str, depth: int, shape: Shape) -> Shape:
    for attr in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                 "avgpool"):
        shape = t.child(m, attr, name, depth, shape)
    shape = _flatten_step(t, None, "(flatten)", depth, shape)
    return t.child(m, "fc", name, depth, shape)


def _features_classifier(t: _Tracer, m: Module, name: str, depth: int, shape: Shape) -> Shape:
    shape = t.child(m, "features", name, depth, shape)
    if "avgpool" in m._modules:
        shape = t.child(m, "avgpool", name, depth, shape)
    shape = _flatten_step(t, None, "(flatten)", depth, shape)
    return t.child(m, "classifier", name, depth, shape)


for _cls in (LeNet5, AlexNet, VGG, EfficientNet):
    register(_cls)(_features_classifier)


@register(MobileNetV2)
def _mobilenet(t: _Tracer, m: MobileNetV2, name: str, depth: int, shape: Shape) -> Shape:
    shape = t.child(m, "features", name, depth, shape)
    # torchvision pools with a function call, not a module
    shape = _adaptive_step(t, None, "(adaptive_avg_pool2d)", depth, shape, (1, 1),
                           "adaptive_avg_pool2d")
    shape = _flatten_step(t, None, "(flatten)", depth, shape)
    return t.child(m, "classifier", name, depth, shape)


# --------------------------------------------------------------------------
# The public function
# --------------------------------------------------------------------------


def summary(model: Module, input_size: Sequence[int], depth: int | None = None) -> ModelSummary:
    """Shapes, parameters, multiply-accumulates and receptive fields, layer by layer.

    A shape-only pass: no array the size of an activation is made and no
    arithmetic is done on data, so it is instant even for VGG-16.  The rows
    follow the forward pass; side branches (a ResNet shortcut, an SE gate)
    are listed but do not move the receptive field.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    model : Module
        A :mod:`cnnlib.models` network, a ``Sequential`` of cnnlib layers,
        or any module whose class has a shape rule (see :func:`register`).
    input_size : sequence of int
        ``(N, C, H, W)``, or ``(C, H, W)`` for one image; ``(N, features)``
        for a network of dense layers.
    depth : int, optional
        How many nesting levels ``print`` and the notebook table show (1:
        the model's direct children, such as ResNet's ``layer1``); every
        row is kept in the result either way.

    Returns
    -------
    ModelSummary
        Rows (:class:`LayerSummary`) and totals: ``total_params``,
        ``total_macs`` (for the whole batch), ``output_shape``,
        ``receptive_field``, ``jump``, ``weight_layers``.

    Raises
    ------
    TypeError
        If ``model`` is not a Module, ``input_size`` is not a sequence of
        ints, or a module has no shape rule.
    ValueError
        If ``input_size`` has the wrong length, or a layer does not fit the
        shape that reaches it (the message names the layer).

    Examples
    --------
    >>> from cnnlib.models import resnet18
    >>> s = summary(resnet18(), (1, 3, 224, 224))
    >>> s.total_params, s.total_macs
    (11689512, 1814073344)
    >>> s["layer4"].output_shape, s.receptive_field, s.weight_layers
    ((1, 512, 7, 7), (435, 435), 18)
    >>> row = s["conv1"]
    >>> row.output_shape, row.params, row.macs, row.rf, row.jump
    ((1, 64, 112, 112), 9408, 118013952, (7, 7), (2, 2))
    >>> print(s.table(depth=1))  # doctest: +ELLIPSIS
    ===...
    ResNet
    ===...
    Layer      Type               Output shape       Params           MACs   RF  Jump
    ---...
    conv1      Conv2d             (1, 64, 112, 112)       9,408    118,013,952    7     2
    ...
    fc         Linear             (1, 1000)             513,000        512,000  627   224
    ===...
    Parameters: 11,689,512 (trainable 11,689,512)
    ...
    """
    fn = "summary"
    if not isinstance(model, Module):
        raise TypeError(f"{fn}: model must be a cnnlib.nn.Module, got {type(model).__name__}")
    if isinstance(input_size, np.ndarray):
        raise TypeError(f"{fn}: input_size must be a shape such as (N, C, H, W), got an array "
                        f"of shape {input_size.shape}; pass its shape: summary(model, x.shape)")
    if isinstance(input_size, str) or not isinstance(input_size, Sequence):
        raise TypeError(f"{fn}: input_size must be a tuple (N, C, H, W) or (C, H, W), "
                        f"got {type(input_size).__name__} {input_size!r}")
    if len(input_size) not in (2, 3, 4):
        raise ValueError(f"{fn}: input_size must be (N, C, H, W), (C, H, W) or (N, features), "
                         f"got {len(input_size)} values {tuple(input_size)!r}")
    sizes = tuple(positive_int(v, f"input_size[{i}]", fn) for i, v in enumerate(input_size))
    if len(sizes) == 3:
        sizes = (1,) + sizes
    if depth is not None:
        depth = positive_int(depth, "depth", fn)
    tracer = _Tracer()
    out = tracer.visit(model, "", 0, sizes, emit=False)
    rows = [r for r in tracer.rows if r is not None]
    rf, jump = (None, None) if tracer.field_lost else tracer.last_spatial
    return ModelSummary(model, sizes, tuple(out), rows, rf, jump, depth)
