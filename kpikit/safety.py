"""Make text from data safe in the files people open.

One place for the rules every writer follows:

- HTML: data-derived text is escaped (:func:`html_text`), so a campaign called
  ``<img src=x onerror=alert(1)>`` shows as those characters and runs nothing.
- Plotly: titles, axis and tick labels, legend entries, hover text and annotations
  understand a subset of HTML; :func:`plot_text` escapes ``&``, ``<`` and ``>`` so that
  ``<b>`` from the data shows literally (plotly turns the entities back into characters).
- Spreadsheets: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return is a formula to Excel and LibreOffice (CSV injection, OWASP). CSV text cells get a
  leading single quote (:func:`neutral_text`, :func:`neutral_frame`); XLSX text is written
  as string cells, never formulas (:func:`write_xlsx`). Numbers are never touched: a
  negative number stays a number.

Importing this module loads nothing heavy (pandas and openpyxl load on first use).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

__all__ = ["FORMULA_START", "html_text", "neutral_frame", "neutral_row", "neutral_text",
           "plot_text", "plotly_embed", "write_xlsx"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 (and so an .xlsx file) cannot hold; openpyxl refuses them with an
# exception, so they are replaced rather than crash the writer.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def html_text(value: Any) -> str:
    """``value`` as text that HTML shows literally (``&``, ``<``, ``>``, quotes escaped)."""
    return html.escape(str(value), quote=True)


def plot_text(value: Any) -> str:
    """``value`` as text that a plotly label shows literally.

    Plotly renders ``<b>``, ``<br>``, ``<a href>`` and a few more tags in titles, axis and
    tick labels, legend entries, hover text and annotations, and decodes ``&lt;``, ``&gt;``
    and ``&amp;`` back into characters: escaping those three keeps the text as written.
    """
    return html.escape(str(value), quote=False)


def _is_formula(text: str) -> bool:
    # leading spaces do not protect a cell: some spreadsheets trim them before parsing
    return text.startswith(FORMULA_START) or text.lstrip(" ").startswith(FORMULA_START)


def neutral_text(value: Any) -> Any:
    """A text cell that a spreadsheet cannot run: ``'=HYPERLINK(...)``.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
    single quote (OWASP's advice for CSV); any other value, numbers included, is returned
    as it is.
    """
    if isinstance(value, str) and value and _is_formula(value):
        return "'" + value
    return value


def restore_text(text: str) -> str:
    """The inverse of :func:`neutral_text` for text kpikit reads back (its own CSVs)."""
    if text.startswith("'") and _is_formula(text[1:]):
        return text[1:]
    return text


def neutral_row(values: Iterable[Any]) -> list[Any]:
    """:func:`neutral_text` applied to each cell of a row (for :mod:`csv` writers)."""
    return [neutral_text(v) for v in values]


def neutral_frame(df: Any) -> Any:
    """A copy of ``df`` whose text cells and column names cannot run in a spreadsheet.

    Only text is changed (numeric, boolean and date columns are left exactly as they are),
    so a real negative number stays a number.
    """
    import pandas as pd

    out = df.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if any(isinstance(c, str) and _is_formula(c) for c in cats):
                fixed = [neutral_text(c) for c in cats]
                out.isetitem(i, s.cat.rename_categories(fixed))
            continue
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            if any(isinstance(v, str) and v and _is_formula(v) for v in s.array):
                out.isetitem(i, s.map(neutral_text, na_action="ignore"))
    if any(isinstance(c, str) and _is_formula(c) for c in out.columns):
        out.columns = [neutral_text(c) for c in out.columns]
    return out


def _xlsx_value(value: Any) -> Any:
    """A cell value openpyxl writes as data: numbers, dates, booleans, text or empty."""
    import pandas as pd

    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None) if value.tzinfo else value
        return value.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, (date, bool, int, str)):
        return _XML_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value
    if hasattr(value, "item") and not isinstance(value, (bytes, bytearray)):
        try:
            value = value.item()  # numpy scalars
        except (TypeError, ValueError):
            return _XML_ILLEGAL.sub("\ufffd", str(value))
        return _xlsx_value(value) if not isinstance(value, float) else (
            None if math.isnan(value) or math.isinf(value) else value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    return _XML_ILLEGAL.sub("\ufffd", str(value))


def write_xlsx(df: Any, path: str | Path, sheet: str = "kpikit") -> Path:
    """Write ``df`` (no index) to ``path`` as an .xlsx whose text cells are never formulas.

    openpyxl takes any text starting with ``=`` for a formula; here every text cell is
    marked as a string cell, so ``=HYPERLINK(...)`` is stored and shown as that text, and
    numbers and dates stay numbers and dates.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)

    def cell(value: Any) -> WriteOnlyCell:
        v = _xlsx_value(value)
        c = WriteOnlyCell(ws, value=v)
        if isinstance(v, str):
            c.data_type = "s"  # openpyxl made it "f" when it started with "="
        elif isinstance(v, datetime):
            c.number_format = "yyyy-mm-dd" if v.time() == datetime.min.time() \
                else "yyyy-mm-dd hh:mm:ss"
        elif isinstance(v, date):
            c.number_format = "yyyy-mm-dd"
        return c

    ws.append([cell(str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        ws.append([cell(v) for v in row])
    wb.save(str(path))
    return Path(path)


def plotly_embed(div_id: str, figure_json: str, height: str = "525px") -> str:
    """A div and the script that draws a plotly figure into it, with no data text in HTML.

    ``figure_json`` is the figure's JSON (``data``, ``layout``, ``config``). It travels
    base64-encoded, so a name such as ``</script><script>alert(1)</script>`` can neither end
    the script early nor be read as markup; plotly draws the labels as text. Needs plotly.js
    loaded first (inlined in reports, ``plotly.min.js`` beside chart files).
    """
    import base64

    b64 = base64.b64encode(figure_json.encode("utf-8")).decode("ascii")
    key = html.escape(div_id, quote=True)
    return (f'<div id="{key}" class="plotly-graph-div" style="height:{html.escape(height)}; '
            'width:100%;"></div><script type="text/javascript">(function () {'
            f'var b = atob("{b64}"), u = new Uint8Array(b.length);'
            "for (var i = 0; i < b.length; i++) { u[i] = b.charCodeAt(i); }"
            "var f = JSON.parse(new TextDecoder().decode(u));"
            f'if (window.Plotly) {{ Plotly.newPlot("{key}", f.data, f.layout, f.config); }}'
            "})();</script>")
