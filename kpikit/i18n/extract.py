"""Extract kpikit's messages into ``locale/messages.pot`` and update every ``<lang>.po``.

Run by developers after changing a message (``python -m kpikit.i18n.extract``); Babel
writes the files. A message is the English text of ``tr("...", name=value)`` (a format
string: its ``{placeholders}`` are filled from the keywords) or of ``N_("...")`` (marked
only, translated later by ``translate``; not a format string). The older form
``tr(english, vietnamese)`` is not a catalog message and is skipped.

Babel's own Python extractor cannot tell ``tr("a {x}", x=1)`` from the older two-text
form, so the calls are found by walking the syntax tree (:func:`find_messages`), the same
walk the tests use; Babel's catalog API merges and writes them.
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE = Path(__file__).resolve().parent / "locale"
#: functions whose first argument is a message id: name -> whether it is a format string
KEYWORDS = {"tr": True, "N_": False, "ntr": True}


@dataclass
class Message:
    """One message id found in the code, with where it is used."""

    msgid: str
    formatted: bool
    context: str | None = None
    plural: str | None = None
    locations: list[tuple[str, int]] = field(default_factory=list)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _context(node: ast.Call) -> str | None:
    """The literal ``context=`` (gettext's msgctxt) of a call, if any."""
    for kw in node.keywords:
        if kw.arg == "context":
            return _text(kw.value)
    return None


def messages_in(tree: ast.AST, *, contexts: bool = False) -> list[tuple]:
    """``(msgid, is_format_string, line, plural)`` of every catalog message in a tree, with
    the message's ``context`` as a fifth item when ``contexts`` is true."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        item: tuple | None = None
        if name == "ntr" and len(node.args) == 3:
            one, many = _text(node.args[0]), _text(node.args[1])
            if one is not None and many is not None:
                item = (one, True, node.lineno, many)
        elif name in KEYWORDS and name != "ntr" and len(node.args) == 1:
            # (two texts, tr(english, vietnamese), is the older form: no catalog message)
            text = _text(node.args[0])
            if text is not None:
                item = (text, KEYWORDS[name], node.lineno, None)
        if item is not None:
            found.append(item + (_context(node),) if contexts else item)
    return found


def key(msgid: str, context: str | None = None) -> str:
    """The key of a message in :func:`find_messages`: its id, or gettext's
    ``context + "\\x04" + msgid`` when it has a context."""
    return msgid if context is None else f"{context}\x04{msgid}"


def find_messages(root: Path = PACKAGE) -> dict[str, Message]:
    """Every message of the package under ``root``, in file order, keyed by :func:`key`."""
    out: dict[str, Message] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for msgid, formatted, line, plural, context in messages_in(tree, contexts=True):
            msg = out.setdefault(key(msgid, context),
                                 Message(msgid, formatted, context=context, plural=plural))
            msg.formatted = msg.formatted or formatted
            msg.locations.append((rel, line))
    return out


def _read(path: Path):  # -> babel Catalog
    from babel.messages.pofile import read_po

    from kpikit.i18n.messages import CatalogError, parse_po

    try:  # a syntax error named with its file and line (Babel's reader may not say)
        parse_po(path)
    except CatalogError as e:
        raise SystemExit(f"{e.path}:{e.line or 1}: {CatalogError.REASONS.get(e.reason)} "
                         f"{e.detail}".rstrip()) from None
    with path.open("rb") as fh:
        return read_po(fh)


def _write(path: Path, catalog) -> None:
    import io

    from babel.messages.pofile import write_po

    from kpikit.files import atomic_write

    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=False, include_previous=True)
    data = buf.getvalue()
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _changed(path: Path, pot) -> bool:
    """True when ``pot`` says something other than the template at ``path``."""
    if not path.exists():
        return True

    def said(cat) -> list:
        return [(m.id, m.context, sorted(m.locations), sorted(m.flags)) for m in cat if m.id]

    return said(_read(path)) != said(pot)


def template(root: Path = PACKAGE):  # -> babel Catalog
    """The message template (``.pot``) of the package."""
    from babel.messages.catalog import Catalog

    cat = Catalog(project="kpikit", msgid_bugs_address="", charset="utf-8")
    for msg in find_messages(root).values():
        added = cat.add((msg.msgid, msg.plural) if msg.plural else msg.msgid,
                        locations=msg.locations, context=msg.context)
        # Babel guesses the format from the text; kpikit knows it from the call: tr() texts
        # are str.format templates ("100%" in them is no %-field), N_() texts are shown as
        # written ("{source header: column}" is no placeholder; argparse's own words keep
        # Babel's python-format)
        if msg.formatted:
            added.flags.discard("python-format")
            if "{" in msg.msgid:
                added.flags.add("python-brace-format")
        elif added.flags & {"python-brace-format"}:
            added.flags.discard("python-brace-format")
            added.flags.add("no-python-brace-format")
    return cat


def update(locale_dir: Path = LOCALE, root: Path = PACKAGE) -> list[Path]:
    """Write ``messages.pot`` and merge it into every ``<lang>.po`` of ``locale_dir``;
    return the files written. Translations are kept; ids no longer in the code become
    obsolete (``#~``) entries; Babel marks guesses for new ids ``fuzzy``."""
    pot = template(root)
    written = [locale_dir / "messages.pot"]
    if _changed(written[0], pot):  # else keep the file (and its creation date) as it is
        _write(written[0], pot)
    for po in sorted(locale_dir.glob("*.po")):
        cat = _read(po)
        cat.update(pot, update_header_comment=False, update_creation_date=False)
        for m in cat:  # format flags follow the code (Babel unites old and new ones)
            tpl = pot.get(m.id, context=m.context) if m.id else None
            if tpl is not None:
                m.flags = set(tpl.flags) | (m.flags & {"fuzzy"})
        _write(po, cat)
        written.append(po)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m kpikit.i18n.extract [--locale-dir DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m kpikit.i18n.extract",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--locale-dir", type=Path, default=LOCALE,
                        help="folder of messages.pot and the <lang>.po files")
    args = parser.parse_args(argv)
    for path in update(args.locale_dir):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
