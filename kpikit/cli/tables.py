"""Plain-text tables for the terminal, and the days, spans and numbers written in them."""

from __future__ import annotations

from collections.abc import Sequence

from kpikit.i18n.lang import resolve_lang, tr, using_language


def table(rows: list[list[str]], headers: list[str]) -> str:
    """``rows`` under ``headers`` in left-aligned columns two spaces apart."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def day(d: object, lang: str | None = None) -> str:
    """A day in a terminal table: as the language's CLDR locale writes it (dd/mm/yyyy in
    Vietnamese); ISO in English, which sorts and reads the same everywhere (2027-03-31)."""
    from kpikit.i18n.formats import format_day

    return format_day(d, lang)


def span(name: str, start: object, end: object, lang: str | None = None,
         as_of: object = None) -> str:
    """``plan: start to end[, as of day]`` with the days as the reader writes them."""
    a, b = day(start, lang), day(end, lang)
    if as_of is None:
        return tr("{name}: {a} to {b}", name=name, a=a, b=b)
    d = day(as_of, lang)
    return tr("{name}: {a} to {b}, as of {d}", name=name, a=a, b=b, d=d)


def significant(value: float, lang: str | None = None) -> str:
    """Three significant digits written out (``0,0000538``), never ``5.384e-05``."""
    import math

    from kpikit.i18n.lang import nfmt

    if value != value:
        return "–"
    if value == 0 or math.isinf(value):
        return nfmt(value, ".0f", lang)
    decimals = min(12, max(0, 2 - math.floor(math.log10(abs(value)))))
    return nfmt(value, f",.{decimals}f", lang)


def binding(value: object, lang: str | None = None) -> str:
    """The constraint that stopped a channel's budget, in the reader's words (or nothing).

    A row of an allocation holds the optimiser's code (``min``, ``max``, ``zero``,
    ``locked``); a whole allocation names them with the channel (``search max``).
    """
    from kpikit.views.display import binding_text

    if not isinstance(value, str) or not value:
        return ""
    lang = resolve_lang(lang)
    with using_language(lang):
        # English keeps the codes the optimiser and its JSON use
        words = {"min": tr("min"), "max": tr("max"),
                 "zero": tr("zero"), "locked": tr("locked")}
    return words.get(value) or binding_text(value, lang)
