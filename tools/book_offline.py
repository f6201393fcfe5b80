"""Sphinx extension (loaded from _config.yml): a book that needs no network, and runs live.

Reading offline
    `mathjax_path` and myst-nb's `nb_ipywidgets_js` (set in _config.yml) point at files
    under ``_static/vendor/``; this extension copies ``vendor/`` (MathJax, RequireJS and the
    widget manager, pinned, see THIRD_PARTY_NOTICES.md) and ``tools/static/`` there when
    the build finishes.  That tree is copied, not listed in ``html_static_path``, so
    Jupyter Book does not add each of its scripts to every page.  The build fails if any
    page would still load a script from another host.

Console errors a default Jupyter Book 1 build shows, fixed here
    - sphinx-thebe's inline ``const THEBE_JS_URL`` script is added twice under Sphinx 7.4
      (a SyntaxError on every page): duplicates are dropped;
    - pydata-sphinx-theme reports "invalid theme mode" on a first visit: ``default_mode``
      is set;
    - widget labels typeset with MathJax 2's ``MathJax.Hub.Queue``: tools/static/
      book-widgets.js maps it onto MathJax 3.

Running live
    Every chapter page gets a "Run this chapter live" link (new tab) to its JupyterLite
    copy, which tools/build_live.py builds into ``<html>/lite/`` (skipped when
    unchanged).  Opened as a file, the page disables the link and says to `make serve`.

Search
    The search page ranks results with tools/static/search_scorer.js, which reads
    ``_static/book/search_stats.js``, written here: for each page its title, its
    headings (section titles, and the bold lead-in that opens a paragraph, such as
    "**Step 3: stride.**"), and how often each stemmed word occurs in its prose (code
    cells, outputs and maths left out).  Sphinx's own index says only whether a word
    occurs on a page, not how much the page is about it.

Widgets that would silently vanish
    The build fails when a notebook's output shows a widget whose model is not in the
    notebook's stored widget state (what JupyterLab's autosave leaves behind).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
logger = logging.getLogger(__name__)

sys.path.insert(0, str(HERE))
import build_live  # noqa: E402

LIVE_NOTE = (
    "Opens this chapter in a new tab as a notebook running in your browser (Python "
    "compiled to WebAssembly, served by this book: nothing to install, no internet "
    "needed). The first start takes half a minute or so; then the sliders recompute as "
    "you drag them."
)
# shown instead (and the button disabled) when the page was opened as a file
FILE_NOTE = (
    "Running live needs the book served over HTTP, not opened as a file (the browser "
    "refuses to start Python from file:// pages). In the book's folder run "
    "<code>make serve</code> and open <code>http://127.0.0.1:8000/</code> instead."
)
FILE_SCRIPT = """<script>
if (location.protocol === 'file:') {
  document.querySelectorAll('.book-run-live').forEach(function (box) {
    var a = box.querySelector('a.book-run-live-button');
    a.removeAttribute('href');
    a.classList.add('disabled');
    a.setAttribute('aria-disabled', 'true');
    box.querySelector('.book-run-live-note').innerHTML = %s;
  });
}
</script>"""


def _config_inited(app: Sphinx, config) -> None:
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


def _is_external(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url))


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if scripts is not None and app.builder.format == "html":
        names = [str(js.filename or "") for js in scripts]
        mathjax = app.config.mathjax_path
        if any(n.endswith("embed-amd.js") for n in names) and mathjax not in names:
            # widget labels may hold maths: load MathJax on every page with widgets
            if app.config.mathjax3_config:
                app.builder.add_js_file(
                    "", body="window.MathJax = " + json.dumps(app.config.mathjax3_config)
                )
            app.builder.add_js_file(mathjax, defer="defer")
        seen, kept = set(), []
        for js in scripts:
            body = js.attributes.get("body") or ""
            if body.startswith("window.MathJax =") and js.priority >= 200:
                # MathJax's configuration first: book-widgets.js extends it
                js = type(js)(js.filename, priority=150, **js.attributes)
            key = (str(js.filename or ""), js.attributes.get("body"))
            if key in seen:
                continue
            seen.add(key)
            if _is_external(str(js.filename or "")):
                logger.warning(
                    "page %s would load %s from another host (set it to a vendored file)",
                    pagename, js.filename, type="book_offline", subtype="external",
                )
            kept.append(js)
        scripts[:] = kept

    if pagename == "search" and app.builder.format == "html":
        # written after every document (Sphinx renders the search page last)
        _write_search_stats(app)
        app.builder.add_js_file("book/search_stats.js")

    if app.builder.format != "html" or doctree is None or "body" not in context:
        return
    source = Path(app.env.doc2path(pagename))
    if source.suffix == ".ipynb" and app.config.book_live:
        href = context["pathto"]("lite/notebooks/index.html", 1) + f"?path={source.name}"
        button = (
            '<div class="book-run-live">'
            # a new tab: the reader keeps their place in the book
            f'<a class="btn btn-sm book-run-live-button" href="{href}" target="_blank" '
            'rel="noopener">&#9654;&#xFE0E; Run this chapter live</a>'
            f'<span class="book-run-live-note">{LIVE_NOTE}</span></div>'
            # JupyterLite needs a web server; say so to a reader who opened the file
            + FILE_SCRIPT % json.dumps(FILE_NOTE)
        )
        body = context["body"]
        if "</h1>" in body:
            context["body"] = body.replace("</h1>", "</h1>" + button, 1)
        else:
            context["body"] = button + body


_SEARCH_SKIP = (nodes.literal_block, nodes.math, nodes.math_block, nodes.raw, nodes.comment)


def search_stats(doctree: nodes.document, lang) -> dict:
    """One page's title, headings and prose word counts, for the search scorer.

    ``lang`` is Sphinx's search language (``IndexBuilder.lang``), so that words are
    split and stemmed as the search index and the search page stem them.  Returns
    ``{"t": title, "h": [[heading, section id(, 1 if run-in)], ...], "f": {stem: count},
    "n": words}``; code cells, their outputs and maths are left out of the counts.
    """
    heads: list[list] = []
    words: list[str] = []

    def walk(node: nodes.Node, section: str) -> None:
        if isinstance(node, _SEARCH_SKIP):
            return
        if isinstance(node, nodes.Text):
            words.extend(lang.split(node.astext()))
            return
        if {"cell_input", "cell_output"} & set(node.get("classes", [])):
            return
        if isinstance(node, nodes.section) and node["ids"]:
            section = node["ids"][0]
        if isinstance(node, nodes.title) and isinstance(node.parent, nodes.section):
            heads.append([node.astext(), section])
        elif isinstance(node, nodes.paragraph) and isinstance(node.parent, nodes.section):
            # a run-in heading: a paragraph that opens with a bold phrase ending in a
            # stop, "**Step 3: stride.** With stride s ..." (not a bold word in a list)
            parts = [c for c in node.children
                     if not (isinstance(c, nodes.Text) and not c.astext().strip())]
            if (len(parts) > 1 and isinstance(parts[0], nodes.strong)
                    and parts[0].astext().strip()[-1:] in (".", ":", "?", "!")):
                heads.append([parts[0].astext().strip(), section, 1])
        for child in node.children:
            walk(child, section)

    walk(doctree, "")
    counts: dict[str, int] = {}
    for word in words:
        stem = lang.stem(word).lower()
        if not word.isdigit() and lang.word_filter(stem):
            counts[stem] = counts.get(stem, 0) + 1
    return {"t": heads[0][0] if heads else "", "h": heads[1:], "f": counts,
            "n": sum(counts.values())}


def _write_search_stats(app: Sphinx) -> None:
    indexer = getattr(app.builder, "indexer", None)
    if indexer is None:
        return
    pages = {doc: search_stats(app.env.get_doctree(doc), indexer.lang)
             for doc in sorted(app.env.found_docs)}
    target = Path(app.outdir) / "_static" / "book" / "search_stats.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("window.BOOK_SEARCH_STATS = "
                      + json.dumps(pages, ensure_ascii=False, separators=(",", ":")) + ";\n")


def _live_chapters(app: Sphinx) -> list[Path]:
    return sorted(
        Path(app.env.doc2path(doc)) for doc in app.env.found_docs
        if str(app.env.doc2path(doc)).endswith(".ipynb")
    )


def _copy_tree(src: Path, dest: Path, skip: tuple[str, ...] = ()) -> None:
    for path in src.rglob("*"):
        if path.is_file() and path.relative_to(src).parts[0] not in skip:
            target = dest / path.relative_to(src)
            if target.is_file() and target.stat().st_size == path.stat().st_size \
                    and target.stat().st_mtime >= path.stat().st_mtime:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def missing_widget_models(nb: dict) -> list[str]:
    """Widgets a notebook's outputs show that its stored widget state cannot draw.

    The HTML page draws a widget from the state saved in the notebook's metadata; an
    output naming a model that is not there (JupyterLab's autosave keeps outputs but
    not, by default, the widget state) renders as nothing, silently.  Each problem is
    returned as one sentence; an empty list means every widget can be drawn.
    """
    state = ((nb.get("metadata") or {}).get("widgets") or {}).get(WIDGET_STATE) or {}
    models = state.get("state") or {}
    problems = []
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []) or []:
            view = (out.get("data") or {}).get(WIDGET_VIEW)
            if view and view.get("model_id") not in models:
                problems.append(f"cell {i} shows widget model {view.get('model_id')}, which "
                                "is not in the stored widget state")
    referenced = set(re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(models)))
    for model_id in sorted(referenced - set(models)):
        problems.append(f"the stored widget state refers to model {model_id}, which it "
                        "does not hold")
    return problems


def _check_widgets(app: Sphinx, docname: str, source: list[str]) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    problems = missing_widget_models(json.loads(path.read_text()))
    if problems:
        raise ExtensionError(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
            + "; ".join(problems) + ". The page would show nothing there. Re-execute the "
            "chapter (.venv/bin/python tools/execute_chapters.py " + path.name + "), which "
            "stores outputs and widget state together; a notebook saved from JupyterLab "
            "without 'Save Widget State Automatically' has this problem.")


def _live_labels(app: Sphinx) -> dict[str, str]:
    """Cross-reference label (and document name) -> title, for the live copies' text."""
    labels = {}
    for name, (_doc, _anchor, title) in app.env.get_domain("std").labels.items():
        if title:
            labels[name] = str(title)
    for doc, title in app.env.titles.items():
        labels.setdefault(doc, title.astext())
    return labels


def _build_finished(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    # vendor/pyodide holds checksums only; tools/build_live.py serves Pyodide under lite/
    _copy_tree(ROOT / "vendor", out / "_static" / "vendor", skip=("pyodide",))
    _copy_tree(HERE / "static", out / "_static" / "book")
    # browsers ask for /favicon.ico whenever a page names no icon (JupyterLite's, briefly)
    build_live.write_favicons(out, names=("favicon",))
    if not app.config.book_live:
        return
    try:
        bibfiles = [Path(app.srcdir) / f for f in getattr(app.config, "bibtex_bibfiles", [])]
        build_live.build(out, _live_chapters(app), labels=_live_labels(app),
                         bibfiles=bibfiles)
    except Exception as err:  # report, as a Sphinx warning (an error under -W)
        logger.warning("the live (JupyterLite) build failed: %s", err,
                       type="book_offline", subtype="live")


def setup(app: Sphinx) -> dict:
    app.add_config_value("book_live", True, "html")
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("build-finished", _build_finished)
    app.connect("source-read", _check_widgets)
    app.add_css_file("book/book.css")
    # the static page's frozen-widget badges and tap-to-zoom figures
    app.add_js_file("book/figures.js", defer="defer")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
