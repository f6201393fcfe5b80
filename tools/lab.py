"""`make lab`: the chapters in JupyterLab (or Jupyter Notebook 7), on working copies.

    .venv/bin/python tools/lab.py              # JupyterLab on lab/ (what `make lab` runs)
    .venv/bin/python tools/lab.py notebook     # the same in Jupyter Notebook 7

Why copies: JupyterLab autosaves every open notebook (every two minutes by default).
Saving re-writes the widget outputs with the model ids of the reader's live session,
ids the chapter's stored widget state does not hold, and the book built from such a
chapter silently loses those widgets (the build now refuses it, see
tools/book_offline.py).  So the reader works in ``lab/``: a copy of every chapter,
made when missing and never overwritten (delete a copy to get the book's version
again).  ``lab/`` ignores itself in git (it holds a ``.gitignore`` of ``*``).

The server also runs with the book's settings (``lab/.settings/``, written here):

- the widget manager saves the widget state with the notebook, so a saved copy still
  draws its widgets;
- no "notified about Jupyter news?" prompt and no update check (they need the internet);
- the live site's JupyterLite kernel extension, installed in the same environment for
  `make book`, is left out (in JupyterLab it only logs "Shared module
  @jupyterlite/server doesn't exist").  Disabling it is not enough, JupyterLab loads a
  disabled extension's code all the same: the server is given its own extensions
  folder, ``lab/.settings/labextensions/``, holding a copy of every other extension
  installed (the widget manager, and any of the reader's own).

The settings go in through ``app_settings_dir``, so the reader's own JupyterLab
settings (theme, shortcuts...) still apply.  ``BOOK_LAB_AUTOSAVE_S`` sets the autosave
interval (tests/test_lab.py uses a few seconds).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = "lab"

OVERRIDES: dict[str, dict] = {
    "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True},
    "@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False, "fetchNews": "false"},
}
DISABLED = ["@jupyterlite/pyodide-kernel-extension"]


def prepare(root: Path = ROOT) -> Path:
    """Copy the chapters missing from ``root/lab``; say which copies are older than the
    book's chapter.  Returns the folder."""
    work = root / WORK
    work.mkdir(exist_ok=True)
    (work / ".gitignore").write_text("# working copies for `make lab` (tools/lab.py)\n*\n")
    for chapter in sorted((root / "chapters").glob("*.ipynb")):
        copy = work / chapter.name
        if not copy.exists():
            shutil.copy2(chapter, copy)
        elif chapter.stat().st_mtime > copy.stat().st_mtime + 1:
            print(f"note: {copy.relative_to(root)} is older than {chapter.relative_to(root)}; "
                  "delete it to get the book's current version")
    settings = work / ".settings"
    settings.mkdir(exist_ok=True)
    overrides = json.loads(json.dumps(OVERRIDES))
    autosave = os.environ.get("BOOK_LAB_AUTOSAVE_S")
    if autosave:
        overrides["@jupyterlab/docmanager-extension:plugin"] = {
            "autosaveInterval": int(autosave)}
    (settings / "overrides.json").write_text(json.dumps(overrides, indent=2) + "\n")
    (settings / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in DISABLED}}, indent=2) + "\n")
    _copy_extensions(settings / "labextensions")
    return work


def _copy_extensions(dest: Path) -> None:
    """Every installed JupyterLab extension but the live site's, copied into dest (the
    first of each name in Jupyter's search path wins, as in JupyterLab)."""
    from jupyter_core.paths import jupyter_path

    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for folder in map(Path, jupyter_path("labextensions")):
        for package in sorted(folder.glob("*/package.json")) + sorted(
                folder.glob("@*/*/package.json")):
            name = package.parent.relative_to(folder).as_posix()
            if name in DISABLED or (dest / name).exists():
                continue
            shutil.copytree(package.parent, dest / name)


def command(app: str, work: Path, extra: list[str]) -> list[str]:
    """The command line that serves ``work`` in JupyterLab or Notebook 7."""
    module = {"lab": "jupyterlab", "notebook": "notebook"}[app]
    cls = {"lab": "LabApp", "notebook": "JupyterNotebookApp"}[app]
    return [sys.executable, "-m", module, f"--ServerApp.root_dir={work}",
            f"--{cls}.app_settings_dir={work / '.settings'}",
            f"--{cls}.labextensions_path={work / '.settings' / 'labextensions'}", *extra]


def main(argv: list[str]) -> int:
    app = "lab"
    if argv and argv[0] in ("lab", "notebook"):
        app, argv = argv[0], argv[1:]
    module = {"lab": "jupyterlab", "notebook": "notebook"}[app]
    if importlib.util.find_spec(module) is None:
        print(f"{module} is not installed in {sys.prefix}: `make lab` (or "
              "`make .venv/.lab-installed`) installs requirements-lab.txt", file=sys.stderr)
        return 1
    work = prepare()
    print(f"Working copies of the chapters: {work.relative_to(ROOT)}/ "
          "(the book's chapters/ stay as they are)")
    cmd = command(app, work, argv)
    if os.name != "posix":
        return subprocess.call(cmd, cwd=work)
    # become the server (no parent process left behind: Ctrl+C and kill reach it)
    os.chdir(work)
    os.execv(cmd[0], cmd)
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
