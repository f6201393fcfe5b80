"""`make lab` leaves the chapters alone, and the chapters run in JupyterLab and Notebook 7.

A copy of the repository's chapters and tools/lab.py is put under git; tools/lab.py
serves it headless with a 2-second autosave; Chromium opens a chapter and runs every
cell; the test waits until JupyterLab has autosaved the finished run (which rewrites the
widget outputs with the live session's model ids); `git status` of the copy must then be
clean (the reader's working copies live in the self-ignoring lab/ folder).  The same
chapter then runs in Jupyter Notebook 7 with its widgets drawn.

`make test` installs JupyterLab and Notebook 7 (requirements-lab.txt) before it runs
these.  Run by hand without them, they skip, except under CI=true where they fail (as
the browser tests do without Chromium).  BOOK_LAB_PYTHON may name another Python that
has them and cnnlib.  They also need Chromium (see tests/test_browser.py).  The servers
get empty Jupyter config and data folders, so the tester's own settings, workspaces,
extensions and kernels stay out of it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_browser import IN_CI, Traffic, _wait, browser  # noqa: F401  (browser: a fixture)

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "04-pooling.ipynb"  # the chapter whose widget autosave used to break
LAB_PYTHON = os.environ.get("BOOK_LAB_PYTHON", sys.executable)
AUTOSAVE_S = 2
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


@pytest.fixture(scope="module")
def lab_python() -> str:
    """LAB_PYTHON, when it has JupyterLab and Notebook 7; else skip (fail under CI)."""
    probe = subprocess.run([LAB_PYTHON, "-c", "import jupyterlab, notebook"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        error = (probe.stderr.strip().splitlines() or ["?"])[-1]
        why = (f"JupyterLab / Notebook 7 not importable by {LAB_PYTHON} ({error}): "
               "`make test` and "
               "`make lab` install requirements-lab.txt (`make .venv/.lab-installed` "
               "alone), or set BOOK_LAB_PYTHON to a Python that has them")
        if IN_CI:
            pytest.fail(f"CI=true and {why}")
        pytest.skip(why)
    return LAB_PYTHON


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory, lab_python) -> Path:
    """The chapters and tools/lab.py in a fresh git repository."""
    copy = tmp_path_factory.mktemp("lab-repo")
    shutil.copytree(ROOT / "chapters", copy / "chapters",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (copy / "tools").mkdir()
    shutil.copy2(ROOT / "tools" / "lab.py", copy / "tools" / "lab.py")
    _git(copy, "init", "-q")
    _git(copy, "add", ".")
    _git(copy, "-c", "user.name=test", "-c", "user.email=test@example.invalid",
         "commit", "-q", "-m", "copy")
    return copy


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(repo: Path, app: str):
    port, token = _free_port(), "book-lab-test"
    jupyter = repo.parent / f"{repo.name}-jupyter"
    env = {**os.environ, "BOOK_LAB_AUTOSAVE_S": str(AUTOSAVE_S),
           "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
           "JUPYTER_DATA_DIR": str(jupyter / "data"),
           "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime")}
    proc = subprocess.Popen(
        [LAB_PYTHON, "tools/lab.py", app, "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--IdentityProvider.token={token}", "--allow-root",
         # window.jupyterapp, for the test to drive
         "--LabApp.expose_app_in_browser=True" if app == "lab"
         else "--JupyterNotebookApp.expose_app_in_browser=True"],
        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise AssertionError(
                    f"{app} did not start:\n" + proc.stdout.read()[-3000:]) from None
            time.sleep(0.5)
    return proc, base, token


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


RUN_STATE = """
const app = window.jupyterapp;
const nb = app && app.shell.currentWidget;
if (!nb || !nb.content || !nb.sessionContext || !nb.sessionContext.session
    || !nb.sessionContext.session.kernel) { return null; }
const cells = nb.content.widgets.filter(c => c.model.type === 'code');
return {cells: cells.length,
        done: cells.filter(c => c.model.executionCount !== null).length,
        busy: nb.sessionContext.session.kernel.status,
        dirty: nb.context.model.dirty,
        sliders: document.querySelectorAll('.jp-OutputArea .widget-slider').length,
        errors: Array.from(document.querySelectorAll(
          '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
          .map(e => e.textContent).filter(t => /Error|Traceback/.test(t))};
"""


def _run_chapter(browser, url: str, what: str) -> dict:  # noqa: F811
    browser.get(url)
    _wait(browser, "window.jupyterapp !== undefined", 60, f"{what} to start")
    deadline = time.time() + 90
    while not (state := browser.execute_script(RUN_STATE)) or state["busy"] != "idle":
        assert time.time() < deadline, f"{what}: the kernel did not start"
        time.sleep(0.5)
    browser.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.time() + 240
    while True:
        state = browser.execute_script(RUN_STATE)
        assert not state["errors"], f"{what}: " + "\n".join(state["errors"])
        if state["done"] == state["cells"] and state["busy"] == "idle":
            return state
        assert time.time() < deadline, f"{what}: Run All did not finish: {state}"
        time.sleep(0.5)


def _widget_views(nb: dict) -> set[str]:
    return {out["data"][WIDGET_VIEW]["model_id"] for cell in nb["cells"]
            for out in cell.get("outputs", []) if WIDGET_VIEW in out.get("data", {})}


def _finished(nb: dict, cells: int) -> bool:
    """Whether ``nb`` holds a run of all its ``cells`` code cells."""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return len(code) == cells and all(c["execution_count"] for c in code)


def test_lab_keeps_chapters_unchanged(repo, browser):  # noqa: F811
    proc, base, token = _serve(repo, "lab")
    traffic = Traffic(browser, base)
    copy = repo / "lab" / CHAPTER
    started = time.time()
    try:
        traffic.drain()
        state = _run_chapter(browser, f"{base}lab/tree/{CHAPTER}?token={token}", "JupyterLab")
        assert state["sliders"], "the chapter's widget did not draw in JupyterLab"
        # past the first autosave after the run (every AUTOSAVE_S): the notebook in the
        # browser is clean again, its working copy written
        _wait(browser, "!window.jupyterapp.shell.currentWidget.context.model.dirty",
              10 * AUTOSAVE_S, "JupyterLab to autosave the chapter")
        assert copy.stat().st_mtime > started, "the working copy was never autosaved"
        # an autosave that began while the last cells ran wrote part of the run (seen on
        # a loaded machine): the finished run is on disk by a later autosave
        deadline = time.time() + 10 * AUTOSAVE_S
        while not _finished(saved := json.loads(copy.read_text()), state["cells"]):
            if time.time() > deadline:
                break
            browser.execute_script(
                "window.jupyterapp.shell.currentWidget.context.model.dirty = true")
            time.sleep(AUTOSAVE_S)
        page = browser.page_source
    finally:
        browser.execute_script(
            "try { window.jupyterapp.shell.currentWidget.context.model.dirty = false } "
            "catch (e) {}")
        _stop(proc)
    # the autosave wrote the finished run, whose widget outputs name the live session's
    # models, not the chapter's stored ones: written to chapters/, it would show in git
    book = json.loads(_git(repo, "show", f"HEAD:chapters/{CHAPTER}"))
    assert _finished(saved, state["cells"]), "the autosaved copy is not the finished run"
    assert _widget_views(saved) and _widget_views(saved).isdisjoint(_widget_views(book)), (
        "the autosave did not rewrite the widget outputs: the test proves nothing")
    # ... and it saved the live widget state, so even a saved copy draws its widgets
    stored = saved["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    assert _widget_views(saved) <= stored.keys(), "the saved copy lacks its widget state"
    # ... while the book's chapters are untouched
    assert _git(repo, "status", "--porcelain") == "", _git(repo, "status")
    assert "notified about" not in page, "JupyterLab asked about news (it needs the internet)"
    console = [c for c in traffic.drain().console if "favicon" not in c]
    assert not any("Shared module" in c or "pyodide" in c.lower() for c in console), console


def test_notebook7_runs_a_chapter(repo, browser):  # noqa: F811
    proc, base, token = _serve(repo, "notebook")
    traffic = Traffic(browser, base)
    try:
        traffic.drain()
        state = _run_chapter(browser, f"{base}notebooks/{CHAPTER}?token={token}",
                             "Notebook 7")
        assert state["sliders"], "the chapter's widget did not draw in Notebook 7"
        page = browser.page_source
    finally:
        browser.execute_script(
            "try { window.jupyterapp.shell.currentWidget.context.model.dirty = false } "
            "catch (e) {}")
        _stop(proc)
    assert _git(repo, "status", "--porcelain") == "", _git(repo, "status")
    assert "notified about" not in page, "Notebook 7 asked about news (it needs the internet)"
    console = [c for c in traffic.drain().console if "favicon" not in c]
    assert not any("Shared module" in c or "pyodide" in c.lower() for c in console), console
