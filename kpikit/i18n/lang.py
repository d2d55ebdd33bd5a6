"""The language kpikit speaks: English, and every language that has a message catalog.

Messages are written in the code as English message ids, ``tr("{file}: no such file.",
file=name)``; their translations live in gettext catalogs, ``kpikit/i18n/locale/<lang>.po``
(see :mod:`kpikit.i18n.messages`), so a language is one file. The current language is a
:func:`using_language` block, else the session's :func:`set_language` (the notebooks call
it with their ``lang`` parameter, the command line with ``--lang``), else the
``KPIKIT_LANG`` environment variable, else English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kpikit.i18n import current as _current
from kpikit.i18n import messages as _messages
from kpikit.i18n.current import LANGS, LOCALES, N_, language, nfmt, ntr, tr

__all__ = ["LANGS", "LOCALES", "N_", "language", "nfmt", "ntr", "resolve_lang", "set_language",
           "tr", "translate", "using_language"]


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
        what = tr(f"cannot be read ({detail})", f"không đọc được ({detail})")
    elif e.reason == "not_file":
        what = tr("is not a regular file", "không phải tệp thông thường")
    elif e.reason == "too_large":
        what = tr("is too large to be a catalog", "quá lớn để là một danh mục")
    elif e.reason == "encoding":
        what = tr("the catalog is not UTF-8 text", "danh mục không phải văn bản UTF-8")
    else:
        syntax = {
            "quote": tr("expected a quoted string", "cần một chuỗi trong ngoặc kép"),
            "escape": tr("unknown escape sequence", "chuỗi thoát không hợp lệ"),
            "inner_quote": tr('unescaped " inside a string',
                              'dấu " trong chuỗi chưa được thoát (cần \\")'),
            "no_msgstr": tr("msgid without msgstr", "msgid thiếu msgstr"),
            "no_msgid": tr("msgstr without msgid", "msgstr thiếu msgid"),
            "duplicate": tr(f"duplicate msgid {detail!r}", f"msgid {detail!r} bị lặp"),
            "orphan": tr("a string continues no keyword", "chuỗi không thuộc từ khóa nào"),
            "keyword": tr(f"unknown keyword {detail!r}", f"từ khóa không hợp lệ {detail!r}"),
            "twice": tr(f"{detail} given twice in one entry",
                        f"{detail} xuất hiện hai lần trong một mục"),
        }.get(e.reason, e.reason)
        what = tr(f"not valid .po syntax: {syntax}", f"sai cú pháp .po: {syntax}")
    return DataError(Problem(
        what,
        tr("correct that line (msgid and msgstr each take one quoted string, continued on "
           "lines that hold only a quoted string; save as UTF-8), check it with "
           "`msgfmt --check`, or remove the file",
           "sửa dòng đó (msgid và msgstr mỗi từ khóa nhận một chuỗi trong ngoặc kép, viết "
           "tiếp trên các dòng chỉ chứa chuỗi trong ngoặc kép; lưu dạng UTF-8), kiểm tra "
           "bằng `msgfmt --check`, hoặc bỏ tệp đi"),
        file=e.path.name if e.path else None, row=e.line, code=ProblemCode.CATALOG_SYNTAX),
        source=e.path.name if e.path else None)


def _checked(lang: str) -> str:
    if lang not in LANGS:
        from kpikit.errors import ParameterError, ProblemCode

        choices = ", ".join(LANGS)
        raise ParameterError(tr(f"lang={lang!r}: unsupported language. Choose from: {choices}.",
                                f"lang={lang!r}: ngôn ngữ không được hỗ trợ. Chọn: {choices}."),
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
    token = _current.enter_block(_checked(lang))
    try:
        yield
    finally:
        _current.leave_block(token)


def translate(msgid: str, lang: str | None = None, *, context: str | None = None) -> str:
    """``msgid`` (an English text marked with :func:`N_`) in ``lang`` (default: current);
    English when the language's catalog has no translation of it."""
    lang = language() if lang is None else _checked(lang)
    return _read(_messages.lookup, lang, msgid, context) or msgid


