"""Re-run chapter notebooks in place, storing their outputs and widget state.

Usage: .venv/bin/python tools/execute_chapters.py chapters/05-cnn-block.ipynb [...]
       .venv/bin/python tools/execute_chapters.py --freeze-only chapters/*.ipynb

The stored outputs are what strict nbval compares a fresh run against, and
the stored widget state is what lets the HTML book draw each widget.  Timing
metadata is not recorded, so re-running an unchanged chapter changes nothing
but the widget model ids.

The stored widget state is *frozen*: every control that has a ``disabled``
attribute (sliders, dropdowns, buttons, toggles, text boxes) is stored
disabled, so the static page, whose figures cannot redraw, shows controls
that cannot be moved either.  A run in JupyterLab or live mode recreates
the widgets from the code, enabled.  ``--freeze-only`` applies just that
step to chapters already executed, rewriting only their widget-state
metadata (cells and outputs are left exactly as they are).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def freeze_widget_state(nb: nbformat.NotebookNode) -> int:
    """Store every widget control disabled; return how many models were changed.

    Only models whose state has a ``disabled`` key are touched (layouts,
    styles, images and labels have none).
    """
    models = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    changed = 0
    for model in models.values():
        state = model.get("state", {})
        if "disabled" in state and state["disabled"] is not True:
            state["disabled"] = True
            changed += 1
    return changed


def freeze(path: Path) -> int:
    """Freeze the stored widget state of an executed notebook in place."""
    nb = nbformat.read(path, as_version=4)
    changed = freeze_widget_state(nb)
    if changed:
        nbformat.write(nb, path)
    return changed


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata.setdefault("language_info", {"name": "python"})
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    freeze_widget_state(nb)
    nbformat.write(nb, path)
    return elapsed


def main(paths: list[str]) -> int:
    freeze_only = "--freeze-only" in paths
    paths = [name for name in paths if name != "--freeze-only"]
    if not paths:
        print(__doc__)
        return 2
    if freeze_only:
        for name in paths:
            print(f"{name}: {freeze(Path(name))} widget controls frozen")
        return 0
    for name in paths:
        seconds = execute(Path(name))
        print(f"{name}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
