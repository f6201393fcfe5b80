"""Matplotlib figures for the chapters: one module per topic, no maths of their own."""

from .grids import NumberGrid, plot_grids
from .receptive_field import (
    draw_fields_on_photo,
    plot_effective_fields,
    plot_field_growth,
    plot_stack_1d,
)
