"""The language kpikit speaks in its messages: English or Vietnamese.

Errors and warnings are written in the language that is current when they are
raised: :func:`set_language` for a session (the notebooks call it with their ``lang``
parameter, the command line with ``--lang``), :func:`using_language` for a block, and
the ``KPIKIT_LANG`` environment variable (``en`` or ``vi``) when neither was used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: The one list of languages kpikit speaks; every other module reads it from here.
LANGS: tuple[str, ...] = ("en", "vi")
#: The CLDR locale behind each language's numbers, money and dates.
LOCALES: dict[str, str] = {"en": "en", "vi": "vi_VN"}

_session: str | None = None
_block: ContextVar[str | None] = ContextVar("kpikit_language", default=None)


def language() -> str:
    """The current language: a :func:`using_language` block, the session, KPIKIT_LANG, en."""
    lang = _block.get() or _session or os.environ.get("KPIKIT_LANG", "en")
    return lang if lang in LANGS else "en"


def _checked(lang: str) -> str:
    if lang not in LANGS:
        from .errors import ParameterError, ProblemCode

        choices = ", ".join(LANGS)
        raise ParameterError(tr(f"lang={lang!r}: unsupported language. Choose from: {choices}.",
                                f"lang={lang!r}: ngôn ngữ không được hỗ trợ. Chọn: {choices}."),
                             code=ProblemCode.PARAMETER_CHOICE)
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


def nfmt(value: float, spec: str = ",.0f", lang: str | None = None) -> str:
    """``value`` formatted by ``spec`` with the separators of ``lang`` (default: current).

    English ``1,234,567.5``; Vietnamese ``1.234.567,5`` (also for ``%`` and ``g``).
    """
    text = format(value, spec)
    if (lang or language()) == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def tr(en: str, vi: str) -> str:
    """The message in the current language: ``vi`` in Vietnamese, else ``en``."""
    return vi if language() == "vi" else en
