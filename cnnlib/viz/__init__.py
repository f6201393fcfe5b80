"""Matplotlib figures for the chapters: one module per topic, no maths of their own."""

from .activations import activation_figure, bar_figure, curve_figure
from .architectures import (
    draw_stage_field,
    plot_accuracy_vs_cost,
    plot_gradient_paths,
    plot_stage_fields,
)
from .backprop import gradient_grids, relative_error_chart
from .conv import (
    KernelEffect,
    KernelPlacement,
    plot_conv_steps,
    plot_feature_maps,
    plot_kernel_effect,
    plot_kernel_gallery,
    plot_kernel_placement,
)
from .grids import NumberGrid, plot_grids
from .images import image_row, image_with_boxes, matrix_figure
from .interpret import plot_explanations, plot_filters_and_patches, plot_layer_maps
from .panels import grid_row
from .pooling import (
    PoolingView,
    pool_backward_figure,
    pooling_figure,
    pooling_gallery,
    shift_sensitivity_figure,
)
from .receptive_field import (
    draw_fields_on_photo,
    plot_effective_fields,
    plot_field_growth,
    plot_stack_1d,
)
from .style import apply as _apply_house_style
from .training import (
    confusion_figure,
    digit_gallery,
    history_figure,
    lr_sweep_figure,
    regulariser_table,
    running_stats_figure,
    seeds_figure,
)
from .transfer import (
    STRATEGY_STYLES,
    ResultTable,
    filter_mosaic,
    plot_filter_change,
    plot_lr_sweep,
    plot_transfer_curves,
)
from .upsampling import (
    overlap_figure,
    pattern_figure,
    plot_number_steps,
    plot_stamps,
    segmentation_figure,
)

# Every figure the chapters draw follows the house style (cnnlib/viz/style.py).
_apply_house_style()
