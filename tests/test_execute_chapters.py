"""tools/execute_chapters.py stores every widget control disabled (issue 14 §2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import execute_chapters  # noqa: E402

STATE = "application/vnd.jupyter.widget-state+json"


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", execution_count=1,
                                          outputs=[])]
    models = {
        "s": {"model_name": "IntSliderModel", "state": {"value": 3, "disabled": False}},
        "d": {"model_name": "DropdownModel", "state": {"index": 0, "disabled": False}},
        "b": {"model_name": "ButtonModel", "state": {"disabled": True}},
        "l": {"model_name": "LayoutModel", "state": {"width": "100%"}},
        "i": {"model_name": "ImageModel", "state": {"format": "png"}},
    }
    nb.metadata["widgets"] = {STATE: {"state": models, "version_major": 2,
                                      "version_minor": 0}}
    return nb


def test_every_control_is_disabled_and_nothing_else_changes() -> None:
    nb = _notebook()
    changed = execute_chapters.freeze_widget_state(nb)
    models = nb.metadata["widgets"][STATE]["state"]
    # two controls were enabled; the button was already disabled
    assert changed == 2
    assert models["s"]["state"] == {"value": 3, "disabled": True}
    assert models["d"]["state"] == {"index": 0, "disabled": True}
    assert models["b"]["state"] == {"disabled": True}
    # models with no `disabled` attribute gain none
    assert models["l"]["state"] == {"width": "100%"}
    assert models["i"]["state"] == {"format": "png"}


def test_notebook_without_widgets_is_left_alone() -> None:
    nb = nbformat.v4.new_notebook()
    assert execute_chapters.freeze_widget_state(nb) == 0
    assert "widgets" not in nb.metadata


@pytest.mark.parametrize("twice", [False, True])
def test_freeze_only_rewrites_only_the_widget_state(tmp_path: Path, twice: bool) -> None:
    path = tmp_path / "chapter.ipynb"
    nb = _notebook()
    nbformat.write(nb, path)
    before = json.loads(path.read_text())
    runs = 2 if twice else 1
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "execute_chapters.py"),
             "--freeze-only", str(path)],
            capture_output=True, text=True, check=True)
    after = json.loads(path.read_text())
    # the second run finds nothing left to freeze
    assert result.stdout.strip().endswith(
        f"{0 if twice else 2} widget controls frozen")
    assert after["cells"] == before["cells"]
    models = after["metadata"]["widgets"][STATE]["state"]
    assert {key: m["state"].get("disabled") for key, m in models.items()} == {
        "s": True, "d": True, "b": True, "l": None, "i": None}
    before["metadata"]["widgets"] = after["metadata"]["widgets"]
    assert after == before
