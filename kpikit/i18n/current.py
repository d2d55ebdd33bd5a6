"""The current language and the messages said in it: the part of the language channel
that :mod:`kpikit.errors` needs, so that errors and the language's checks (in
:mod:`kpikit.i18n.lang`, which raises kpikit's errors) never import each other.

Code imports these names from :mod:`kpikit.i18n.lang`, where they are re-exported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar
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


#: The one list of languages kpikit speaks ("en" plus one per catalog); read it from here.
LANGS: tuple[str, ...] = _Languages(_messages.languages())

_session: str | None = None
#: the language of the innermost :func:`kpikit.i18n.lang.using_language` block
BLOCK: ContextVar[str | None] = ContextVar("kpikit_language", default=None)


def set_session(lang: str | None) -> None:
    """Make ``lang`` (already checked) the session's language; ``None``: KPIKIT_LANG."""
    global _session
    _session = lang


def language() -> str:
    """The current language: a ``using_language`` block, the session, KPIKIT_LANG, en."""
    lang = BLOCK.get() or _session or os.environ.get("KPIKIT_LANG", "en")
    return lang if lang in LANGS else "en"


def _lookup(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` of :mod:`kpikit.i18n.messages`; None for a catalog broken since it was
    chosen (set_language reports a broken catalog; a message in the middle of another error
    falls back to English rather than raise)."""
    try:
        return fn(*args)
    except _messages.CatalogError:
        return None


def N_(msgid: str) -> str:  # noqa: N802 (the gettext name every extractor knows)
    """Mark ``msgid`` for extraction into the catalogs without translating it (texts made at
    import time, such as the catalog's labels); :func:`translate` it when it is shown."""
    return msgid


def ntr(singular: str, plural: str, n: int, /, *, context: str | None = None,
        **values: Any) -> str:
    """A message whose words depend on a count: ``ntr("{n} problem found", "{n} problems
    found", n)``. The catalog holds each language's forms (one in Vietnamese, two in
    English and French, three in Russian) with its ``Plural-Forms`` rule; ``n`` fills
    ``{n}`` unless ``values`` name it otherwise. ``context`` as in :func:`tr`."""
    values.setdefault("n", n)
    lang = language()
    text = (_lookup(_messages.lookup_plural, lang, singular, n, context) if lang != "en"
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
    text = _lookup(_messages.lookup, lang, msgid, context) if lang != "en" else None
    if text is not None:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError, AttributeError):
            # a catalog whose placeholders do not match the code: the English message
            # rather than a traceback in the middle of another error
            pass
    return msgid.format(**values)
