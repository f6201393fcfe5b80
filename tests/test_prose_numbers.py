r"""Every number a chapter's prose states is printed by a cell above it.

The book promises that the figures in its sentences come from its cells. When
the library changes and a chapter is re-executed, the outputs move and nbval
checks them; this test checks that the *prose* moved with them. A figure
edited by hand in a sentence, or left behind after a re-run, fails here.

What counts as "a number in the prose" (see ``prose_numbers``):

- every number in a markdown cell's running text, with the rounding it is
  written at (``matches``): "98.9 %" matches a printed 98.89, 98.9% or, being
  a percentage, 0.9889; "9,408" matches 9408; "121 billion" and "4.09 G"
  match 120,847,089,664 and 4,089,184,256; "2e-3" matches 0.002;
- inside maths, a span that is only a number (``$-1.16$``,
  ``$9.54 \times 10^{-7}$``, ``$\pm 4.6$``);
- arithmetic written on the page, in maths (``$128 \cdot 64 + 64 =
  8{,}256$``, ``$\ln(1 + 2e^{-2}) = 0.2395$``) or in the text ("64 · 2 · 2 =
  256"): it is evaluated, and it fails if it does not add up (at the result's
  rounding). A result the page derives needs no printout; a result with no
  arithmetic before it (``$L = 0.2395$``) is a figure like any other. The
  operands of a derivation and the constants of a formula are not figures.

Not figures, and skipped (``_is_structural``), because a re-run cannot move
them and a hand edit of one is not what this test is for:

- headings, code spans, roles such as ``{ref}`...```, link targets, HTML;
- part of a name: ResNet-50, float32, top-1, Conv2d, B0, 2D;
- sizes written with a times sign, 3×3 or 224 x 224 (shapes the reader sees
  drawn and printed);
- integers up to 10 ("two layers", "3 of the 10"), and 90°, 180°, 270°, 360°;
- a power of ten on its own, $10^{-12}$ or 1e-12: a bound, a tolerance or an
  order of magnitude, not a measured figure (a mantissa, 2e-3, makes it one);
- a reference to a chapter, exercise, figure, section, step, cell, layer,
  block, stage, row, column, seed or relationship ("chapter 6", "exercises
  2 and 3");
- a year after an author or in a citation ("He et al. 2016", "(1998)");
- version numbers ("0.27.7");
- the givens of an exercise (the body of an ``{exercise}`` directive).

Where a number may be found (``chapter_report``):

- the stored outputs of every code cell above the markdown cell, text only,
  after tests/nbval_sanitize.cfg's replacements (so a masked number can never
  vouch for a sentence), excluding cells whose outputs the book hides
  (``remove-output``, ``remove-cell``) or that nbval does not compare
  (``nbval-ignore-output``, ``nbval-skip``);
- the visible source of the code cells above and of the code cell right after
  the prose (the prose before a cell says what it will do: "Adam with learning
  rate 2e-3, 20 epochs"): parameters a reader sees, never a hidden assert;
- a chapter's opening cells (before the first cell that prints a number)
  preview the chapter and may match any of its outputs;
- inside a solution (``solution-start`` ... ``solution-end``), the hand
  working may come before the cell that checks it: any output of the
  solution counts.

A figure that is quoted, not computed (a published accuracy, a count from the
previous chapter), is listed in tests/prose_numbers_allowlist.txt with the
reason. ``python tests/test_prose_numbers.py [chapters...]`` prints every
unmatched number.
"""

from __future__ import annotations

import configparser
import functools
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.ipynb"))
ALLOWLIST = Path(__file__).with_name("prose_numbers_allowlist.txt")
SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")

HIDDEN_OUTPUT_TAGS = {"remove-output", "remove-cell", "nbval-ignore-output", "nbval-skip"}
HIDDEN_SOURCE_TAGS = {"remove-input", "remove-cell", "hide-cell"}


# --------------------------------------------------------------------------
# Numbers and their rounding


@dataclass(frozen=True)
class Number:
    """A number as written: its value and how finely it was rounded."""

    value: float
    tolerance: float  # half a unit in the last written digit
    percent: bool = False  # written as a percentage ("98.9 %", "1.1 points")

    @classmethod
    def parse(cls, mantissa: str, exponent: int = 0, percent: bool = False) -> Number:
        digits = mantissa.replace("{,}", "").replace(",", "").replace("\u2009", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        value = float(digits) * 10.0**exponent
        return cls(abs(value), 0.5 * 10.0 ** (exponent - decimals), percent)


def matches(prose: Number, printed: float) -> bool:
    """Whether ``printed`` rounds to the figure the prose wrote.

    A percentage in the prose matches a printed fraction (98.9 % and 0.989);
    signs are not compared, since prose writes ranges with the same dash as a
    minus.
    """
    printed = abs(printed)
    slack = prose.tolerance * (1 + 1e-9) + 1e-300
    candidates = (printed, printed * 100.0) if prose.percent else (printed,)
    return any(abs(candidate - prose.value) <= slack for candidate in candidates)


# A number may follow a multiplication sign written as "x" ("x12,845,056").
_OUT_NUMBER = re.compile(
    r"(?<![A-Za-wyzÀ-ÿ_\d.])(\d{1,3}(?:,\d{3})+|\d+\.?\d*|\.\d+)(?:[eE]([-+]?\d+))?"
)
_OUT_SCALE = re.compile(r"\s?(thousand|million|billion|trillion|k|M|G|MB|GB)(?![A-Za-z])")


def numbers_in_output(text: str) -> set[float]:
    """Every number in printed text, separators, exponents and scale words understood."""
    found: set[float] = set()
    for m in _OUT_NUMBER.finditer(text):
        mantissa, exponent = m.group(1), m.group(2)
        try:
            value = abs(float(mantissa.replace(",", "")) * 10.0 ** int(exponent or 0))
        except (ValueError, OverflowError):
            continue
        found.add(value)
        scale = _OUT_SCALE.match(text, m.end())
        if scale:  # "12.8 million", "3.7 GB" printed as the prose writes them
            found.add(value * 10.0 ** _SCALES[scale.group(1)])
        if "," in mantissa:  # also the pieces: "1,2" may be a tuple
            found.update(float(piece) for piece in mantissa.split(","))
    return found


# --------------------------------------------------------------------------
# Notebook outputs


def _sanitizers() -> list[tuple[re.Pattern[str], str]]:
    parser = configparser.ConfigParser()
    parser.read(SANITIZE)
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


SANITIZERS = _sanitizers()


def output_text(cell: dict) -> str:
    """The text a reader sees under a code cell, as nbval compares it."""
    parts: list[str] = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            parts.append("".join(out.get("text", "")))
        elif kind == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if any(key.startswith("image/") for key in data):
                continue  # a figure's text/plain is only "<Figure size ...>"
            for mime in ("text/plain", "text/markdown", "text/latex"):
                if mime in data:
                    parts.append("".join(data[mime]))
            if "text/html" in data and "text/plain" not in data:
                parts.append(re.sub(r"<[^>]+>", " ", "".join(data["text/html"])))
    text = "\n".join(parts)
    for pattern, replacement in SANITIZERS:
        text = pattern.sub(replacement, text)
    return text


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


# --------------------------------------------------------------------------
# Numbers in prose


@dataclass(frozen=True)
class ProseNumber:
    written: str
    number: Number
    sentence: str
    problem: str | None = None  # arithmetic on the page that does not add up


_FENCE = re.compile(r"^(\s*)(`{3,}|:{3,})\s*(\{([\w:-]+)\})?\s*(.*)$")
_PROSE_DIRECTIVES = {
    "solution", "solution-start", "solution-end", "note", "tip", "warning",
    "important", "admonition", "margin", "sidebar", "hint", "caution",
    "attention", "seealso", "figure", "epigraph", "dropdown", "card",
}
_SKIP_DIRECTIVES = {"exercise"}  # givens of a problem, not figures


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _mask_structure(source: str) -> str:
    """Blank (keep positions) every part of a markdown cell that is not prose."""
    lines = source.split("\n")
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (fence, keep body as prose)
    for line in lines:
        m = _FENCE.match(line)
        if m and stack and m.group(2)[0] == stack[-1][0][0] and len(m.group(2)) >= len(
            stack[-1][0]
        ) and not m.group(3) and not m.group(5).strip():
            stack.pop()
            out.append(" " * len(line))
            continue
        if m:
            name = m.group(4)
            keep = name in _PROSE_DIRECTIVES if name else False
            keep = keep and all(k for _, k in stack)
            stack.append((m.group(2), keep and name not in _SKIP_DIRECTIVES))
            out.append(" " * len(line))
            continue
        inside_kept = all(k for _, k in stack)
        stripped = line.strip()
        if (
            not inside_kept
            or stripped.startswith("#")
            or re.match(r"^:[\w-]+:", stripped)  # directive option
            or re.match(r"^\([\w-]+\)=$", stripped)  # label
        ):
            out.append(" " * len(line))
        else:
            out.append(line)
    text = "\n".join(out)
    for pattern in (
        r"<!--.*?-->",
        r"\{[\w:-]+\}`[^`]*`",  # roles: {ref}`...`, {cite:p}`...`
        r"``.+?``|`[^`\n]+`",  # code spans
        r"\]\([^)\s]*\)",  # link targets
        r"https?://\S+",
        r"</?[A-Za-z][^>]*>",  # HTML tags
    ):
        for hit in list(re.finditer(pattern, text, flags=re.DOTALL)):
            start = hit.start() + (1 if pattern.startswith(r"\]") else 0)
            text = _blank(text, start, hit.end())
    return text


_MATH = re.compile(
    r"\$\$(.+?)\$\$"  # display maths
    r"|\$((?:[^$\n]|\n(?![ \t]*\n))+?)\$"  # inline maths, within one paragraph
    r"|\\begin\{(\w+\*?)\}(.+?)\\end\{\3\}",
    re.DOTALL,
)
_TEX_NUMBER = (
    r"(?:(\d{1,3}(?:\{,\}\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?:\\times|\\cdot)\s*10\^\{?(-?\d+)\}?)?|10\^\{?(-?\d+)\}?)"
)
_TEX_BARE = re.compile(
    r"^\s*(?:\\approx|\\pm|[-+]|\\sim|\\,|\s)*" + _TEX_NUMBER + r"\s*(?:\\%|\\,|\s)*[.,]?\s*$"
)


def _tex_value(m: re.Match[str]) -> Number:
    percent = "\\%" in m.group(0)
    if m.group(3) is not None:  # a bare power of ten
        return Number.parse("1", int(m.group(3)), percent)
    return Number.parse(m.group(1), int(m.group(2) or 0), percent)


_TEX_TO_PYTHON = [
    (r"\{,\}", ""), (r"\\left|\\right|\\[,;!]|\\quad", " "), (r"\\pm|\\mp", ""),
    (r"\\cdot|\\times", "*"), (r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))"),
    (r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)"), (r"\\sqrt\s*(\d+(?:\.\d+)?)", r"sqrt(\1)"),
    (r"\\ln|\\log", "log"), (r"\\exp", "exp"), (r"\\pi", "pi"),
    (r"\\lfloor", "floor("), (r"\\rfloor", ")"), (r"\\lceil", "ceil("), (r"\\rceil", ")"),
    (r"(\d)\s*e\^", r"\1*exp"), (r"(?<![\w)])e\^", "exp"), (r"\^", "**"),
    (r"[{]", "("), (r"[}]", ")"),
    (r"(\d|\))\s*\(", r"\1*("), (r"\)\s*(\d)", r")*\1"),
]
_MATH_NAMES = {"sqrt": math.sqrt, "log": math.log, "exp": math.exp, "pi": math.pi,
               "floor": math.floor, "ceil": math.ceil}


def tex_value(expr: str) -> float | None:
    """The value of a maths expression made only of numbers, or None."""
    for pattern, replacement in _TEX_TO_PYTHON:
        expr = re.sub(pattern, replacement, expr)
    expr = expr.strip().rstrip(".,;")
    if not re.search(r"\d", expr) or re.search(r"[^\d.+\-*/() ]", re.sub(
            r"\b(sqrt|log|exp|pi|floor|ceil)\b", "", expr)):
        return None
    try:
        return float(eval(expr, {"__builtins__": {}}, _MATH_NAMES))  # noqa: S307
    except (SyntaxError, ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None


def _derivation(pieces: list[str], result: Number, written: str) -> list[tuple[str, Number,
                                                                                str | None]]:
    """Check "expression = result" on the page; a derivation needs no printout.

    The leftmost piece that is pure arithmetic must round to the result; later
    pieces may carry rounded intermediates and are not compared. With no such
    piece ("$L = 0.2395$") the result is a figure like any other.
    """
    for piece in pieces[:-1]:
        value = tex_value(piece)
        if value is None:
            continue
        if matches(result, value):
            return []
        return [(written, result, f"the arithmetic on the page, {piece.strip()}, "
                 f"gives {value:.6g}")]
    return [(written, result, None)]


def _math_numbers(tex: str) -> list[tuple[str, Number, str | None]]:
    """The figures inside one maths span (see the module docstring)."""
    tex = tex.strip()
    bare = _TEX_BARE.match(tex)
    if bare:
        return [] if _power_of_ten(bare.group(0)) else [(tex, _tex_value(bare), None)]
    # A derivation's result: the last right-hand side, if it is a number.
    pieces = re.split(r"=|\\approx", tex)
    if len(pieces) > 1:
        tail = _TEX_BARE.match(pieces[-1].rstrip(" ,.;"))
        if tail and not _power_of_ten(tail.group(0)):
            return _derivation(pieces, _tex_value(tail), pieces[-1].strip())
    return []


def _power_of_ten(written: str) -> bool:
    """An order of magnitude, a bound or a tolerance: 10^{-12}, 1e-12."""
    return bool(re.fullmatch(r"\s*(\\approx|\\sim|[-+]|\s)*(10\^\{?-?\d+\}?|1[eE][-−+]?\d+)"
                             r"[\s.,]*", written))


_PROSE_NUMBER = re.compile(
    r"(?<![\w.\u00b7/])"  # not part of a word, a decimal, or a path
    r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:(?:[eE]|\s?[×x]\s?10\^)([-−+]?\d+))?"
)
_OPERAND = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_TEXT_DERIVATION = re.compile(
    rf"(?<![\w.])({_OPERAND}(?:\s*[·×*/+-]\s*{_OPERAND})+)\s*=\s*({_OPERAND})(?![\w])"
)
_SCALE = re.compile(r"\s?(thousand|million|billion|trillion|k|M|G|MB|GB)(?![A-Za-z])")
_SCALES = {"thousand": 3, "k": 3, "million": 6, "M": 6, "MB": 6,
           "billion": 9, "G": 9, "GB": 9, "trillion": 12}
_REFERENCE = re.compile(
    r"(chapter|chapters|exercise|exercises|figure|figures|fig\.|section|sections|step"
    r"|steps|cell|cells|part|parts|equation|eq\.|item|version|notes?|issue|seed|seeds"
    r"|layer|block|stage|row|column|line|relationship|relationships|rank)"
)
_YEAR_CUE = re.compile(
    r"(et al\.?,?|[A-Z][\w'’-]+,?|\(|\bin|\bsince|\bby|\buntil|\bfrom|and)\s*$"
)


def _is_structural(text: str, start: int, end: int, written: str, scaled: bool) -> bool:
    """Whether the number at text[start:end] is a name, a reference, a size or a year."""
    before = text[max(0, start - 40):start]
    after = text[end:end + 12]
    # Part of a name: ResNet-50, top-5, B0, float32, 2D.
    if re.search(r"[A-Za-z]-$", before) or (
        not scaled and re.match(r"[A-Za-z]", after)
        and not re.match(r"(st|nd|rd|th)\b|[x×]\d", after)
    ):
        return True
    if re.match(r"\.\d", after):
        return True  # a version number, 0.27.7
    # A size: 3×3, 224 x 224, 600×512×3 (the shapes a reader sees drawn).
    if re.match(r"\s?[×x]\s?\d", after) or re.search(r"\d\s?[×x]\s?$", before):
        return True
    # A small count ("two", "3 of the 10"), and the angles of a flip.
    if re.fullmatch(r"(10|\d)", written) and not _PERCENT.match(after):
        return True
    if written in {"90", "180", "270", "360"} and after.startswith("°"):
        return True
    # A reference: "chapter 6", "exercise 3", "layer 2", "Block 1".
    word = re.search(r"(\b[A-Za-z.]+)\s*$", before)
    if word and _REFERENCE.fullmatch(word.group(1).lower()):
        return True
    # ... and the rest of a list of them: "chapters 2 to 4", "relationships 7 and 8".
    listed = re.search(
        r"(\b[A-Za-z.]+)\s+\d+(?:\s*(?:,|to|and|or|–|-)\s*\d+)*\s*(?:,|to|and|or|–|-)\s*$",
        before,
    )
    if listed and _REFERENCE.fullmatch(listed.group(1).lower()):
        return True
    # A year in a citation: "He et al. 2016", "(1998)", "in 2012".
    return bool(re.fullmatch(r"(19[4-9]\d|20[0-3]\d)", written) and _YEAR_CUE.search(before))


def _sentence(source: str, start: int, end: int) -> str:
    left = max(source.rfind(". ", 0, start), source.rfind("\n\n", 0, start))
    right_candidates = [i for i in (source.find(". ", end), source.find("\n\n", end)) if i >= 0]
    right = min(right_candidates) if right_candidates else len(source)
    return " ".join(source[left + 1:right + 1].split())


_PERCENT = re.compile(r"\s?(%|per ?cent|percentage point|point|pp\b)")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def prose_numbers(source: str) -> list[ProseNumber]:
    """The figures a markdown cell states, with the sentence each sits in."""
    source = re.sub(r"10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)",
                    lambda m: "10^" + m.group(1).translate(_SUPERSCRIPTS), source)
    text = _mask_structure(source)
    found: list[ProseNumber] = []
    for m in list(_MATH.finditer(text)):
        tex = m.group(1) or m.group(2) or m.group(4) or ""
        for written, number, problem in _math_numbers(tex):
            found.append(ProseNumber(written, number, _sentence(source, m.start(), m.end()),
                                     problem))
        text = _blank(text, m.start(), m.end())
    text = text.replace("\u2212", "-")
    # Arithmetic written in the text: "64 · 2 · 2 = 256".
    for m in list(_TEXT_DERIVATION.finditer(text)):
        lhs = m.group(1).replace("·", "*").replace("×", "*").replace(",", "")
        result = Number.parse(m.group(2))
        for written, number, problem in _derivation([lhs, m.group(2)], result, m.group(2)):
            found.append(ProseNumber(written, number, _sentence(source, m.start(), m.end()),
                                     problem))
        text = _blank(text, m.start(), m.end())
    for m in _PROSE_NUMBER.finditer(text):
        written = m.group(0)
        scale = _SCALE.match(text, m.end())
        if _is_structural(text, m.start(), m.end(), m.group(1), scale is not None):
            continue
        if _power_of_ten(written):
            continue
        exponent = int(m.group(2).replace("−", "-")) if m.group(2) else 0
        if scale:
            exponent += _SCALES[scale.group(1)]
            written += " " + scale.group(1) if scale.group(0)[0].isspace() else scale.group(1)
        percent = bool(_PERCENT.match(text, m.end()))
        found.append(
            ProseNumber(written, Number.parse(m.group(1), exponent, percent),
                        _sentence(source, m.start(), m.end()))
        )
    return found


# --------------------------------------------------------------------------
# The allow-list


@dataclass(frozen=True)
class Allowed:
    chapter: str
    written: str
    fragment: str
    reason: str
    pending: bool  # a genuine mismatch someone must fix (reported as xfail)
    line: int

    def covers(self, chapter: str, item: ProseNumber) -> bool:
        return (
            self.chapter in (chapter, chapter.split("-", 1)[-1])
            and _normal(item.written) == _normal(self.written)
            and self.fragment.lower() in item.sentence.lower()
        )


def _normal(written: str) -> str:
    return re.sub(r"[\s{}]", "", written).replace("−", "-")


def read_allowlist(path: Path = ALLOWLIST) -> list[Allowed]:
    entries: list[Allowed] = []
    if not path.exists():
        return entries
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|")]
        if len(fields) != 4 or not all(fields):
            raise ValueError(
                f"{path.name}:{number}: expected 'chapter | number | sentence fragment | "
                f"reason', got {raw!r}"
            )
        chapter, written, fragment, reason = fields
        pending = reason.upper().startswith("PENDING")
        entries.append(Allowed(chapter, written, fragment, reason, pending, number))
    return entries


# --------------------------------------------------------------------------
# Checking a chapter


@dataclass
class Unmatched:
    chapter: str
    cell: int
    item: ProseNumber
    allowed: Allowed | None = None

    def __str__(self) -> str:
        what = self.item.problem or "is printed by no cell above it"
        return (
            f"{self.chapter} cell {self.cell}: {self.item.written!r} {what}"
            f"\n    in: {self.item.sentence}"
        )


@dataclass
class Report:
    unmatched: list[Unmatched] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # allow-list lines that matched

    @property
    def failures(self) -> list[Unmatched]:
        return [u for u in self.unmatched if u.allowed is None]

    @property
    def pending(self) -> list[Unmatched]:
        return [u for u in self.unmatched if u.allowed is not None and u.allowed.pending]


def _solution_ranges(cells: list[dict]) -> dict[int, tuple[int, int]]:
    """For each cell inside solution-start ... solution-end, that range."""
    ranges: dict[int, tuple[int, int]] = {}
    start = None
    for i, cell in enumerate(cells):
        src = "".join(cell.get("source", ""))
        if cell["cell_type"] != "markdown":
            continue
        if "{solution-start}" in src:
            start = i
        if "{solution-end}" in src and start is not None:
            for j in range(start, i + 1):
                ranges[j] = (start, i)
            start = None
    return ranges


def chapter_report(path: Path, allowlist: list[Allowed] | None = None) -> Report:
    nb = json.loads(Path(path).read_text())
    cells = nb["cells"]
    chapter = Path(path).stem
    allowlist = read_allowlist() if allowlist is None else allowlist

    outputs: list[set[float]] = []
    sources: list[set[float]] = []
    for cell in cells:
        tags = _tags(cell)
        if cell["cell_type"] != "code":
            outputs.append(set())
            sources.append(set())
            continue
        outputs.append(set() if tags & HIDDEN_OUTPUT_TAGS else numbers_in_output(output_text(cell)))
        src = "".join(cell.get("source", ""))
        sources.append(set() if tags & HIDDEN_SOURCE_TAGS else numbers_in_output(src))

    first_code = next((i for i, out in enumerate(outputs) if out), len(cells))
    everything = set().union(*outputs, *sources)
    solutions = _solution_ranges(cells)
    report = Report()
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        if i < first_code:
            pool = everything
        else:
            pool = set().union(*outputs[:i], *sources[:i])
            following = next((j for j in range(i + 1, len(cells))
                              if cells[j]["cell_type"] == "code"), None)
            if following is not None:
                pool |= sources[following]
            if i in solutions:
                lo, hi = solutions[i]
                pool |= set().union(*outputs[lo:hi + 1], *sources[lo:hi + 1])
        for item in prose_numbers("".join(cell["source"])):
            if item.problem is None and any(matches(item.number, printed) for printed in pool):
                continue
            allowed = next((a for a in allowlist if a.covers(chapter, item)), None)
            if allowed is not None:
                report.used.add(allowed.line)
            report.unmatched.append(Unmatched(chapter, i, item, allowed))
    return report


@functools.cache
def _cached_report(path: str, mtime: float) -> Report:
    return chapter_report(Path(path))


def report_for(path: Path) -> Report:
    """The chapter's report against the allow-list, computed once per test session."""
    return _cached_report(str(path), path.stat().st_mtime)


# --------------------------------------------------------------------------
# The tests


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_prose_numbers_are_printed_above(path: Path) -> None:
    failures = report_for(path).failures
    assert not failures, (
        f"{len(failures)} number(s) in the prose of {path.name} are printed by no cell above "
        "them. Re-read the sentence against the output; if the figure is quoted from a "
        "source, cite it and add it to tests/prose_numbers_allowlist.txt.\n"
        + "\n".join(str(f) for f in failures)
    )


def _pending() -> list[Allowed]:
    return [a for a in read_allowlist() if a.pending]


@pytest.mark.parametrize(
    "entry",
    [pytest.param(a, marks=pytest.mark.xfail(reason=f"{a.chapter}: {a.reason}", strict=True))
     for a in _pending()],
    ids=[f"{a.chapter}:{a.written}" for a in _pending()],
)
def test_pending_mismatch_is_still_there(entry: Allowed) -> None:
    """A known mismatch someone must fix: xfail while it lasts, XPASS (fail) once fixed."""
    path = next(p for p in CHAPTERS if entry.chapter in (p.stem, p.stem.split("-", 1)[-1]))
    still = [u for u in report_for(path).pending if u.allowed == entry]
    assert not still, "\n".join(str(u) for u in still)


def test_allowlist_entries_are_all_used() -> None:
    """A stale entry (the sentence changed or the figure is now printed) must go."""
    entries = read_allowlist()
    used: set[int] = set()
    for path in CHAPTERS:
        used |= report_for(path).used
    stale = [a for a in entries if a.line not in used and not a.pending]
    assert not stale, "stale entries in tests/prose_numbers_allowlist.txt:\n" + "\n".join(
        f"  line {a.line}: {a.chapter} | {a.written} | {a.fragment}" for a in stale
    )


# -- the checker itself, on small synthetic notebooks -----------------------


def _notebook(tmp_path: Path, cells: list[tuple[str, str, str]], name="99-test.ipynb") -> Path:
    """cells: (kind, source, printed output) triples."""
    nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for kind, source, printed in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": source}
        if kind == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": printed}]
            cell["execution_count"] = 1
        nb["cells"].append(cell)
    path = tmp_path / name
    path.write_text(json.dumps(nb))
    return path


SYNTHETIC = [
    ("markdown", "# Chapter 3 title\n\nWe train for a while.", ""),
    ("code", "history = fit(model, epochs=20)\nprint(summary)",
     "test accuracy: 0.98889\nparameters: 9408\nresidual below 1e-12\n"),
    ("markdown",
     "The network reaches 98.9 % on the test set after 20 epochs, with 9,408 "
     "parameters in `conv1` (see {ref}`ch-ex-2`); the residual is below $10^{-12}$. "
     "ResNet-50 and float32 are names, and He et al. 2016 is a citation.", ""),
]


def test_synthetic_chapter_passes(tmp_path: Path) -> None:
    report = chapter_report(_notebook(tmp_path, SYNTHETIC), allowlist=[])
    assert report.unmatched == [], [str(u) for u in report.unmatched]


@pytest.mark.parametrize(
    ("old", "new", "flagged"),
    [("98.9 %", "98.7 %", "98.7"), ("9,408", "9,472", "9,472"),
     ("after 20 epochs", "after 30 epochs", "30")],
)
def test_a_hand_edited_prose_figure_fails(tmp_path: Path, old: str, new: str,
                                          flagged: str) -> None:
    cells = [list(c) for c in SYNTHETIC]
    cells[2][1] = cells[2][1].replace(old, new)
    report = chapter_report(_notebook(tmp_path, [tuple(c) for c in cells]), allowlist=[])
    assert [u.item.written for u in report.failures] == [flagged]
    message = str(report.failures[0])
    assert message.startswith("99-test cell 2: ") and new in message


def test_a_changed_output_fails(tmp_path: Path) -> None:
    cells = [list(c) for c in SYNTHETIC]
    cells[1][2] = cells[1][2].replace("0.98889", "0.98611")  # the re-run moved the figure
    report = chapter_report(_notebook(tmp_path, [tuple(c) for c in cells]), allowlist=[])
    assert [u.item.written for u in report.failures] == ["98.9"]


def test_a_number_printed_only_below_fails(tmp_path: Path) -> None:
    cells = [SYNTHETIC[0], ("code", "print(1)", "1\n"), SYNTHETIC[2], SYNTHETIC[1]]
    report = chapter_report(_notebook(tmp_path, cells), allowlist=[])
    assert {u.item.written for u in report.failures} == {"98.9", "9,408"}


def test_a_masked_number_cannot_vouch(tmp_path: Path) -> None:
    cells = [SYNTHETIC[0], ("code", "print(f)", "<function f at 0x7f12>\n"),
             ("markdown", "The address ends in 12.", "")]
    report = chapter_report(_notebook(tmp_path, cells), allowlist=[])
    assert [u.item.written for u in report.failures] == ["12"]


def test_rounding_rules() -> None:
    assert matches(Number.parse("98.9", percent=True), 0.98888)
    assert not matches(Number.parse("98.9"), 0.98888)  # "98.9" alone is not a percentage
    assert matches(Number.parse("98.9"), 98.89)
    assert matches(Number.parse("99"), 98.9)
    assert not matches(Number.parse("98.9", percent=True), 0.9884)
    assert matches(Number.parse("9,408"), 9408)
    assert matches(Number.parse("1", -12), 1e-12)
    assert not matches(Number.parse("1", -12), 2e-12)
    assert not matches(Number.parse("0.530"), 0.5304 + 0.001)


def test_what_counts_as_a_figure() -> None:
    got = [p.written for p in prose_numbers(
        "## 2. Heading 7\n\nIn chapter 6 (exercise 3) ResNet-50 reached 76.1 % "
        "(He et al. 2016); see `x[3]` and [fig](img/9.png), chapters 12 to 14.\n\n"
        "```{exercise}\n:label: a-ex-1\nUse a 5×5 kernel.\n```\n\n"
        "Derivation: $(3 \\cdot 3 + 1) \\cdot 64 = 640$, a bare $-1.16$, a formula $2k+1$, "
        "and pytorch 2.3.1. It prints 1e-12 and 0.5.\n"
    )]
    assert got == ["-1.16", "76.1", "0.5"], got


def test_arithmetic_on_the_page_is_checked() -> None:
    (wrong,) = prose_numbers("So $128 \\cdot 64 + 64 = 8{,}265$ of them.")
    assert wrong.problem is not None and "8256" in wrong.problem
    assert prose_numbers("So $128 \\cdot 64 + 64 = 8{,}256$ and 64 · 2 · 2 = 256.") == []
    (plain,) = prose_numbers("and 64 · 2 · 2 = 265 features")
    assert plain.problem is not None
    # No arithmetic to check: the result must be printed like any figure.
    (figure,) = prose_numbers("the loss is $L = 0.2395$")
    assert figure.problem is None and figure.written == "0.2395"
    assert tex_value(r"\ln(1 + 2e^{-2})") == pytest.approx(math.log(1 + 2 * math.exp(-2)))
    assert tex_value(r"\lfloor (28 + 4 - 5)/2 \rfloor + 1") == 14
    assert tex_value(r"\pm 3/\sqrt{5}") == pytest.approx(3 / math.sqrt(5))
    assert tex_value(r"(\varepsilon - 0)/2\varepsilon") is None


def test_allowlist_format(tmp_path: Path) -> None:
    good = tmp_path / "a.txt"
    good.write_text(
        "# comment\narchitectures | 76.1 | ResNet-50 | quoted from torchvision's docs\n"
    )
    (entry,) = read_allowlist(good)
    item = ProseNumber("76.1", Number.parse("76.1"), "ResNet-50 reaches 76.1 % top-1.")
    assert entry.covers("12-architectures", item)
    assert not entry.covers("13-transfer-learning", item)
    bad = tmp_path / "b.txt"
    bad.write_text("architectures | 76.1 | no reason\n")
    with pytest.raises(ValueError, match="b.txt:1"):
        read_allowlist(bad)


def main(args: list[str]) -> int:
    paths = [Path(a) for a in args] or CHAPTERS
    entries = read_allowlist()
    total = 0
    for path in paths:
        report = chapter_report(path, entries)
        for u in report.unmatched:
            tag = "" if u.allowed is None else (
                "  [pending]" if u.allowed.pending else "  [allowed]")
            print(str(u) + tag)
        total += len(report.failures)
    print(f"{total} unmatched")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
