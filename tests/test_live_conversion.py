"""The live (JupyterLite) copies of the chapters: MyST becomes plain Jupyter markdown,
heavy cells keep their stored result, each chapter loads only the packages it needs,
and the book build refuses a notebook whose widgets would silently vanish.

No browser and no book build: tools/build_live.py's pieces on small inputs, with the
expected text written out by hand.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_live  # noqa: E402

CITES = {"nair2010rectified": ("Nair and Hinton", "2010"),
         "he2016deep": ("He et al.", "2016"),
         "dumoulin2016guide": ("Dumoulin and Visin", "2016")}


def conv(**kw) -> build_live.MystConverter:
    return build_live.MystConverter(None, labels={"api-pooling": "Pooling"}, cites=CITES,
                                    **kw)


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize("role, expected", [
    ("{cite:p}`nair2010rectified`", "[Nair and Hinton, 2010]"),
    ("{cite:p}`nair2010rectified,he2016deep`", "[Nair and Hinton, 2010; He et al., 2016]"),
    ("{cite:t}`dumoulin2016guide`", "Dumoulin and Visin [2016]"),
    ("{ref}`api-pooling`", "*Pooling*"),
    ("{ref}`the pooling functions <api-pooling>`", "the pooling functions"),
    ("{ref}`unknown-label`", "*unknown label*"),
    ("{doc}`../reference/api`", "*api*"),
    ("{numref}`Figure %s <fig-x>`", "Figure"),
    ("{math}`x^2`", "$x^2$"),
    ("{term}`stride`", "stride"),
])
def test_roles_become_text(role, expected):
    assert conv().convert_text(f"See {role}.") == f"See {expected}."


def test_roles_inside_code_blocks_are_left_alone():
    text = "```python\nprint('{ref}`x`')\n```"
    assert conv().convert_text(text) == text


def test_label_targets_and_comments_disappear():
    assert conv().convert_text("(api-pooling)=\n% a comment\n## Pooling") == "## Pooling"


def test_citation_names_from_bibtex(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text("""
@article{one, author = {Nair, Vinod}, title = {T}, year = {2010}}
@article{two, author = {Bottou, L{\\'e}on and Bengio, Yoshua}, title = {T}, year = {1998}}
@article{three, author = {He, K. and Zhang, X. and Ren, S.}, title = {T}, year = {2016}}
""")
    cites = build_live.read_bibliography([bib])
    assert cites == {"one": ("Nair", "2010"), "two": ("Bottou and Bengio", "1998"),
                     "three": ("He et al.", "2016")}


# ---------------------------------------------------------------- directives

EXERCISE = """## Exercises

```{exercise}
:label: pool-ex-1

A 7×7 map is pooled with {cite:p}`he2016deep`'s window.
```

```{solution} pool-ex-1
:class: dropdown

Three: $\\lfloor 4/2 \\rfloor + 1$.
```"""


def test_exercise_and_folded_solution():
    out = conv(first_exercise=15).convert_text(EXERCISE)
    assert out == (
        "## Exercises\n\n"
        "#### Exercise 15\n\n"
        "A 7×7 map is pooled with [He et al., 2016]'s window.\n\n"
        "<details><summary>Solution</summary>\n\n"
        "Three: $\\lfloor 4/2 \\rfloor + 1$.\n\n"
        "</details>")
    for raw in (":label:", ":class:", "```{", "{cite"):
        assert raw not in out


def test_exercises_are_numbered_in_order_and_can_be_referenced():
    c = conv(first_exercise=3)
    text = "```{exercise}\n:label: a\n\nOne.\n```\n\n```{exercise}\n:label: b\n\nTwo.\n```"
    assert c.convert_text(text).count("#### Exercise") == 2
    assert "#### Exercise 3" in c.convert_text("```{exercise}\n:label: a\n\nx\n```")
    assert c.convert_text("as in {ref}`b`") == "as in *Exercise 4*"


def test_gated_solution_becomes_a_collapsed_heading_over_its_cells():
    c = conv()
    start = c.convert_cell("```{solution-start} ex-1\n:class: dropdown\n```\n\nFirst, count.")
    assert start == [("##### Solution", {"jp-MarkdownHeadingCollapsed": True}),
                     ("First, count.", {})]
    assert c.in_solution
    end = c.convert_cell("So 4,096.\n\n```{solution-end}\n```\n\n```{exercise}\n:label: e2\n\n"
                         "Next.\n```")
    assert end == [("So 4,096.", {}), ("#### Exercise 1\n\nNext.", {})]
    assert not c.in_solution


def test_admonition_literalinclude_and_unknown_directives(tmp_path):
    src = tmp_path / "mod.py"
    src.write_text("import os\n\n\ndef corr2d(x):\n    return x\n\n\ndef other():\n    pass\n")
    c = build_live.MystConverter(tmp_path / "chapter.ipynb")
    assert c.convert_text("```{note}\nMind the {math}`k`.\n```") == \
        "> **Note**\n>\n> Mind the $k$."
    out = c.convert_text("```{literalinclude} mod.py\n:pyobject: corr2d\n```")
    assert out.endswith("```python\ndef corr2d(x):\n    return x\n```")
    assert "other" not in out
    assert c.convert_text(":::{margin}\nA side note.\n:::") == "A side note."


def test_every_chapter_converts_without_raw_myst():
    chapters = sorted((ROOT / "chapters").glob("*.ipynb"))
    converters = build_live.chapter_converters(chapters)
    for chapter in chapters:
        c = converters[chapter]
        nb = nbformat.read(chapter, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for text, _meta in c.convert_cell(cell.source):
                outside_code = "\n".join(
                    part for k, part in enumerate(text.split("```")) if k % 2 == 0)
                for raw in (":label:", ":class: dropdown", "{cite", "{ref}", "{doc}",
                            "{numref}", "{exercise}", "{solution"):
                    assert raw not in outside_code, f"{chapter.name}: {raw!r} in\n{text}"


# ---------------------------------------------------------------- live copies


def _chapter(tmp_path: Path, cells: list) -> Path:
    nb = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "01-test.ipynb"
    nbformat.write(nb, path)
    return path


def test_live_skip_keeps_the_stored_result(tmp_path):
    heavy = nbformat.v4.new_code_cell("sweep()", metadata={"tags": ["live-skip"]})
    heavy.outputs = [nbformat.v4.new_output("stream", text="best lr 0.002\n"),
                     nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0K"})]
    light = nbformat.v4.new_code_cell("print(1)", outputs=[
        nbformat.v4.new_output("stream", text="1\n")])
    src = _chapter(tmp_path, [heavy, light])
    dest = tmp_path / "live.ipynb"
    announced = build_live.live_copy(src, dest, [], download_mb=34.2)
    nb = nbformat.read(dest, as_version=4)
    intro, setup, run, stored, plain = nb.cells
    assert "RUN_HEAVY = False" in setup.source and "%%live_skip" in intro.source
    assert "34 MB" in intro.source and "NumPy, Matplotlib" in intro.source
    assert run.source == "%%live_skip\nsweep()" and run.outputs == []
    assert stored.cell_type == "markdown" and "best lr 0.002" in stored.source
    assert "![stored output 2](data:image/png;base64,iVBORw0K)" in stored.source
    assert plain.outputs == [] and plain.execution_count is None
    assert announced == {"download_mb": 34.2, "packages": [], "live_skip_cells": 1}


def test_live_skip_cell_that_printed_nothing_gets_no_stored_result(tmp_path):
    quiet = nbformat.v4.new_code_cell("def f():\n    pass", metadata={"tags": ["live-skip"]})
    build_live.live_copy(_chapter(tmp_path, [quiet]), tmp_path / "live.ipynb", [])
    cells = nbformat.read(tmp_path / "live.ipynb", as_version=4).cells
    assert [c.cell_type for c in cells] == ["markdown", "code", "code"]
    assert cells[2].source.startswith("%%live_skip\n")


def test_cells_reading_a_skipped_cells_results_skip_too():
    cells = [nbformat.v4.new_code_cell(src, metadata={"tags": tags}) for src, tags in [
        ("import numpy as np\nx = np.ones(3)", []),
        ("history = train(x)\nmodel = history.model", ["live-skip"]),
        ("plot(history)", []),                       # reads history: skips
        ("total = x.sum()", []),                     # runs
        ("model = make()\nprint(model)", []),        # rebinds model first: runs
        ("%matplotlib inline\nsummary = describe(plot)", []),  # plot is a builtin here
        ("assert model.fitted and total > 0", []),  # model came back: runs
        ("figure = f(history, total)", ["remove-input"]),  # skips
        ("show(figure)", []),                        # reads figure: skips
    ]]
    assert build_live.live_skipped(cells) == {1: set(), 2: {"history"}, 7: {"history"},
                                              8: {"figure"}}


def test_no_live_skip_machinery_without_tagged_cells(tmp_path):
    src = _chapter(tmp_path, [nbformat.v4.new_code_cell("x = 1")])
    build_live.live_copy(src, tmp_path / "live.ipynb", ["scipy"])
    intro, setup, _ = nbformat.read(tmp_path / "live.ipynb", as_version=4).cells
    assert "RUN_HEAVY" not in setup.source and "live_skip" not in intro.source
    assert '"matplotlib", "scipy"]' in setup.source and "SciPy" in intro.source
    assert "pyodide_js.loadPackage(_wheels)" in setup.source  # one parallel load


def test_kernel_boot_packages_come_from_the_lock(tmp_path):
    """Every package the Pyodide kernel would install one by one at start is preloaded
    (jupyterlite-pyodide-kernel 0.6 skips those named in loadPyodideOptions.packages),
    and each added wheel is in the lock file with its real sha256 and version."""
    boot = build_live.lite_config()["jupyter-config-data"]["litePluginSettings"][
        "@jupyterlite/pyodide-kernel-extension:kernel"]["loadPyodideOptions"]["packages"]
    # what the kernel's worker installs itself when a name is missing from that list
    assert {"micropip", "piplite", "ssl", "sqlite3", "ipykernel", "comm", "pyodide_kernel",
            "jedi", "ipython"} <= set(boot)
    lock = {"info": {}, "packages": {"numpy": {"name": "numpy"}}}
    (tmp_path / "pyodide-lock.json").write_text(json.dumps(lock))
    wheel = tmp_path / "src" / "cnnlib-1.2.3-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"not really a wheel")
    build_live.extend_lock(tmp_path, {"cnnlib": wheel})
    entry = json.loads((tmp_path / "pyodide-lock.json").read_text())["packages"]["cnnlib"]
    assert entry["file_name"] == wheel.name and (tmp_path / wheel.name).is_file()
    assert entry["version"] == "1.2.3" and entry["depends"] == ["numpy"]
    assert entry["sha256"] == hashlib.sha256(b"not really a wheel").hexdigest()
    with pytest.raises(RuntimeError, match="already"):
        build_live.extend_lock(tmp_path, {"cnnlib": wheel})


def test_live_skip_magic_runs_only_when_asked():
    """The magic the setup cell defines, run in a plain IPython shell."""
    IPython = pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell(build_live.LIVE_SKIP_SETUP)
        result = shell.run_cell("%%live_skip\nvalue = 6 * 7\nvalue")
        assert result.result is None and "value" not in shell.user_ns
        shell.user_ns["RUN_HEAVY"] = True
        result = shell.run_cell("%%live_skip\nvalue = 6 * 7\nvalue")
        assert result.result == 42 and shell.user_ns["value"] == 42
    finally:
        InteractiveShell.clear_instance()
    del IPython


def test_setup_cell_sends_images_as_base64_text():
    """Pyodide's kernel passes a formatter's PNG bytes to the page as they are (a broken
    image); the setup cell makes the display formatter base64-encode them."""
    from IPython.core.interactiveshell import InteractiveShell

    class Picture:
        def _repr_png_(self):
            return b"\x89PNG"

        def __repr__(self):
            return "<picture>"

    patch = "# send images" + build_live.SETUP_CELL.split("# send images")[1].split(
        'print(f"Ready')[0]
    shell = InteractiveShell.instance()
    try:
        assert shell.display_formatter.format(Picture())[0]["image/png"] == b"\x89PNG"
        assert shell.run_cell(patch).success
        data, _ = shell.display_formatter.format(Picture())
        assert data == {"text/plain": "<picture>", "image/png": "iVBORw=="}
    finally:
        InteractiveShell.clear_instance()


def test_only_chapters_that_need_scipy_load_it(tmp_path):
    lib = tmp_path / "lib.py"
    lib.write_text(
        "import numpy as np\n\n"
        "def rotate(x):\n    from scipy import ndimage\n    return ndimage.rotate(x, 1)\n\n"
        "def augment(x):\n    return rotate(x)\n\n"
        "def digits():\n    from sklearn.datasets import load_digits\n    return load_digits()\n\n"
        "def plain(x):\n    return x\n")
    needs, top = build_live.cnnlib_optional_users([lib])
    assert needs == {"rotate": {"scipy"}, "augment": {"scipy"}, "digits": {"scikit-learn"}}
    assert top == set()

    def chapter(code: str) -> list[str]:
        path = _chapter(tmp_path, [nbformat.v4.new_code_cell(code)])
        return build_live.chapter_optional(path, needs, top)

    assert chapter("y = plain(x)") == []
    assert chapter("y = augment(x)") == ["scipy"]
    assert chapter("from scipy import signal") == ["scipy"]
    assert chapter("d = digits(); r = rotate(x)") == ["scipy", "scikit-learn"]
    (tmp_path / "top.py").write_text("import scipy.ndimage\n")
    _, top = build_live.cnnlib_optional_users([lib, tmp_path / "top.py"])
    assert top == {"scipy"}


def test_lite_settings_free_the_arrow_keys_and_drop_dead_menu_items():
    settings = build_live.lite_settings()
    shortcuts = settings["@jupyterlab/shortcuts-extension:shortcuts"]["shortcuts"]
    assert {tuple(s["keys"]) for s in shortcuts if s["disabled"]} == {
        ("ArrowLeft",), ("ArrowRight",)}
    menus = {m["id"]: m["items"] for m in
             settings["@jupyterlab/mainmenu-extension:plugin"]["menus"]}
    assert {"command": "application:open-lab", "disabled": True} in menus["jp-mainmenu-view"]
    config = build_live.lite_config()["jupyter-config-data"]
    assert config["contentsStorageDrivers"] == ["memoryStorageDriver"]


# ---------------------------------------------------------------- widget state check


def test_build_refuses_widgets_missing_from_the_stored_state():
    import book_offline

    good = {"metadata": {"widgets": {book_offline.WIDGET_STATE: {"state": {
        "a" * 32: {"state": {"children": ["IPY_MODEL_" + "b" * 32]}}, "b" * 32: {}}}}},
        "cells": [{"cell_type": "code", "outputs": [
            {"output_type": "display_data",
             "data": {book_offline.WIDGET_VIEW: {"model_id": "a" * 32}}}]}]}
    assert book_offline.missing_widget_models(good) == []
    autosaved = json.loads(json.dumps(good))
    autosaved["cells"][0]["outputs"][0]["data"][book_offline.WIDGET_VIEW]["model_id"] = "c" * 32
    assert book_offline.missing_widget_models(autosaved) == [
        f"cell 0 shows widget model {'c' * 32}, which is not in the stored widget state"]
    no_state = json.loads(json.dumps(good))
    del no_state["metadata"]["widgets"]
    assert len(book_offline.missing_widget_models(no_state)) == 1
    broken_child = json.loads(json.dumps(good))
    del broken_child["metadata"]["widgets"][book_offline.WIDGET_STATE]["state"]["b" * 32]
    assert "refers to model " + "b" * 32 in book_offline.missing_widget_models(broken_child)[0]


def test_every_chapter_has_its_widgets_state():
    import book_offline

    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        problems = book_offline.missing_widget_models(json.loads(chapter.read_text()))
        assert not problems, f"{chapter.name}: {problems}"
