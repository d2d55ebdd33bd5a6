"""Message catalogs: one gettext ``.po`` file per language, English message ids in the code.

The languages kpikit speaks are English (the ids themselves) plus every ``<lang>.po`` in
``kpikit/i18n/locale/`` and in the folder named by the ``KPIKIT_LOCALE_DIR`` environment
variable, so a translator (or a test) adds a language as one file without touching the
package. A catalog is read on its first lookup, never at ``import kpikit``, and kept per
language; entries missing or marked ``fuzzy`` fall back to English.

A small parser of our own reads the files (measured on the 606-entry catalog after the
migration: 6.3 ms, Babel's ``read_po`` 4.7 ms plus 4.5 ms to import ``babel.messages``).
It is kept because it refuses what gettext's ``msgfmt`` refuses (an unterminated string,
a duplicate id, an unknown keyword) with the file and line, where Babel's lenient reader
skips or merges such lines, and because it needs nothing of kpikit, so the language
channel has no import circle. Babel stays the tool that *writes* catalogs (``python -m
kpikit.i18n.extract``), and a test checks that both readers agree on every shipped
catalog.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Catalog", "CatalogError", "LOCALE_DIR", "ENV_DIR", "catalog", "languages",
           "locale_of", "lookup", "lookup_plural", "parse_po"]

#: the catalogs shipped with kpikit
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: environment variable naming an extra folder of ``<lang>.po`` files
ENV_DIR = "KPIKIT_LOCALE_DIR"
# a catalog is text a person edits; anything larger is not one (read in one bounded read,
# never blocking: kpikit.files.read_limited's rules, without importing it, see CatalogError)
_MAX_PO_BYTES = 8 * 10**6
_lock = threading.Lock()


@dataclass
class Catalog:
    """The translations of one language: ``(context, msgid) -> msgstr`` (plural forms as a
    tuple), and the CLDR locale named by the file's ``Language:`` header."""

    lang: str
    locale: str
    messages: dict[tuple[str | None, str], str | tuple[str, ...]] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    #: the ``plural=`` expression of the ``Plural-Forms`` header (C syntax, as gettext has it)
    plural: str = "n != 1"

    def plural_index(self, n: int) -> int:
        """Which plural form ``n`` takes in this language (``0`` always in Vietnamese)."""
        import gettext

        try:  # the standard library's reader of gettext's C expressions
            return int(gettext.c2py(self.plural)(int(n)))
        except (ValueError, TypeError, OverflowError, RecursionError):
            return 0 if n == 1 else 1


def _dirs() -> list[Path]:
    """The folders searched for catalogs: the package's, then ``KPIKIT_LOCALE_DIR``'s
    (whose entries override the package's, so a translator can try a fix in place)."""
    dirs = [LOCALE_DIR]
    extra = os.environ.get(ENV_DIR)
    if extra:
        dirs.append(Path(extra))
    return dirs


def _found() -> dict[str, tuple[Path, ...]]:
    files: dict[str, list[Path]] = {}
    for d in _dirs():
        try:
            names = sorted(os.listdir(d))
        except OSError:  # a missing or unreadable extra folder adds no language
            continue
        for name in names:
            stem, dot, ext = name.rpartition(".")
            if dot and ext == "po" and stem and stem != "en" and (d / name).is_file():
                files.setdefault(stem, []).append(d / name)
    return {lang: tuple(paths) for lang, paths in files.items()}


# (KPIKIT_LOCALE_DIR, when checked, folder stamp, files): every message asks which
# languages exist, so the folders are looked at again only after _RECHECK seconds, when the
# environment variable changes, or when a language nobody has seen yet is asked for
_scan: tuple[str | None, float, tuple, dict[str, tuple[Path, ...]]] | None = None
_RECHECK = 1.0


def _stamp() -> tuple:
    # the folders' identity and modification times: a file added or removed (or the
    # environment variable changed) shows here, so the scan is redone only then
    out = []
    for d in _dirs():
        try:
            out.append((str(d), os.stat(d).st_mtime_ns))
        except OSError:
            out.append((str(d), None))
    return tuple(out)


def _catalog_files(fresh: bool = False) -> dict[str, tuple[Path, ...]]:
    global _scan
    env, now, scan = os.environ.get(ENV_DIR), time.monotonic(), _scan
    if scan is not None and not fresh and scan[0] == env and now - scan[1] < _RECHECK:
        return scan[3]
    stamp = _stamp()
    files = scan[3] if scan is not None and scan[0] == env and scan[2] == stamp else _found()
    _scan = (env, now, stamp, files)
    return files


def languages(fresh: bool = False) -> tuple[str, ...]:
    """``"en"`` and every language that has a catalog, English first, then by code;
    ``fresh`` looks at the folders now rather than within the last second."""
    return ("en", *sorted(_catalog_files(fresh)))


def speaks(lang: str) -> bool:
    """True when ``lang`` is English or has a catalog (one just added counts at once)."""
    return lang == "en" or lang in _catalog_files() or lang in _catalog_files(fresh=True)


_cache: dict[tuple[str, tuple[tuple[str, int, int], ...]], Catalog] = {}
_recent: dict[str, tuple[dict, float, Catalog]] = {}


def _file_key(paths: tuple[Path, ...]) -> tuple[tuple[str, int, int], ...]:
    key = []
    for p in paths:
        try:
            st = os.stat(p)
            key.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            key.append((str(p), 0, -1))
    return tuple(key)


def catalog(lang: str) -> Catalog | None:
    """The catalog of ``lang``, read once (again only when its file changed); ``None`` for
    English or a language without a catalog.

    Raises
    ------
    CatalogError
        When a catalog file cannot be read or is not valid ``.po`` text.
    """
    files = _catalog_files()
    paths = files.get(lang)
    if not paths:
        return None
    recent = _recent.get(lang)
    if recent is not None and recent[0] is files and time.monotonic() - recent[1] < _RECHECK:
        return recent[2]  # looked at within the last second: no stat per message
    key = (lang, _file_key(paths))
    found = _cache.get(key)
    if found is not None:
        _recent[lang] = (files, time.monotonic(), found)
        return found
    with _lock:
        found = _cache.get(key)
        if found is None:
            messages: dict[tuple[str | None, str], str | tuple[str, ...]] = {}
            locale, plural = lang, "n != 1"
            for p in paths:
                entries, header = parse_po(p)
                messages.update(entries)
                locale = header.get("Language", "").strip() or locale
                forms = header.get("Plural-Forms", "")
                if "plural=" in forms:
                    plural = forms.split("plural=", 1)[1].strip().rstrip(";").strip()
            for old in [k for k in _cache if k[0] == lang]:
                del _cache[old]
            found = Catalog(lang, locale, messages, paths, plural)
            _cache[key] = found
    _recent[lang] = (files, time.monotonic(), found)
    return found


def locale_of(lang: str) -> str:
    """The CLDR locale of ``lang``: its catalog's ``Language:`` header (``vi_VN``), else
    ``lang`` itself."""
    if lang == "en":
        return "en"
    cat = catalog(lang)
    return cat.locale if cat is not None else lang


def lookup(lang: str, msgid: str, context: str | None = None) -> str | None:
    """The translation of ``msgid`` in ``lang``, or ``None`` when there is none."""
    if lang == "en":
        return None
    cat = catalog(lang)
    if cat is None:
        return None
    found = cat.messages.get((context, msgid))
    if isinstance(found, tuple):
        found = found[0] if found else None
    return found or None


def lookup_plural(lang: str, singular: str, n: int,
                  context: str | None = None) -> str | None:
    """The form of ``singular``'s translation that ``n`` takes in ``lang``, or ``None``."""
    if lang == "en":
        return None
    cat = catalog(lang)
    if cat is None:
        return None
    found = cat.messages.get((context, singular))
    if not isinstance(found, tuple) or not found:
        return found or None
    i = cat.plural_index(n)
    return (found[i] if 0 <= i < len(found) else found[-1]) or None


# --- the .po reader -------------------------------------------------------------------------
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}


class CatalogError(Exception):
    """A catalog file kpikit cannot use: ``path``, ``line`` (1-based, or ``None``) and a
    ``reason`` code with its ``detail``. :mod:`kpikit.i18n.lang` turns it into a
    :class:`~kpikit.errors.DataError` in the reader's language (this module imports nothing
    of kpikit, so the language channel has no import circle)."""

    #: the reasons, with what each means
    REASONS = {
        "read": "the file cannot be read (detail: the system's reason)",
        "not_file": "the path is a folder, pipe or device",
        "too_large": "the file is larger than a catalog can be",
        "encoding": "the file is not UTF-8 text",
        "quote": "a keyword's value is not a quoted string",
        "escape": "an unknown backslash escape",
        "inner_quote": 'a " inside a string is not escaped',
        "no_msgstr": "a msgid has no msgstr",
        "no_msgid": "a msgstr has no msgid",
        "duplicate": "the same msgid twice (detail: its start)",
        "orphan": "a string line that continues no keyword",
        "keyword": "an unknown keyword (detail: the word)",
        "twice": "a keyword twice in one entry (detail: the keyword)",
    }

    def __init__(self, path: Path | None, line: int | None, reason: str, detail: str = ""):
        super().__init__(f"{path}:{line}: {reason} {detail}".strip())
        self.path, self.line, self.reason, self.detail = path, line, reason, detail


class _PoSyntax(Exception):
    def __init__(self, line: int, reason: str, detail: str = ""):
        super().__init__(reason)
        self.line, self.reason, self.detail = line, reason, detail


def _unquote(text: str, line: int) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise _PoSyntax(line, "quote")
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body) or body[i + 1] not in _ESCAPES:
                raise _PoSyntax(line, "escape")
            out.append(_ESCAPES[body[i + 1]])
            i += 2
            continue
        if ch == '"':
            raise _PoSyntax(line, "inner_quote")
        out.append(ch)
        i += 1
    return "".join(out)


def _parse(text: str) -> tuple[dict, dict[str, str]]:
    entries: dict[tuple[str | None, str], str | tuple[str, ...]] = {}
    header: dict[str, str] = {}
    cur: dict[str, object] = {}
    key: str | None = None
    fuzzy = False
    start = 0

    def flush() -> None:
        nonlocal cur, key, fuzzy
        if "msgid" in cur:
            if "msgstr" not in cur and not any(str(k).startswith("msgstr[") for k in cur):
                raise _PoSyntax(start, "no_msgstr")
            msgid = str(cur["msgid"])
            ctx = cur.get("msgctxt")
            if msgid == "" and ctx is None:
                for row in str(cur.get("msgstr", "")).splitlines():
                    name, sep, value = row.partition(":")
                    if sep:
                        header[name.strip()] = value.strip()
            elif not fuzzy:
                plurals = sorted((int(str(k)[7:-1]), str(v)) for k, v in cur.items()
                                 if str(k).startswith("msgstr["))
                value = tuple(v for _, v in plurals) if plurals else str(cur["msgstr"])
                if (ctx, msgid) in entries:
                    raise _PoSyntax(start, "duplicate", msgid[:40])
                if any(value if isinstance(value, tuple) else [value]):
                    entries[(None if ctx is None else str(ctx), msgid)] = value
        elif cur:
            raise _PoSyntax(start, "no_msgid")
        cur, key, fuzzy = {}, None, False

    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#~"):  # an obsolete entry: kept by translators, never used
                continue
            if "msgid" in cur or "msgctxt" in cur:
                flush()
            if line.startswith("#,") and "fuzzy" in (f.strip() for f in line[2:].split(",")):
                fuzzy = True
            continue
        if line.startswith('"'):
            if key is None:
                raise _PoSyntax(n, "orphan")
            cur[key] = str(cur[key]) + _unquote(line, n)
            continue
        word, _, rest = line.partition(" ")
        if word not in ("msgctxt", "msgid", "msgid_plural", "msgstr") and not (
                word.startswith("msgstr[") and word.endswith("]") and word[7:-1].isdigit()):
            raise _PoSyntax(n, "keyword", word[:30])
        if word in ("msgctxt", "msgid") and (
                "msgstr" in cur or any(str(k).startswith("msgstr[") for k in cur)
                or (word == "msgctxt" and "msgid" in cur)):
            flush()
        if word in ("msgctxt", "msgid") and not cur:
            start = n
        if word == "msgid" and "msgid" in cur:
            raise _PoSyntax(start, "no_msgstr")
        if word in cur:
            raise _PoSyntax(n, "twice", word)
        if word.startswith("msgstr") and "msgid" not in cur:
            raise _PoSyntax(n, "no_msgid")
        cur[word] = _unquote(rest, n)
        key = word
    flush()
    return entries, header


def parse_po(path: Path) -> tuple[dict, dict[str, str]]:
    """Read a ``.po`` file: its translated entries ``(context, msgid) -> msgstr`` and its
    header fields (``Language``, ``Plural-Forms`` ...).

    Raises
    ------
    CatalogError
        When the file cannot be read or is not valid ``.po`` text (with its line).
    """
    path = Path(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise CatalogError(path, None, "not_file")
        if st.st_size > _MAX_PO_BYTES:
            raise CatalogError(path, None, "too_large")
        # O_NONBLOCK: a file swapped for a FIFO after the stat still cannot block the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(_MAX_PO_BYTES + 1)
    except OSError as e:
        raise CatalogError(path, None, "read", e.strerror or str(e)) from None
    if len(raw) > _MAX_PO_BYTES:
        raise CatalogError(path, None, "too_large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CatalogError(path, raw[: e.start].count(b"\n") + 1, "encoding") from None
    try:
        return _parse(text)
    except _PoSyntax as e:
        raise CatalogError(path, e.line, e.reason, e.detail) from None
