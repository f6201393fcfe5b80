"""The reference list labels each work the way the text cites it.

The chapters cite author-year, "[He et al., 2016a]" (``bibtex_reference_style:
author_year``), but pybtex's default list style labels entries alpha-style,
"[HZRS16a]", so a reader could not find a citation in the list by its label.
This Sphinx extension registers a pybtex formatting style, ``authoryear``
(``bibtex_default_style`` in _config.yml), whose labels are the in-text
citation: the surname of a single author, "A and B" for two, "A et al." for
more, then the year. Entries sort by author, year and title, as in pybtex's
``alpha`` and ``plain`` styles. Two works with the same label are told apart
by their year fields in references.bib ("2016a", "2016b"), so that the text
and the list both carry the letter.
"""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def _surnames(person) -> str:
    text = " ".join(person.prelast_names + person.last_names)
    return str(Text.from_latex(text)) if hasattr(Text, "from_latex") else text


def author_year_label(entry) -> str:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surnames(p) for p in people]
    if not names:
        who = entry.fields.get("organization", entry.key)
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year_label(entry)


class AuthorYearStyle(UnsrtStyle):
    default_sorting_style = "author_year_title"
    default_label_style = AuthorYearLabelStyle


def setup(app) -> dict:
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle, force=True)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
