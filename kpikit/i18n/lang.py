"""The language kpikit speaks: English, and every language that has a message catalog.

Messages are written in the code as English message ids, ``tr("{file}: no such file.",
file=name)``; their translations live in gettext catalogs, ``kpikit/i18n/locale/<lang>.po``
(see :mod:`kpikit.i18n.messages`), so a language is one file. The current language is a
:func:`using_language` block, else the session's :func:`set_language` (the notebooks call
it with their ``lang`` parameter, the command line with ``--lang``), else the
``KPIKIT_LANG`` environment variable, else English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from kpikit.i18n import current as _current
from kpikit.i18n import messages as _messages
from kpikit.i18n.current import LANGS, N_, language, ntr, tr

__all__ = ["LANGS", "LOCALES", "N_", "language", "nfmt", "ntr", "resolve_lang",
           "set_language", "tr", "translate", "using_language"]


class _Locales(Mapping[str, str]):
    """The CLDR locale of each language (``vi`` -> ``vi_VN``), from its catalog's
    ``Language:`` header; acts as a dict."""

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGS:
            raise KeyError(lang)
        return _read(_messages.locale_of, lang)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)

    def __repr__(self) -> str:
        return repr(dict(self))


#: The CLDR locale behind each language's numbers, money and dates.
LOCALES: dict[str, str] = _Locales()  # type: ignore[assignment]


def _read(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` of :mod:`kpikit.i18n.messages`, a broken catalog worded as a DataError."""
    try:
        return fn(*args)
    except _messages.CatalogError as e:
        raise _catalog_error(e) from None


def _catalog_error(e: _messages.CatalogError) -> Exception:
    from kpikit.errors import DataError, Problem, ProblemCode

    detail = e.detail
    if e.reason == "read":
        what = tr("cannot be read ({detail})", detail=detail)
    elif e.reason == "not_file":
        what = tr("is not a regular file")
    elif e.reason == "too_large":
        what = tr("is too large to be a catalog")
    elif e.reason == "encoding":
        what = tr("the catalog is not UTF-8 text")
    else:
        syntax = {
            "quote": tr("expected a quoted string"),
            "escape": tr("unknown escape sequence"),
            "inner_quote": tr("unescaped \" inside a string"),
            "no_msgstr": tr("msgid without msgstr"),
            "no_msgid": tr("msgstr without msgid"),
            "duplicate": tr("duplicate msgid {detail!r}", detail=detail),
            "orphan": tr("a string continues no keyword"),
            "keyword": tr("unknown keyword {detail!r}", detail=detail),
            "twice": tr("{detail} given twice in one entry", detail=detail),
        }.get(e.reason, e.reason)
        what = tr("not valid .po syntax: {syntax}", syntax=syntax)
    return DataError(Problem(
        what,
        tr("correct that line (msgid and msgstr each take one quoted string, continued on lines "
           "that hold only a quoted string; save as UTF-8), check it with `msgfmt --check`, or "
           "remove the file"),
        file=e.path.name if e.path else None, row=e.line, code=ProblemCode.CATALOG_SYNTAX),
        source=e.path.name if e.path else None)


def _checked(lang: str) -> str:
    if lang not in LANGS:
        from kpikit.errors import ParameterError, ProblemCode

        choices = ", ".join(LANGS)
        raise ParameterError(tr("lang={lang!r}: unsupported language. Choose from: {choices}.",
                                lang=lang, choices=choices),
                             code=ProblemCode.PARAMETER_CHOICE)
    if lang != "en":
        _read(_messages.catalog, lang)  # a broken catalog is reported when it is chosen
    return lang


def resolve_lang(lang: str | None) -> str:
    """``lang`` checked, or the current :func:`language` when it is ``None``.

    Every public function that takes ``lang`` defaults it to ``None`` and calls this,
    so :func:`set_language`, :func:`using_language` and KPIKIT_LANG reach all output.
    """
    return language() if lang is None else _checked(lang)


def set_language(lang: str | None) -> None:
    """Speak ``lang`` (one of :data:`LANGS`) from now on; ``None`` goes back to KPIKIT_LANG."""
    _current.set_session(None if lang is None else _checked(lang))


@contextmanager
def using_language(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the block only."""
    token = _current.BLOCK.set(_checked(lang))
    try:
        yield
    finally:
        _current.BLOCK.reset(token)


@lru_cache(maxsize=32)
def _symbols(lang: str) -> tuple[str, str]:
    """The decimal and grouping signs of ``lang``'s locale, from CLDR."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = LOCALES[lang]
    return get_decimal_symbol(locale), get_group_symbol(locale)


def nfmt(value: float, spec: str = ",.0f", lang: str | None = None) -> str:
    """``value`` formatted by ``spec`` with the separators of ``lang`` (default: current).

    English ``1,234,567.5``; Vietnamese ``1.234.567,5`` (also for ``%`` and ``g``); any
    other language with the decimal and grouping signs of its CLDR locale.
    """
    text = format(value, spec)
    lang = lang or language()
    if lang != "en":
        decimal, group = (",", ".") if lang == "vi" else _symbols(lang)
        text = "".join(decimal if c == "." else group if c == "," else c for c in text)
    return text


def translate(msgid: str, lang: str | None = None, *, context: str | None = None) -> str:
    """``msgid`` (an English text marked with :func:`N_`) in ``lang`` (default: current);
    English when the language's catalog has no translation of it."""
    lang = language() if lang is None else _checked(lang)
    return _read(_messages.lookup, lang, msgid, context) or msgid
