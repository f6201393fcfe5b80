"""The architecture explorer: pick a network and a stage; see its summary and its field.

Introduced in the chapter *Architectures*.  The numbers come from
``cnnlib.summary`` (one summary per model, computed once and passed in, so
the widget never builds a network) and :func:`cnnlib.architectures.stage_totals`;
the figure draws the receptive field of the centre unit after the chosen
stage on the photo, as the network sees it (224x224, or 32x32 in grey for
LeNet-5).
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np

from ..architectures import INPUT_SIZES, STAGES, StageTotals, square_photo, stage_totals
from ..viz.architectures import draw_stage_field
from ._base import BookWidget, FigureImage, MessageLine, guarded

__all__ = ["ArchitectureExplorer", "architecture_explorer"]


class ArchitectureExplorer(BookWidget):
    """Model and stage menus; a stage-by-stage table and the field on the photo.

    Parameters
    ----------
    summaries : mapping of str to ModelSummary
        Keys are model names from :data:`cnnlib.architectures.STAGES`
        (``"resnet18"``, ...), values ``cnnlib.summary(model, INPUT_SIZES[name])``.
    photo : ndarray, shape (H, W, 3)
        RGB values in [0, 1].
    model : str
        The model shown first.
    stage : str, optional
        The stage label shown first (default: the model's last stage).

    Attributes
    ----------
    totals : StageTotals or None
        The chosen stage's numbers after the last successful update.
    patches : tuple of Rectangle
        The drawn fields (centre unit, neighbour).
    widget : ipywidgets.VBox
    """

    def __init__(self, summaries: Mapping[str, object], photo: np.ndarray,
                 model: str = "resnet18", stage: str | None = None) -> None:
        self.summaries = dict(summaries)
        self.pictures = {
            name: square_photo(photo.mean(axis=2) if INPUT_SIZES[name][1] == 1 else photo,
                               INPUT_SIZES[name][2])
            for name in self.summaries
        }
        self.totals: StageTotals | None = None
        self.patches: tuple = ()
        self._switching = False
        self.figure = FigureImage(figsize=(4.0, 4.3), dpi=100)
        self.ax = self.figure.fig.add_subplot()
        self.message = MessageLine()
        self.readout = widgets.HTML(value="")
        menu = {"layout": widgets.Layout(width="250px"), "style": {"description_width": "50px"}}
        self.model_menu = widgets.Dropdown(options=list(self.summaries), value=model,
                                           description="model", **menu)
        labels = [label for label, _ in STAGES[model]]
        self.stage_menu = widgets.Dropdown(options=labels, value=stage or labels[-1],
                                           description="stage", **menu)
        self._guarded_update = guarded(self.update, self.message)
        self.model_menu.observe(self._on_model, names="value")
        self.stage_menu.observe(self._on_stage, names="value")
        # Menus, then the picture and the table side by side where they fit (a
        # wide screen), one under the other in the 688 px column and on a phone.
        wrap = widgets.Layout(flex_flow="row wrap", align_items="flex-start")
        self.figure.image.layout.max_width = "100%"
        self.widget = widgets.VBox([
            widgets.HBox([self.model_menu, self.stage_menu], layout=wrap),
            widgets.HBox([self.figure.image, self.readout], layout=wrap),
            self.message.html,
        ], layout=widgets.Layout(max_width="100%"))
        self._guarded_update(model, self.stage_menu.value)

    def _on_model(self, change: dict) -> None:
        labels = [label for label, _ in STAGES[change["new"]]]
        self._switching = True            # new options reset the stage: redraw once, below
        try:
            self.stage_menu.options = labels
            self.stage_menu.value = labels[-1]
        finally:
            self._switching = False
        self._guarded_update(change["new"], labels[-1])

    def _on_stage(self, change: dict) -> None:
        if change["new"] is not None and not self._switching:
            self._guarded_update(self.model_menu.value, change["new"])

    def update(self, model: str, stage: str) -> None:
        """Show ``model`` after ``stage``: the plain callback behind the menus.

        Raises
        ------
        ValueError
            For a model without a summary, or a stage the model does not have.
        """
        if model not in self.summaries:
            raise ValueError(
                f"architecture_explorer: no summary for model {model!r} (have: "
                f"{', '.join(self.summaries)})"
            )
        rows = dict(STAGES[model])
        if stage not in rows:
            raise ValueError(
                f"architecture_explorer: {model} has no stage {stage!r} (its stages: "
                f"{', '.join(rows)})"
            )
        summary = self.summaries[model]
        all_totals = [(label, stage_totals(summary, row)) for label, row in STAGES[model]]
        self.totals = dict(all_totals)[stage]
        t = self.totals
        self.ax.clear()
        self.patches = draw_stage_field(
            self.ax, self.pictures[model], t.rf, t.jump,
            title=f"{model} after {stage}: field {t.rf} px, jump {t.jump}",
        )
        self.ax.legend(loc="lower left", fontsize=8.5, framealpha=0.9)
        self.figure.refresh()
        lines = [f"{'':2}{'stage':<11}{'output':>12}{'field':>6}{'jump':>5}"
                 f"{'params so far':>14}{'MACs so far':>15}"]
        for label, row in all_totals:
            mark = "> " if label == stage else "  "
            shape = "x".join(str(v) for v in row.output_shape[1:])
            lines.append(f"{mark}{label:<11}{shape:>12}{row.rf:>6}{row.jump:>5}"
                         f"{row.params:>14,}{row.macs:>15,}")
        total_params = summary.total_params  # type: ignore[attr-defined]
        total_macs = summary.total_macs  # type: ignore[attr-defined]
        lines += ["", f"whole model: {total_params:,} parameters, {total_macs:,} MACs",
                  f"after {stage}: {t.params_fraction:.1%} of the parameters, "
                  f"{t.macs_fraction:.1%} of the MACs"]
        self.readout.value = (
            "<pre style='font-size:11px;line-height:1.3;max-width:100%;overflow-x:auto;"
            "margin:0'>" + html.escape("\n".join(lines))
            + "</pre>"
        )

    def __repr__(self) -> str:
        if self.totals is None:
            return "<ArchitectureExplorer widget>"
        return (f"<ArchitectureExplorer widget: {self.model_menu.value} after "
                f"{self.stage_menu.value}, field {self.totals.rf} px>")


def architecture_explorer(summaries: Mapping[str, object], photo: np.ndarray | None = None,
                          model: str = "resnet18",
                          stage: str | None = None) -> ArchitectureExplorer:
    """The architecture-explorer widget: a model menu, a stage menu, the field on a photo.

    Introduced in the chapter *Architectures*.

    Parameters
    ----------
    summaries : mapping of str to ModelSummary
        ``{name: cnnlib.summary(model, INPUT_SIZES[name])}`` for the models
        to offer; names from :data:`cnnlib.architectures.STAGES`.
    photo : ndarray, shape (H, W, 3), optional
        ``cnnlib.data.sample_photo()`` by default.
    model, stage : str
        The starting choice (stage: the model's last by default).

    Returns
    -------
    ArchitectureExplorer
        Displays as the widget in a notebook.
    """
    if photo is None:
        from ..data import sample_photo

        photo = sample_photo()
    unknown = [name for name in summaries if name not in STAGES]
    if unknown:
        raise ValueError(
            f"architecture_explorer: unknown model {unknown[0]!r}; models with stages: "
            f"{', '.join(STAGES)}"
        )
    if model not in summaries:
        raise ValueError(
            f"architecture_explorer: model {model!r} is not among the summaries "
            f"({', '.join(summaries)})"
        )
    return ArchitectureExplorer(summaries, photo, model, stage)
