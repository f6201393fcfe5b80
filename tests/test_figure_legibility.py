"""Every figure in the book is legible on the page: its smallest text is >= 9 CSS px.

The house style (cnnlib/viz/style.py) records in each stored PNG the
smallest font the figure used; with the PNG's resolution and the width the
page shows it at (never wider than the 688 px text column), that gives the
height of the smallest letters as a reader sees them.  A figure drawn
without the house style has no record and fails too: we cannot vouch for it.
"""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from cnnlib.viz.style import (
    COLUMN_INCHES,
    MIN_TEXT_PX,
    column_figure,
    figure_png,
    panel_figure,
    panel_grid,
    png_legibility,
    smallest_font_pt,
)

CHAPTERS = sorted((Path(__file__).resolve().parent.parent / "chapters").glob("*.ipynb"))

#: Chapters whose figures have not yet been redrawn in the house style (issue:
#: "A book that looks as good as it computes").  strict: a chapter that passes
#: must leave this list.
NOT_YET_REDRAWN: set[str] = set()


def _outputs(nb: dict):
    """(where, output) for every stored output, widget Output models included."""
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            yield f"cell {index}", output
    state = nb.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for model_id, model in state.items():
        for output in model.get("state", {}).get("outputs", []) or []:
            yield f"widget {model_id[:8]}", output


def illegible_figures(nb: dict) -> list[str]:
    """Describe every stored figure whose smallest text is under MIN_TEXT_PX."""
    problems = []
    for where, output in _outputs(nb):
        png = output.get("data", {}).get("image/png")
        if png is None:
            continue
        shown = output.get("metadata", {}).get("image/png", {})
        height = png_legibility(base64.b64decode(png), shown)
        if height is None:
            problems.append(f"{where}: figure not drawn with the house style (no font record)")
        elif height < MIN_TEXT_PX:
            problems.append(f"{where}: smallest text {height:.1f} px on the page "
                            f"(needs >= {MIN_TEXT_PX:g})")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_stored_figure_is_legible(path):
    if path.stem in NOT_YET_REDRAWN:
        pytest.xfail("figures not yet redrawn in the house style")
    problems = illegible_figures(json.loads(path.read_text()))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def _notebook_with(fig: Figure) -> dict:
    png, meta = figure_png(fig)
    return {"cells": [{"cell_type": "code", "outputs": [{
        "output_type": "display_data", "metadata": {"image/png": meta},
        "data": {"image/png": base64.b64encode(png).decode()}}]}], "metadata": {}}


def test_a_column_wide_house_figure_passes():
    fig, axes = panel_figure(6)
    for ax in axes:
        ax.plot([0, 1], [1, 0])
        ax.set_title("panel")
        ax.set_xlabel("x")
    assert illegible_figures(_notebook_with(fig)) == []


def test_a_deliberately_shrunk_figure_fails():
    # The same six panels drawn 14 inches wide: shrunk to the column, 9.5 pt
    # tick labels become 9.5 * 200/72 * 688/(2*1400) ~ 6.5 px.
    fig = Figure(figsize=(14, 3))
    for ax in fig.subplots(1, 6):
        ax.plot([0, 1], [1, 0])
    problems = illegible_figures(_notebook_with(fig))
    assert len(problems) == 1 and "smallest text" in problems[0]


def test_small_fonts_fail_even_at_column_width():
    fig = column_figure()
    ax = fig.subplots()
    ax.plot([0, 1])
    ax.tick_params(labelsize=5)           # 5 pt at 100 dpi = 6.9 px
    assert smallest_font_pt(fig) == 5
    # The tight crop may make the image a few pixels wider than the column.
    assert re.search(r"smallest text 6\.[5-9] px", illegible_figures(_notebook_with(fig))[0])


def test_a_figure_without_the_record_fails():
    fig = Figure(figsize=(3, 2))
    fig.subplots().plot([0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "display_data", "metadata": {},
         "data": {"image/png": base64.b64encode(buffer.getvalue()).decode()}}]}], "metadata": {}}
    assert "no font record" in illegible_figures(nb)[0]


def test_figures_inside_stored_widget_state_are_checked():
    fig = Figure(figsize=(14, 3))
    fig.subplots().plot(np.arange(3))
    fig.axes[0].tick_params(labelsize=4)
    png, meta = figure_png(fig)
    nb = {"cells": [], "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {
        "state": {"abcdef0123": {"state": {"outputs": [{
            "output_type": "display_data", "metadata": {"image/png": meta},
            "data": {"image/png": base64.b64encode(png).decode()}}]}}}}}}}
    assert illegible_figures(nb)[0].startswith("widget abcdef01")


def test_panel_grid_wraps_beyond_four_across():
    assert panel_grid(4) == (1, 4)
    assert panel_grid(5) == (2, 3)
    assert panel_grid(12) == (3, 4)
    fig, axes = panel_figure(5)
    assert len(axes) == 5 and fig.get_figwidth() == pytest.approx(COLUMN_INCHES)
