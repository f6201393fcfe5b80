"""`make lab` leaves the chapters alone, and the chapters run in JupyterLab and Notebook 7.

A copy of the repository's chapters and tools/lab.py is put under git; tools/lab.py
serves it headless with a 2-second autosave; Chromium opens a chapter, runs every cell
and waits past several autosaves; `git status` of the copy must then be clean (the
reader's working copies live in the self-ignoring lab/ folder).  The same chapter then
runs in Jupyter Notebook 7 with its widgets drawn.

JupyterLab is optional (requirements-lab.txt, installed by `make lab`), so these tests
skip when it is not importable; BOOK_LAB_PYTHON may name a Python that has it.  They
also need Chromium (see tests/test_browser.py).
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
from test_browser import Traffic, _wait, browser  # noqa: F401  (browser is a fixture)

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "04-pooling.ipynb"  # the chapter whose widget autosave used to break
LAB_PYTHON = os.environ.get("BOOK_LAB_PYTHON", sys.executable)


def _has_jupyterlab() -> bool:
    probe = "import jupyterlab, notebook"
    return subprocess.run([LAB_PYTHON, "-c", probe], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(
    not _has_jupyterlab(),
    reason="JupyterLab / Notebook 7 not installed: `make lab` installs requirements-lab.txt "
           "(or set BOOK_LAB_PYTHON to a Python that has them)")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
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
    env = {**os.environ, "BOOK_LAB_AUTOSAVE_S": "2",
           "JUPYTER_RUNTIME_DIR": str(repo.parent / f"{repo.name}-runtime")}
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


def test_lab_keeps_chapters_unchanged(repo, browser):  # noqa: F811
    proc, base, token = _serve(repo, "lab")
    traffic = Traffic(browser, base)
    started = time.time()
    try:
        traffic.drain()
        state = _run_chapter(browser, f"{base}lab/tree/{CHAPTER}?token={token}", "JupyterLab")
        assert state["sliders"], "the chapter's widget did not draw in JupyterLab"
        time.sleep(8)  # past several 2-second autosaves
        saved_at = (repo / "lab" / CHAPTER).stat().st_mtime
        saved = json.loads((repo / "lab" / CHAPTER).read_text())
        page = browser.page_source
    finally:
        browser.execute_script(
            "try { window.jupyterapp.shell.currentWidget.context.model.dirty = false } "
            "catch (e) {}")
        _stop(proc)
    # the reader's copy was autosaved (the test waited long enough to matter) ...
    assert saved_at > started, "the working copy was never autosaved: the test proves nothing"
    # ... with its widget state, so even a saved copy would still draw its widgets
    assert "application/vnd.jupyter.widget-state+json" in saved["metadata"].get("widgets", {})
    # ... and the book's chapters are untouched
    assert _git(repo, "status", "--porcelain") == "", _git(repo, "status")
    assert "notified about" not in page, "JupyterLab asked about news (it needs the internet)"
    console = [c for c in traffic.drain().console if "favicon" not in c]
    assert not any("Shared module" in c or "pyodide" in c.lower() for c in console), console


def test_notebook7_runs_a_chapter(repo, browser):  # noqa: F811
    proc, base, token = _serve(repo, "notebook")
    try:
        state = _run_chapter(browser, f"{base}notebooks/{CHAPTER}?token={token}",
                             "Notebook 7")
        assert state["sliders"], "the chapter's widget did not draw in Notebook 7"
    finally:
        browser.execute_script(
            "try { window.jupyterapp.shell.currentWidget.context.model.dirty = false } "
            "catch (e) {}")
        _stop(proc)
    assert _git(repo, "status", "--porcelain") == ""
