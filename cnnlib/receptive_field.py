"""Receptive fields: which input pixels one unit of a deep layer can see.

Introduced in the chapter *Receptive fields* (``chapters/06-receptive-fields``).

A stack of convolutions and poolings is described here by its geometry
alone: each layer is ``(kernel_size, stride, padding[, dilation])``, one int
per axis (for a layer that is not square, call :func:`receptive_field` once
per axis).  Three numbers are carried from layer to layer, starting from the
input itself (``size 1``, ``jump 1``, ``start 0``):

* ``size`` ``r``: how many input pixels, end to end, one unit can see;
* ``jump`` ``j``: how far apart, in input pixels, two neighbouring units'
  fields sit (the product of all strides so far);
* ``start``: the input coordinate of the centre of the first unit's field
  (input pixel ``i`` is centred at coordinate ``i``; a negative start or a
  field reaching below 0 lies partly in the padding).

With ``k_eff = dilation * (kernel_size - 1) + 1`` the recurrence is::

    r_l     = r_{l-1} + (k_eff - 1) * j_{l-1}
    j_l     = j_{l-1} * stride
    start_l = start_{l-1} + ((k_eff - 1) / 2 - padding) * j_{l-1}

:func:`effective_receptive_field` measures the field instead of computing it:
it pushes a unit gradient from one output unit back through a stack of
random convolutions and returns where the gradient lands.
"""

from __future__ import annotations

import html as _html
import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, overload

import numpy as np

from cnnlib._validate import as_array, check_ndim, positive_int
from cnnlib.activations import relu as _relu
from cnnlib.activations import relu_backward
from cnnlib.conv import conv2d, conv2d_backward, conv_output_size

__all__ = [
    "Layer",
    "LayerField",
    "ReceptiveFieldTable",
    "effective_field_size",
    "effective_receptive_field",
    "network_layers",
    "network_stages",
    "receptive_field",
]


class Layer(NamedTuple):
    """The geometry of one convolution or pooling layer along one axis.

    A plain tuple ``(kernel_size, stride, padding[, dilation])`` works
    everywhere a ``Layer`` does; the named form adds a ``name`` that the
    table prints.

    Examples
    --------
    >>> Layer(3, stride=2, padding=1, name="conv1")
    Layer(kernel_size=3, stride=2, padding=1, dilation=1, name='conv1')
    """

    kernel_size: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    name: str = ""


@dataclass(frozen=True)
class LayerField:
    """The receptive field of the units after one layer of a stack.

    Attributes
    ----------
    index : int
        0 for the input itself, ``l`` for the output of the ``l``-th layer.
    name : str
        The layer's name (``"input"`` for row 0, ``"layer l"`` if unnamed).
    kernel_size, stride, padding, dilation : int or None
        The layer's geometry (``None`` for the input row).
    size : int
        ``r``: the field's extent in input pixels, end to end.
    jump : int
        ``j``: the distance in input pixels between neighbouring units' fields.
    start : float
        The input coordinate of the centre of the first unit's field; a
        half-integer when an even kernel puts the centre between two pixels.
    out_size : int or None
        The length of the layer's output along this axis, when
        :func:`receptive_field` was given an ``input_size``.
    """

    index: int
    name: str
    kernel_size: int | None
    stride: int | None
    padding: int | None
    dilation: int | None
    size: int
    jump: int
    start: float
    out_size: int | None = None

    def centre(self, unit: int) -> float:
        """Input coordinate of the centre of output unit ``unit``'s field."""
        return self.start + unit * self.jump

    def bounds(self, unit: int = 0) -> tuple[int, int]:
        """First and last input pixel (inclusive) of unit ``unit``'s field.

        Either may lie outside the image (negative, or past its end): that
        part of the field falls on padding.

        Examples
        --------
        >>> rf = receptive_field([(3, 1, 1), (3, 1, 1)])
        >>> rf[2].bounds(0), rf[2].bounds(4)
        ((-2, 2), (2, 6))
        """
        half = (self.size - 1) / 2
        centre = self.centre(unit)
        return int(round(centre - half)), int(round(centre + half))

    def unit_at(self, coordinate: float) -> int:
        """Index of the unit whose field is centred nearest to input ``coordinate``.

        Ties go to the higher index.  If the table was built with an
        ``input_size``, the index is clipped to the units that exist.

        Examples
        --------
        >>> row = receptive_field([(3, 2, 1), (3, 2, 1)], input_size=16)[2]
        >>> row.jump, row.unit_at(9.0), row.unit_at(100.0)
        (4, 2, 3)
        """
        unit = math.floor((coordinate - self.start) / self.jump + 0.5)
        if self.out_size is not None:
            unit = min(max(unit, 0), self.out_size - 1)
        return unit

    def centre_unit(self) -> int:
        """Index ``(out_size - 1) // 2`` of the middle output unit.

        Needs a table built with an ``input_size``.

        Examples
        --------
        >>> rf = receptive_field([(3, 2, 1)], input_size=9)
        >>> rf[1].out_size, rf[1].centre_unit(), rf[1].bounds(rf[1].centre_unit())
        (5, 2, (3, 5))
        """
        if self.out_size is None:
            raise ValueError(
                "LayerField.centre_unit: the output size is unknown; build the table with "
                "receptive_field(layers, input_size=...)"
            )
        return (self.out_size - 1) // 2


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class ReceptiveFieldTable(Sequence[LayerField]):
    """The per-layer records that :func:`receptive_field` returns.

    A read-only sequence of :class:`LayerField`: row 0 is the input
    (``size 1, jump 1, start 0``) and row ``l`` the output of layer ``l``, so
    ``table[l].size`` is ``r_l`` of the recurrence.  A layer's name also
    works as an index.  Its ``repr`` is the table itself; in a notebook it
    shows as an HTML table (folded away behind a one-line summary if it was
    made with ``select(..., collapsed=True)``).
    """

    _columns = ("index", "name", "kernel_size", "stride", "padding", "dilation",
                "size", "jump", "start")
    _headers = ("#", "layer", "k", "s", "p", "d", "size", "jump", "start")

    def __init__(self, rows: Sequence[LayerField], title: str = "",
                 collapsed: bool = False) -> None:
        self._rows = tuple(rows)
        self._with_sizes = bool(self._rows) and self._rows[0].out_size is not None
        self.title = title
        self.collapsed = collapsed

    @overload
    def __getitem__(self, key: int | str) -> LayerField: ...

    @overload
    def __getitem__(self, key: slice) -> ReceptiveFieldTable: ...

    def __getitem__(self, key: int | str | slice) -> LayerField | ReceptiveFieldTable:
        if isinstance(key, str):
            for row in self._rows:
                if row.name == key:
                    return row
            raise KeyError(f"ReceptiveFieldTable: no layer named {key!r}")
        if isinstance(key, slice):
            return ReceptiveFieldTable(self._rows[key])
        return self._rows[key]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[LayerField]:
        return iter(self._rows)

    @property
    def sizes(self) -> list[int]:
        """``r_l`` for every row, the input's 1 first."""
        return [row.size for row in self._rows]

    @property
    def jumps(self) -> list[int]:
        """``j_l`` for every row, the input's 1 first."""
        return [row.jump for row in self._rows]

    def table(self, names: Sequence[str] | None = None) -> str:
        """Render the records as a plain-text table.

        Parameters
        ----------
        names : sequence of str, optional
            Show only the rows with these layer names, in this order (the
            input row is always shown first).

        Returns
        -------
        str
            One line per row: index, name, ``k s p d``, size, jump, start,
            and the output length ``out`` if the table was built with an
            ``input_size``.

        Examples
        --------
        >>> print(receptive_field([(3, 1, 1), (2, 2, 0)]).table())
        #  layer    k  s  p  d  size  jump  start
        0  input    -  -  -  -     1     1      0
        1  layer 1  3  1  1  1     3     1      0
        2  layer 2  2  2  0  1     4     2    0.5
        """
        rows = list(self._rows)
        if names is not None:
            rows = [self._rows[0]] + [self[name] for name in names]
        columns, headers = self._columns, self._headers
        if self._with_sizes:
            columns, headers = columns + ("out_size",), headers + ("out",)
        cells = [list(headers)]
        cells += [[_fmt(getattr(row, c)) for c in columns] for row in rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]
        lines = []
        for line in cells:
            # the index and the name read left to right; numbers line up on the right
            parts = [
                cell.ljust(w) if i < 2 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            ]
            lines.append("  ".join(parts).rstrip())
        return "\n".join(lines)

    def select(self, names: Sequence[str], title: str = "",
               collapsed: bool = False) -> ReceptiveFieldTable:
        """The input row and the rows named ``names``, as a table of their own.

        Parameters
        ----------
        names : sequence of str
            Layer names, in the order to show them (e.g.
            :func:`network_stages`).
        title : str
            A caption for the HTML form.
        collapsed : bool
            Show the HTML form folded behind a one-line summary (the last
            row's size and jump), for long tables a reader may skip.

        Returns
        -------
        ReceptiveFieldTable

        Examples
        --------
        >>> rf = receptive_field([(3, 1, 1), (2, 2, 0), (3, 1, 1)])
        >>> rf.select(["layer 3"]).sizes
        [1, 8]
        """
        return ReceptiveFieldTable([self._rows[0]] + [self[name] for name in names],
                                   title=title, collapsed=collapsed)

    def html(self) -> str:
        """The table as HTML: a caption, a header row and one row per layer.

        Numbers are right-aligned; a collapsed table is wrapped in a
        ``<details>`` element whose summary gives the last row's size and jump.

        Examples
        --------
        >>> print(receptive_field([(3, 1, 1)]).html()[:40])
        <table class="cnnlib-rf"><thead><tr><th
        """
        columns, headers = self._columns, self._headers
        if self._with_sizes:
            columns, headers = columns + ("out_size",), headers + ("out",)
        pad = "padding:0.15em 0.7em"
        head = "".join(f'<th style="{pad};text-align:{"left" if i < 2 else "right"}">'
                       f"{_html.escape(h)}</th>" for i, h in enumerate(headers))
        body = []
        for row in self._rows:
            cells = [_fmt(getattr(row, c)) for c in columns]
            tds = [f'<td style="{pad};text-align:{"left" if i < 2 else "right"}">'
                   f"{_html.escape(c)}</td>" for i, c in enumerate(cells)]
            body.append("<tr>" + "".join(tds) + "</tr>")
        caption = f"<caption>{_html.escape(self.title)}</caption>" if self.title else ""
        table = (f'<table class="cnnlib-rf">{caption}<thead><tr>{head}</tr></thead>'
                 f"<tbody>{''.join(body)}</tbody></table>")
        if not self.collapsed or not self._rows:
            return table
        last = self._rows[-1]
        count = len(self._rows) - 1
        summary = (f"<strong>{_html.escape(self.title or 'table')}</strong>: field "
                   f"{last.size} pixels, jump {last.jump} after {_html.escape(last.name)} "
                   f"({count} row{'s' if count != 1 else ''}; click to open)")
        return f"<details><summary>{summary}</summary>{table}</details>"

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        text = self.table()
        return f"{self.title}\n{text}" if self.title else text


def _as_layer(layer: object, position: int, fn: str) -> Layer:
    """Check one entry of ``layers`` and return it as a :class:`Layer`."""
    where = f"layers[{position}]"
    if isinstance(layer, Layer):
        values: tuple = tuple(layer[:4])
        name = layer.name
    elif isinstance(layer, tuple | list):
        if len(layer) not in (3, 4):
            raise ValueError(
                f"{fn}: {where} must be (kernel_size, stride, padding[, dilation]), "
                f"got {len(layer)} values {layer!r}"
            )
        values = tuple(layer) + (1,) * (4 - len(layer))
        name = ""
    else:
        raise TypeError(
            f"{fn}: {where} must be a tuple (kernel_size, stride, padding[, dilation]), "
            f"got {type(layer).__name__} {layer!r}"
        )
    labels = ("kernel_size", "stride", "padding", "dilation")
    checked = []
    for label, value in zip(labels, values, strict=True):
        if not isinstance(value, numbers.Integral) and isinstance(value, Sequence):
            raise TypeError(
                f"{fn}: {where}.{label} must be one int per axis, got {value!r}; "
                f"for a layer that is not square, call {fn} once per axis"
            )
        checked.append(
            positive_int(value, f"{where}.{label}", fn, minimum=0 if label == "padding" else 1)
        )
    if not isinstance(name, str):
        raise TypeError(f"{fn}: {where}.name must be a str, got {type(name).__name__}")
    return Layer(*checked, name=name or f"layer {position + 1}")


def _step(size: int, jump: int, start: float,
          layer: Layer) -> tuple[int, int, float]:
    """One layer of the recurrence: field, jump and start after ``layer``."""
    # the window spans k_eff units of the layer below, `jump` pixels apart
    k_eff = layer.dilation * (layer.kernel_size - 1) + 1
    size = size + (k_eff - 1) * jump
    # the first window starts `padding` units before unit 0; its centre is
    # (k_eff - 1) / 2 units further on
    start = start + ((k_eff - 1) / 2 - layer.padding) * jump
    # moving one unit along this layer moves the window `stride` units below
    jump = jump * layer.stride
    return size, jump, start


def receptive_field(
    layers: Sequence[Layer | tuple[int, ...]], input_size: int | None = None
) -> ReceptiveFieldTable:
    """Receptive-field size, jump and start after every layer of a stack.

    Introduced in the chapter *Receptive fields*.  Convolutions and poolings
    are treated alike: only their geometry matters.

    Parameters
    ----------
    layers : sequence of tuples or Layer
        One entry per layer, first layer first:
        ``(kernel_size, stride, padding)`` or
        ``(kernel_size, stride, padding, dilation)``, ints along one axis
        (kernel, stride, dilation ``>= 1``; padding ``>= 0``), or a
        :class:`Layer`, which also carries a name.
    input_size : int, optional
        The input's length along the axis (224 for an ImageNet network).  If
        given, every record also holds its layer's output length
        (``out_size``, from :func:`cnnlib.conv_output_size`) and the table
        prints it.

    Returns
    -------
    ReceptiveFieldTable
        ``len(layers) + 1`` records (:class:`LayerField`): row 0 is the input
        (``size 1``, ``jump 1``, ``start 0``), row ``l`` the output of layer
        ``l``, holding

        * ``size`` ``r_l = r_{l-1} + (k_eff - 1) * j_{l-1}``,
        * ``jump`` ``j_l = j_{l-1} * stride``,
        * ``start`` ``start_{l-1} + ((k_eff - 1) / 2 - padding) * j_{l-1}``,

        with ``k_eff = dilation * (kernel_size - 1) + 1``.  Unit ``u`` of
        layer ``l`` sees input pixels ``start + u * jump - (size - 1) / 2``
        to ``start + u * jump + (size - 1) / 2`` (see ``LayerField.bounds``).
        ``size`` is the field's extent: with dilation, or a stride larger
        than the kernel, some pixels inside it may not reach the unit.

    Raises
    ------
    TypeError
        If ``layers`` or one of its entries is not a tuple of ints.
    ValueError
        If an entry has the wrong length or a non-positive kernel, stride or
        dilation, or a negative padding; or if, for the given ``input_size``,
        a layer's window is larger than its padded input.

    Examples
    --------
    Three stacked 3x3 convolutions (stride 1) see 7 pixels, like one 7x7:

    >>> receptive_field([(3, 1, 1)] * 3).sizes
    [1, 3, 5, 7]

    A stride-2 layer doubles how much every later layer adds:

    >>> rf = receptive_field([(3, 2, 1), (3, 1, 1)])
    >>> rf
    #  layer    k  s  p  d  size  jump  start
    0  input    -  -  -  -     1     1      0
    1  layer 1  3  2  1  1     3     2      0
    2  layer 2  3  1  1  1     7     2      0
    >>> rf[-1].size, rf[-1].jump
    (7, 2)
    """
    fn = "receptive_field"
    if isinstance(layers, str | bytes) or not isinstance(layers, Sequence):
        raise TypeError(
            f"{fn}: layers must be a sequence of (kernel_size, stride, padding[, dilation]) "
            f"tuples, got {type(layers).__name__}"
        )
    length = None if input_size is None else positive_int(input_size, "input_size", fn)
    rows = [LayerField(0, "input", None, None, None, None, size=1, jump=1, start=0.0,
                       out_size=length)]
    size, jump, start = 1, 1, 0.0
    for position, entry in enumerate(layers):
        layer = _as_layer(entry, position, fn)
        k_eff = layer.dilation * (layer.kernel_size - 1) + 1
        size, jump, start = _step(size, jump, start, layer)
        if length is not None:
            if k_eff > length + 2 * layer.padding:
                raise ValueError(
                    f"{fn}: layers[{position}] ({layer.name}) spans {k_eff} inputs, larger than "
                    f"its padded input {length} + 2*{layer.padding} "
                    f"(input_size={input_size})"
                )
            length = conv_output_size(length, layer.kernel_size, layer.stride,
                                      layer.padding, layer.dilation)
        rows.append(
            LayerField(position + 1, layer.name, layer.kernel_size, layer.stride,
                       layer.padding, layer.dilation, size=size, jump=jump, start=start,
                       out_size=length)
        )
    return ReceptiveFieldTable(rows)


# --------------------------------------------------------------------------
# The measured field
# --------------------------------------------------------------------------


def _fits(table: ReceptiveFieldTable, n: int, margin: int) -> bool:
    """True if, in an n x n input, the centre output unit's field has ``margin`` to spare."""
    try:
        sized = receptive_field(
            [(r.kernel_size, r.stride, r.padding, r.dilation) for r in table[1:]], n)
    except ValueError:
        return False
    last = sized[-1]
    lo, hi = last.bounds((last.out_size - 1) // 2)
    return lo >= margin and hi <= n - 1 - margin


def effective_receptive_field(
    layers: Sequence[Layer | tuple[int, ...]],
    input_size: int | None = None,
    *,
    channels: int = 1,
    relu: bool = False,
    weights: str = "normal",
    trials: int = 1,
    seed: int = 0,
    normalize: bool = True,
) -> np.ndarray:
    """Measure a stack's receptive field by backpropagating from one output unit.

    Introduced in the chapter *Receptive fields*.  Every layer becomes a
    convolution with ``channels`` input and output channels and random
    weights; a unit gradient is set on the centre output unit (every
    channel of output position ``((H_out - 1) // 2, (W_out - 1) // 2)``) and
    pushed back to the input with :func:`cnnlib.conv2d_backward` (and
    :func:`cnnlib.relu_backward` between layers if ``relu``).  Where the
    input gradient is non-zero, a pixel can change that unit; its magnitude
    says how much.

    Parameters
    ----------
    layers : sequence of tuples or Layer
        As for :func:`receptive_field`: ``(kernel_size, stride, padding[,
        dilation])``, square along both axes.
    input_size : int, optional
        The input is ``input_size x input_size``.  By default, the smallest
        size at least ``r + 4`` (``r`` the theoretical field) in which the
        centre unit's whole field lies at least 2 pixels inside the border.
    channels : int
        Channels of the input and of every layer.
    relu : bool
        Put a ReLU between layers (not after the last).  The forward pass then
        runs on a standard-normal input, and units the ReLU switches off pass
        no gradient.
    weights : {'normal', 'ones'}
        ``'normal'``: standard-normal weights scaled by ``1 / sqrt(fan_in)``;
        ``'ones'``: every weight 1, so that in a linear stack the gradient at
        a pixel counts the paths from it to the output unit.
    trials : int
        Average the magnitude over this many independent draws of the
        weights (and input).
    seed : int
        Seed of the ``numpy.random.default_rng`` the draws come from.
    normalize : bool
        Divide by the largest value, so the map peaks at 1.

    Returns
    -------
    ndarray, shape (input_size, input_size), float64
        ``|dL/dx|`` summed over input channels and averaged over trials,
        where ``L`` is the sum of the centre unit's channels.

    Raises
    ------
    TypeError, ValueError
        For a bad ``layers`` (as :func:`receptive_field`) or a bad option;
        ``ValueError`` if the stack does not fit in ``input_size``.

    Examples
    --------
    Two 3x3 convolutions: the centre unit sees a 5x5 patch, and with all
    weights 1 the middle pixel reaches it by the most paths (9):

    >>> erf = effective_receptive_field([(3, 1, 1)] * 2, 9, weights="ones",
    ...                                 normalize=False)
    >>> erf[2:7, 2:7].astype(int)
    array([[1, 2, 3, 2, 1],
           [2, 4, 6, 4, 2],
           [3, 6, 9, 6, 3],
           [2, 4, 6, 4, 2],
           [1, 2, 3, 2, 1]])
    >>> int((erf > 0).sum())
    25
    """
    fn = "effective_receptive_field"
    table = receptive_field(layers)
    geometry = [(r.kernel_size, r.stride, r.padding, r.dilation) for r in table[1:]]
    if not geometry:
        raise ValueError(f"{fn}: layers must hold at least one layer, got none")
    channels = positive_int(channels, "channels", fn)
    trials = positive_int(trials, "trials", fn)
    seed = positive_int(seed, "seed", fn, minimum=0)
    if weights not in ("normal", "ones"):
        raise ValueError(f"{fn}: weights must be 'normal' or 'ones', got {weights!r}")
    if input_size is None:
        n = table[-1].size + 4
        while not _fits(table, n, margin=2):
            n += 1
    else:
        n = positive_int(input_size, "input_size", fn)
        try:
            receptive_field(geometry, n)
        except ValueError as err:
            raise ValueError(
                f"{fn}: the stack does not fit in input_size={n}: "
                f"{str(err).split(': ', 1)[1]}") from err

    rng = np.random.default_rng(seed)
    total = np.zeros((n, n))
    for _ in range(trials):
        x = rng.standard_normal((1, channels, n, n))
        kernels, inputs = [], []
        for k, s, p, d in geometry:
            if weights == "ones":
                w = np.ones((channels, channels, k, k))
            else:
                w = rng.standard_normal((channels, channels, k, k)) / np.sqrt(channels * k * k)
            inputs.append(x)
            kernels.append(w)
            x = conv2d(x, w, stride=s, padding=p, dilation=d)
            if relu and len(inputs) < len(geometry):
                x = _relu(x)
        grad = np.zeros_like(x)
        grad[0, :, (x.shape[2] - 1) // 2, (x.shape[3] - 1) // 2] = 1.0
        for depth in range(len(geometry) - 1, -1, -1):
            k, s, p, d = geometry[depth]
            grad, _, _ = conv2d_backward(grad, inputs[depth], kernels[depth],
                                         stride=s, padding=p, dilation=d)
            if relu and depth > 0:
                # inputs[depth] is relu(pre-activation); where it is 0 the ReLU was off
                # (a pre-activation of exactly 0 also passes no gradient)
                grad = relu_backward(grad, inputs[depth])
        total += np.abs(grad[0]).sum(axis=0)
    total /= trials
    if normalize and total.max() > 0:
        total /= total.max()
    return total


def effective_field_size(erf: np.ndarray, mass: float = 0.9) -> int:
    """Side of the smallest centred square holding ``mass`` of a field map.

    Introduced in the chapter *Receptive fields*: a one-number summary of an
    :func:`effective_receptive_field` map, to set beside the theoretical
    size.  The square is centred on the pixel nearest the map's centre of
    mass and grows one pixel on every side at a time (sides 1, 3, 5, ...)
    until it holds at least ``mass`` of the map's total.

    Parameters
    ----------
    erf : ndarray, shape (H, W)
        A non-negative map, such as the one :func:`effective_receptive_field`
        returns.
    mass : float
        The share of the total to enclose, in ``(0, 1]``.

    Returns
    -------
    int
        The side of the square, an odd number of pixels.

    Examples
    --------
    Two stacked 3x3 convolutions with unit weights: the map is the outer
    product of ``[1, 2, 3, 2, 1]`` with itself (total 81).  The centre pixel
    holds 9/81, the 3x3 around it 49/81 = 0.6, the 5x5 all of it:

    >>> erf = effective_receptive_field([(3, 1, 1)] * 2, 9, weights="ones")
    >>> effective_field_size(erf, 0.5), effective_field_size(erf, 0.9)
    (3, 5)
    """
    fn = "effective_field_size"
    erf = as_array(erf, "erf", fn)
    check_ndim(erf, 2, "erf", fn, "(H, W)")
    if np.any(erf < 0) or not np.all(np.isfinite(erf)) or erf.sum() <= 0:
        raise ValueError(f"{fn}: erf must be non-negative and finite with a positive sum")
    if isinstance(mass, bool) or not isinstance(mass, numbers.Real):
        raise TypeError(f"{fn}: mass must be a float, got {type(mass).__name__} {mass!r}")
    if not 0 < mass <= 1:
        raise ValueError(f"{fn}: mass must be in (0, 1], got {mass}")
    total = erf.sum()
    rows, cols = np.indices(erf.shape)
    ci = int(round(float((rows * erf).sum() / total)))
    cj = int(round(float((cols * erf).sum() / total)))
    half = 0
    while True:
        inside = erf[max(ci - half, 0): ci + half + 1, max(cj - half, 0): cj + half + 1].sum()
        # compare with a little slack, so that 0.9 of a sum of floats counts as 0.9
        if inside >= mass * total * (1 - 1e-12) or half > max(erf.shape):
            return 2 * half + 1
        half += 1


# --------------------------------------------------------------------------
# Real networks, as torchvision lays them out (main path only)
# --------------------------------------------------------------------------


def _alexnet() -> list[Layer]:
    # torchvision.models.alexnet: features.0, 2, 3, 5, 6, 8, 10, 12
    return [
        Layer(11, 4, 2, name="conv1"),
        Layer(3, 2, 0, name="pool1"),
        Layer(5, 1, 2, name="conv2"),
        Layer(3, 2, 0, name="pool2"),
        Layer(3, 1, 1, name="conv3"),
        Layer(3, 1, 1, name="conv4"),
        Layer(3, 1, 1, name="conv5"),
        Layer(3, 2, 0, name="pool5"),
    ]


def _vgg16() -> list[Layer]:
    # torchvision.models.vgg16 (configuration "D"): 3x3 convs with padding 1,
    # each block closed by a 2x2 max pool with stride 2
    layers = []
    for block, convs in enumerate((2, 2, 3, 3, 3), start=1):
        layers += [Layer(3, 1, 1, name=f"conv{block}_{i}") for i in range(1, convs + 1)]
        layers.append(Layer(2, 2, 0, name=f"pool{block}"))
    return layers


def _resnet(blocks: Sequence[int], bottleneck: bool, stride_in_1x1: bool = False) -> list[Layer]:
    # torchvision.models.resnet: stem conv 7x7/2, max pool 3x3/2, four stages.
    # The first block of stages 2-4 halves the resolution.  BasicBlock puts the
    # stride in its first 3x3 conv; torchvision's Bottleneck (ResNet "v1.5")
    # puts it in the 3x3 conv2, not in the first 1x1 conv as the original
    # paper's ResNet-50 ("v1") does.  The 1x1 downsample shortcut sees a subset
    # of what the main path sees, so the main path decides the field.
    layers = [Layer(7, 2, 3, name="conv1"), Layer(3, 2, 1, name="maxpool")]
    for stage, count in enumerate(blocks, start=1):
        for b in range(count):
            stride = 2 if (stage > 1 and b == 0) else 1
            prefix = f"layer{stage}.{b}"
            if bottleneck:
                s1, s3 = (stride, 1) if stride_in_1x1 else (1, stride)
                layers += [
                    Layer(1, s1, 0, name=f"{prefix}.conv1"),
                    Layer(3, s3, 1, name=f"{prefix}.conv2"),
                    Layer(1, 1, 0, name=f"{prefix}.conv3"),
                ]
            else:
                layers += [
                    Layer(3, stride, 1, name=f"{prefix}.conv1"),
                    Layer(3, 1, 1, name=f"{prefix}.conv2"),
                ]
    return layers


_NETWORKS = {
    "alexnet": (_alexnet, ["conv1", "pool1", "conv2", "pool2", "conv5", "pool5"]),
    "vgg16": (_vgg16, ["pool1", "pool2", "pool3", "pool4", "conv5_3", "pool5"]),
    "resnet18": (
        lambda: _resnet((2, 2, 2, 2), bottleneck=False),
        ["conv1", "maxpool", "layer1.1.conv2", "layer2.1.conv2", "layer3.1.conv2",
         "layer4.1.conv2"],
    ),
    "resnet50": (
        lambda: _resnet((3, 4, 6, 3), bottleneck=True),
        ["conv1", "maxpool", "layer1.2.conv3", "layer2.3.conv3", "layer3.5.conv3",
         "layer4.2.conv3"],
    ),
    "resnet50v1": (
        lambda: _resnet((3, 4, 6, 3), bottleneck=True, stride_in_1x1=True),
        ["conv1", "maxpool", "layer1.2.conv3", "layer2.3.conv3", "layer3.5.conv3",
         "layer4.2.conv3"],
    ),
}


def _network_name(name: object, fn: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{fn}: name must be a str, got {type(name).__name__}")
    key = name.lower().replace("-", "").replace("_", "")
    if key not in _NETWORKS:
        raise ValueError(f"{fn}: name must be one of {sorted(_NETWORKS)}, got {name!r}")
    return key


def network_layers(name: str) -> list[Layer]:
    """The convolution and pooling layers of a classic network, in order.

    Introduced in the chapter *Receptive fields*.  The layouts are
    torchvision's (``torchvision.models.alexnet``, ``vgg16``, ``resnet18``,
    ``resnet50``), up to the last spatial layer before the classifier:

    * ``"alexnet"``: torchvision's single-stream AlexNet (64, 192, 384, 256,
      256 filters; conv1 is 11x11, stride 4, padding 2).
    * ``"vgg16"``: thirteen 3x3 convolutions, five 2x2/2 max pools.
    * ``"resnet18"``: BasicBlocks ``[2, 2, 2, 2]``; the stride-2 block of each
      later stage has its stride in the first 3x3 conv.
    * ``"resnet50"``: Bottlenecks ``[3, 4, 6, 3]`` in torchvision's "v1.5"
      form, stride in the 3x3 conv2.
    * ``"resnet50v1"``: the same with the stride in the first 1x1 conv, as
      in the original paper (and Caffe's model); its field is larger, because
      the 3x3 conv of each stride-2 block then already works at the coarser
      jump.

    Residual networks are listed along their main path; the shortcut sees a
    subset of what the main path sees.

    Parameters
    ----------
    name : str
        ``"alexnet"``, ``"vgg16"``, ``"resnet18"``, ``"resnet50"`` or
        ``"resnet50v1"`` (case, ``-`` and ``_`` ignored).

    Returns
    -------
    list of Layer
        Named as torchvision names the modules for the ResNets
        (``"layer3.1.conv2"``), as the VGG paper does for VGG-16
        (``"conv4_2"``, ``"pool4"``), and ``conv1``..``pool5`` for AlexNet.

    Examples
    --------
    >>> receptive_field(network_layers("vgg16"))["pool5"].size
    212
    """
    return _NETWORKS[_network_name(name, "network_layers")][0]()


def network_stages(name: str) -> list[str]:
    """Names of the layers that end each stage of a network.

    Introduced in the chapter *Receptive fields*.  Use with
    ``ReceptiveFieldTable.table(names=...)`` to print one row per stage.

    Parameters
    ----------
    name : str
        As for :func:`network_layers`.

    Returns
    -------
    list of str
        Layer names from ``network_layers(name)``, in order.

    Examples
    --------
    >>> network_stages("resnet18")[:3]
    ['conv1', 'maxpool', 'layer1.1.conv2']
    """
    return list(_NETWORKS[_network_name(name, "network_stages")][1])
