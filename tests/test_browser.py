"""The built book in a real browser, with no network.

The book in _build/html is served from 127.0.0.1 and opened in headless Chromium in
which every other host name is unresolvable.  Each page must load with no request to
another host, no failed request and no console error, with its maths typeset and every
embedded widget rendered.  Then one chapter is opened live (JupyterLite, Pyodide): its
cells run, a slider is moved, and the figure it drives must change.

Needs Debian's `chromium` and `chromium-driver` (apt-get install chromium chromium-driver)
and `selenium` (requirements.txt).  Without Chromium these tests skip, except under CI=true
where they fail.  They use the book `make book` (or tests/test_book.py) built; if there is
none they build it first.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ENABLE_HINT = (
    "browser tests need Chromium and its driver: `sudo apt-get install chromium "
    "chromium-driver` (Debian/Ubuntu), then `make test` again"
)
# Chromium's own background requests (account, update and search-engine services) are
# made outside the page; they fail to resolve here and are not the book's.  They are
# recognised by never having been sent from the page, so only page requests are judged.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1280,1000",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'


# ---------------------------------------------------------------- which pages


def _toc_docs() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", d) for d in docs]


LIVE_PREFERRED = "chapters/05-cnn-block"  # One CNN block: step-through sliders, quick to run


def _live_chapter() -> str | None:
    """The chapter opened live: LIVE_PREFERRED, else the first one with a widget."""
    docs = _toc_docs()
    if LIVE_PREFERRED in docs:
        docs.insert(0, LIVE_PREFERRED)
    for doc in docs:
        nb = ROOT / f"{doc}.ipynb"
        if nb.is_file() and "application/vnd.jupyter.widget-view+json" in nb.read_text():
            return doc
    return None


PAGES = _toc_docs() + ["search", "genindex"]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def book() -> Path:
    """The built book; build it (as `make book` does) when there is none."""
    if not (HTML / "index.html").is_file() or not (HTML / "lite" / "index.html").is_file():
        jb = Path(sys.executable).with_name("jupyter-book")
        subprocess.run([str(jb), "build", str(ROOT), "--keep-going"], check=True,
                       stdout=subprocess.DEVNULL)
    assert (HTML / "index.html").is_file(), "the book did not build"
    return HTML


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
        ".ipynb": "application/json",
        ".whl": "application/octet-stream",
        ".svg": "image/svg+xml",
        ".woff2": "font/woff2",
    }

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def server(book):
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(book))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _find(names: list[str]) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    chromium = _find(["chromium", "chromium-browser", "google-chrome"])
    driver_path = _find(["chromedriver"])
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    if not (chromium and driver_path and webdriver):
        missing = ", ".join(n for n, ok in [("chromium", chromium), ("chromedriver", driver_path),
                                            ("selenium", webdriver)] if not ok)
        if IN_CI:
            pytest.fail(f"CI=true and {missing} missing: {ENABLE_HINT}")
        pytest.skip(f"{missing} not found: {ENABLE_HINT}")

    profile = tempfile.mkdtemp(prefix="book-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROMIUM_ARGS + [f"--user-data-dir={profile}"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # explicit paths: selenium must not try to download a browser or a driver
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- what a page did


class Traffic:
    """Requests, failures and console messages since the last drain."""

    def __init__(self, driver, base: str):
        self.driver, self.origin = driver, urlsplit(base).netloc
        self.urls: dict[str, str] = {}
        self.external: list[str] = []
        self.failed: list[str] = []
        self.console: list[str] = []

    def drain(self) -> Traffic:
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            method, params = msg["method"], msg.get("params", {})
            if method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                self.urls[params["requestId"]] = url
                parts = urlsplit(url)
                if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.origin:
                    self.external.append(url)
            elif method == "Network.loadingFailed" and params["requestId"] in self.urls:
                if not params.get("canceled"):
                    self.failed.append(f"{self.urls[params['requestId']]}: {params['errorText']}")
            elif method == "Network.responseReceived":
                status = params["response"]["status"]
                if status >= 400:
                    self.failed.append(f"{params['response']['url']}: HTTP {status}")
        for entry in self.driver.get_log("browser"):
            # Leaving a live notebook with unsaved edits makes JupyterLab ask "leave
            # this page?"; headless Chromium refuses to show the prompt and logs that as
            # SEVERE.  It is the browser's message about the page we left, not an error
            # of the page being tested, so it alone is not counted.
            if entry["level"] == "SEVERE" and "'beforeunload' confirmation panel" not in (
                    entry["message"]):
                self.console.append(entry["message"])
        return self

    def problems(self) -> list[str]:
        return (
            [f"request to another host: {u}" for u in self.external]
            + [f"failed request: {f}" for f in self.failed]
            + [f"console error: {c}" for c in self.console]
        )


def _wait(driver, condition: str, timeout: float, what: str) -> None:
    """Poll a JavaScript expression until it is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if driver.execute_script(f"return !!({condition})"):
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


MATHJAX_READY = """
const done = arguments[arguments.length - 1];
if (!window.MathJax || !window.MathJax.startup || !window.MathJax.startup.promise) {
  done(window.MathJax ? 'pending' : 'absent');
} else {
  window.MathJax.startup.promise.then(() => done('ready'), (e) => done('failed: ' + e));
}
"""

PAGE_REPORT = f"""
const views = Array.from(document.querySelectorAll('{WIDGET_VIEW}'));
const rendered = views.filter(s => {{
  const area = s.parentElement.querySelector('.widget-subarea .jupyter-widgets');
  return area && !s.parentElement.querySelector('.jupyter-widgets-error-widget, .widget-error');
}});
const maths = Array.from(document.querySelectorAll('.math'));
return {{
  views: views.length,
  rendered: rendered.length,
  maths: maths.length,
  typeset: maths.filter(m => m.querySelector('mjx-container')).length,
  mathErrors: document.querySelectorAll('mjx-merror').length,
  rawLabels: Array.from(document.querySelectorAll('.widget-label'))
                  .filter(l => /\\$[^$]+\\$/.test(l.textContent)).length,
}};
"""


def _open(driver, url: str) -> dict:
    driver.get(url)
    _wait(driver, "document.readyState === 'complete'", 30, f"{url} to load")
    deadline = time.time() + 20
    while (state := driver.execute_async_script(MATHJAX_READY)) == "pending":
        assert time.time() < deadline, "MathJax never started"
        time.sleep(0.2)
    assert state in ("ready", "absent"), f"MathJax: {state}"
    _wait(
        driver,
        f"Array.from(document.querySelectorAll('{WIDGET_VIEW}')).every("
        "s => s.parentElement.querySelector('.widget-subarea'))",
        30, f"the widgets of {url} to render",
    )
    time.sleep(0.3)  # let widget labels go through MathJax
    driver.execute_async_script(MATHJAX_READY)
    return driver.execute_script(PAGE_REPORT)


def _check_page(browser, server, page: str) -> None:
    traffic = Traffic(browser, server)
    traffic.drain()  # discard what came before
    try:
        report = _open(browser, server + page)
    except AssertionError as err:
        problems = traffic.drain().problems()
        raise AssertionError(f"{page}: {err}\n  " + "\n  ".join(problems)) from None
    problems = traffic.drain().problems()
    if report["views"] != report["rendered"]:
        problems.append(f"{report['views'] - report['rendered']} of {report['views']} "
                        "widgets not rendered")
    if report["typeset"] != report["maths"]:
        problems.append(f"{report['maths'] - report['typeset']} of {report['maths']} "
                        "maths elements not typeset by MathJax")
    if report["mathErrors"]:
        problems.append(f"{report['mathErrors']} MathJax errors")
    if report["rawLabels"]:
        problems.append(f"{report['rawLabels']} widget labels with untypeset $...$")
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("doc", PAGES)
def test_page_offline(browser, server, book, doc):
    page = f"{doc}.html"
    if not (book / page).is_file():
        pytest.fail(f"{page} was not built")
    _check_page(browser, server, page)


def test_other_pages_offline(browser, server, book):
    """Every other page the build wrote (API reference, bibliography, ...)."""
    seen = {f"{d}.html" for d in PAGES}
    others = sorted(
        p.relative_to(book).as_posix() for p in book.rglob("*.html")
        if p.relative_to(book).parts[0] not in ("lite", "_static", "_sources", "_images")
        and p.relative_to(book).as_posix() not in seen
    )
    failures = []
    for page in others:
        try:
            _check_page(browser, server, page)
        except AssertionError as err:
            failures.append(str(err))
    assert not failures, "\n".join(failures)


def test_chapters_link_to_live_copy(book):
    for doc in _toc_docs():
        if (ROOT / f"{doc}.ipynb").is_file():
            html = (book / f"{doc}.html").read_text()
            name = Path(doc).name
            assert f"lite/notebooks/index.html?path={name}.ipynb" in html, \
                f"{doc}.html has no 'Run this chapter live' link"
            assert (book / "lite" / "files" / f"{name}.ipynb").is_file()


KERNEL_STATUS = """
try {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? k.status : 'none';
} catch (e) { return 'none'; }
"""

NOTEBOOK_STATE = """
const nb = window.jupyterapp.shell.currentWidget;
const cells = nb.content.widgets.filter(c => c.model.type === 'code');
const stderr = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
return {
  cells: cells.length,
  done: cells.filter(c => c.model.executionCount !== null).length,
  errors: Array.from(document.querySelectorAll(stderr)).map(e => e.textContent)
               .filter(t => /Error|Traceback/.test(t)).map(t => t.slice(-1500)),
  sliders: document.querySelectorAll('.jp-OutputArea .widget-slider .noUi-handle').length,
  busy: nb.sessionContext.session.kernel.status,
};
"""

IMAGES_NEAR_SLIDER = """
let handle = document.querySelector('[data-book-test="slider"]');
if (!handle) {
  const handles = Array.from(
    document.querySelectorAll('.jp-OutputArea .widget-slider .noUi-handle'));
  // a slider whose output area also shows an image (the figure it drives), else the first
  handle = handles.find(h => h.closest('.jp-OutputArea').querySelector('img')) || handles[0];
  handle.setAttribute('data-book-test', 'slider');
  handle.scrollIntoView({block: 'center'});
}
const area = handle.closest('.jp-OutputArea');
return {images: Array.from(area.querySelectorAll('img')).map(i => i.src.slice(-200))};
"""


def _run_live(browser, server: str, doc: str, timeout: float = 180) -> tuple[Traffic, dict]:
    """Open a chapter's live copy, wait for the kernel, run every cell; return timings."""
    name = Path(doc).name
    traffic = Traffic(browser, server)
    traffic.drain()
    t0 = time.time()
    browser.get(f"{server}lite/notebooks/index.html?path={name}.ipynb")
    _wait(browser, "window.jupyterapp && window.jupyterapp.shell.currentWidget", 60,
          "JupyterLite to open the notebook")
    deadline = time.time() + 150
    while browser.execute_script(KERNEL_STATUS) != "idle":
        assert time.time() < deadline, "the Pyodide kernel did not start within 150 s"
        time.sleep(0.5)
    t_kernel = time.time() - t0

    browser.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.time() + timeout
    while True:
        state = browser.execute_script(NOTEBOOK_STATE)
        assert not state["errors"], f"{doc}: a cell failed:\n" + "\n".join(state["errors"])
        if state["done"] == state["cells"] and state["busy"] == "idle":
            break
        assert time.time() < deadline, f"{doc} did not finish running: {state}"
        time.sleep(0.5)
    # the run left the notebook "modified": mark it clean, so that leaving the page later
    # raises no "unsaved changes" prompt (which Chromium blocks and logs as an error)
    browser.execute_script("window.jupyterapp.shell.currentWidget.context.model.dirty = false")
    return traffic, {"chapter": doc, "kernel_ready_s": round(t_kernel, 1),
                     "all_cells_run_s": round(time.time() - t0, 1)}


def test_live_chapter_slider_redraws(browser, server, book):
    """Open a chapter live, run it, move a slider: its figure must change."""
    doc = _live_chapter()
    if doc is None:
        pytest.skip("no chapter in the table of contents has a widget")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    traffic, timings = _run_live(browser, server, doc)
    assert browser.execute_script(NOTEBOOK_STATE)["sliders"], f"{doc} shows no slider live"
    before = browser.execute_script(IMAGES_NEAR_SLIDER)
    assert before["images"], "no figure next to the slider"
    time.sleep(0.5)  # let the notebook finish scrolling
    handle = browser.find_element(By.CSS_SELECTOR, '[data-book-test="slider"]')
    track = handle.find_element(By.XPATH, "ancestor::div[contains(@class, 'noUi-target')]")
    step = max(12, track.size["width"] // 3)
    value = handle.get_attribute("aria-valuenow")
    t1 = time.time()
    # drag the handle a third of the way along, as a reader would
    ActionChains(browser).click_and_hold(handle).move_by_offset(step // 2, 0) \
        .move_by_offset(step - step // 2, 0).release().perform()
    assert handle.get_attribute("aria-valuenow") != value, "the slider did not move"
    deadline = time.time() + 60
    while True:
        after = browser.execute_script(IMAGES_NEAR_SLIDER)
        if after["images"] and after["images"] != before["images"]:
            break
        assert time.time() < deadline, "moving the slider did not change the figure within 60 s"
        time.sleep(0.2)
    timings["slider_redraw_s"] = round(time.time() - t1, 2)
    browser.execute_script("window.jupyterapp.shell.currentWidget.context.model.dirty = false")
    (ROOT / "_build" / "live-timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    print("live chapter:", timings)
    problems = traffic.drain().problems()
    assert not problems, "the live chapter:\n  " + "\n  ".join(problems)


@pytest.mark.skipif(os.environ.get("BOOK_LIVE_ALL") != "1",
                    reason="every chapter live takes minutes: set BOOK_LIVE_ALL=1")
@pytest.mark.parametrize("doc", [d for d in _toc_docs() if (ROOT / f"{d}.ipynb").is_file()])
def test_every_chapter_runs_live(browser, server, book, doc):
    """By hand: BOOK_LIVE_ALL=1 .venv/bin/python -m pytest tests/test_browser.py -k every"""
    traffic, timings = _run_live(browser, server, doc, timeout=600)
    print("live:", timings)
    problems = traffic.drain().problems()
    assert not problems, f"{doc} live:\n  " + "\n  ".join(problems)
