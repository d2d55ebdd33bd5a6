"""The language kpikit speaks: English, and every language that has a message catalog.

Messages are written in the code as English message ids, ``tr("{file}: no such file.",
file=name)``; their translations live in gettext catalogs, ``kpikit/i18n/locale/<lang>.po``
(see :mod:`kpikit.i18n.messages`), so a language is one file. The current language is a
:func:`using_language` block, else the session's :func:`set_language` (the notebooks call
it with their ``lang`` parameter, the command line with ``--lang``), else the
``KPIKIT_LANG`` environment variable, else English.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, SupportsIndex, overload

from kpikit.i18n import messages as _messages


class _Languages(tuple):
    """The languages kpikit speaks, read from the catalogs found each time it is asked
    (a catalog dropped into ``KPIKIT_LOCALE_DIR`` counts at once). A tuple, so code that
    checks ``isinstance(x, tuple)`` or serialises it keeps working (C-level readers such as
    ``json`` see the languages found at import)."""

    def _now(self) -> tuple[str, ...]:
        return _messages.languages()

    @overload
    def __getitem__(self, i: SupportsIndex) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[str, ...]: ...
    def __getitem__(self, i):  # type: ignore[override]
        return self._now()[i]

    def __len__(self) -> int:
        return len(self._now())

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __contains__(self, lang: object) -> bool:
        return isinstance(lang, str) and _messages.speaks(lang)

    def __eq__(self, other: object) -> bool:
        return self._now() == (tuple(other) if isinstance(other, (tuple, list)) else other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._now())

    def __add__(self, other: tuple[str, ...]) -> tuple[str, ...]:  # type: ignore[override]
        return self._now() + tuple(other)

    def index(self, value: str, *args: SupportsIndex) -> int:  # type: ignore[override]
        return self._now().index(value, *args)

    def count(self, value: str) -> int:  # type: ignore[override]
        return self._now().count(value)

    def __repr__(self) -> str:
        return repr(self._now())

    def __reduce__(self):  # pickled (batch, Dask) as the plain tuple of today's languages
        return (tuple, (self._now(),))


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


#: The one list of languages kpikit speaks ("en" plus one per catalog); read it from here.
LANGS: tuple[str, ...] = _Languages(_messages.languages())
#: The CLDR locale behind each language's numbers, money and dates.
LOCALES: dict[str, str] = _Locales()  # type: ignore[assignment]

_session: str | None = None
_block: ContextVar[str | None] = ContextVar("kpikit_language", default=None)


def language() -> str:
    """The current language: a :func:`using_language` block, the session, KPIKIT_LANG, en."""
    lang = _block.get() or _session or os.environ.get("KPIKIT_LANG", "en")
    return lang if lang in LANGS else "en"


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
    global _session
    _session = None if lang is None else _checked(lang)


@contextmanager
def using_language(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the block only."""
    token = _block.set(_checked(lang))
    try:
        yield
    finally:
        _block.reset(token)


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


def N_(msgid: str) -> str:  # noqa: N802 (the gettext name every extractor knows)
    """Mark ``msgid`` for extraction into the catalogs without translating it (texts made at
    import time, such as the catalog's labels); :func:`translate` it when it is shown."""
    return msgid


def translate(msgid: str, lang: str | None = None, *, context: str | None = None) -> str:
    """``msgid`` (an English text marked with :func:`N_`) in ``lang`` (default: current);
    English when the language's catalog has no translation of it."""
    lang = language() if lang is None else _checked(lang)
    return _read(_messages.lookup, lang, msgid, context) or msgid


def ntr(singular: str, plural: str, n: int, /, *, context: str | None = None,
        **values: Any) -> str:
    """A message whose words depend on a count: ``ntr("{n} problem found", "{n} problems
    found", n)``. The catalog holds each language's forms (one in Vietnamese, two in
    English and French, three in Russian) with its ``Plural-Forms`` rule; ``n`` fills
    ``{n}`` unless ``values`` name it otherwise. ``context`` as in :func:`tr`."""
    values.setdefault("n", n)
    lang = language()
    text = (_read(_messages.lookup_plural, lang, singular, n, context) if lang != "en"
            else None)
    if text is not None:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError, AttributeError):
            pass  # as in tr: the English rather than a traceback
    return (singular if n == 1 else plural).format(**values)


def tr(msgid: str, vi: str | None = None, /, *, context: str | None = None,
       **values: Any) -> str:
    """The message ``msgid`` in the current language, its ``{placeholders}`` filled from
    ``values``: ``tr("{file}: no such file.", file=name)``.

    The English text is the message id; the translation comes from the language's catalog
    (English when there is none). ``context`` (gettext's ``msgctxt``, a literal) tells apart
    one English word that other languages say in two ways: ``tr("missing", context="batch
    status")`` has its own catalog entry. During the move to catalogs the older form
    ``tr(english, vietnamese)`` (two finished texts) still works: it gives ``vietnamese``
    in Vietnamese and ``english`` otherwise.
    """
    lang = language()
    if vi is not None:  # the old pair form: both texts already filled in
        return vi if lang == "vi" else msgid
    text = _read(_messages.lookup, lang, msgid, context) if lang != "en" else None
    if text is not None:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError, AttributeError):
            # a catalog whose placeholders do not match the code: the English message
            # rather than a traceback in the middle of another error
            pass
    return msgid.format(**values)
