"""One safe YAML reader for every plan, batch spec and option file kpikit reads.

``yaml.safe_load`` runs no code, but it still lets a 600-byte "billion laughs" file
expand into billions of values, nests without limit, keeps the last of two equal keys
without a word, and gives tracebacks for bad dates or encodings. :func:`load_file` and
:func:`load_text` refuse all of these with a :class:`OptionFileError` that names the
file, the line and the fix, and quote at most :data:`QUOTE_CHARS` characters of the input.

They also return where each value was written (:meth:`Loaded.spot`), so that readers
can name the line of a bad value and see the text of an unquoted number as typed
(``128.000`` in a Vietnamese plan means 128000, not the 128.0 YAML would make of it).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from kpikit.errors import ParameterError, Problem, ProblemCode
from kpikit.i18n.lang import nfmt, tr

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_YAML_BYTES", "Loaded", "OptionFileError", "Spot",
           "clip", "decode", "load_file", "load_text"]

#: plans, specs, mappings and bounds are hand-written: a few MB is far above any real one
MAX_YAML_BYTES = int(os.environ.get("KPIKIT_MAX_PLAN_BYTES", 4_000_000))
#: values after expanding every alias; a real plan or spec has a few thousand
MAX_NODES = 100_000
#: nesting of lists and mappings; a plan nests 5 deep
MAX_DEPTH = 64
#: the most characters of a user's value quoted in a message
QUOTE_CHARS = 60


def clip(value: object, limit: int = QUOTE_CHARS, _depth: int = 0) -> str:
    """``repr(value)`` cut to ``limit`` characters with an ellipsis: safe to put in a message.

    Containers are not turned into text whole (a huge list would be), only their start.
    """
    if isinstance(value, (list, tuple, dict, set)):
        # repr of a huge or alias-shared container is itself huge: build only what is shown
        d = _depth + 1
        if d > 3:
            parts = ["…"] if value else []
        elif isinstance(value, dict):
            parts = [f"{clip(k, limit, d)}: {clip(v, limit, d)}"
                     for k, v in list(value.items())[:8]]
        else:
            parts = [clip(x, limit, d) for x in list(value)[:8]]
        if len(value) > 8 and d <= 3:
            parts.append("…")
        ends = ("{}" if isinstance(value, (dict, set))
                else "()" if isinstance(value, tuple) else "[]")
        text = ends[0] + ", ".join(parts) + ends[1]
    elif isinstance(value, str):
        text = repr(value[:limit])
        if len(value) > limit:
            text = text[:-1] + "…" + text[-1]
    else:
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


class OptionFileError(ParameterError):
    """A plan, spec or option file kpikit cannot read safely; ``problem`` says where and why."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem), code=problem.code)


class Spot(NamedTuple):
    """Where a value was written: 1-based line and column, and the text of a plain scalar."""

    line: int
    column: int
    text: str | None


@dataclass
class Loaded:
    """Parsed YAML (plain dicts, lists and scalars) and where each value was written."""

    data: Any
    source: str | None = None
    spots: dict[int, tuple[Any, dict[Any, Spot]]] = field(default_factory=dict, repr=False)

    def spot(self, container: object, key: object) -> Spot | None:
        """The place of ``container[key]`` (a mapping key or a list index), if known."""
        entry = self.spots.get(id(container))
        if entry is None or entry[0] is not container:
            return None
        try:
            return entry[1].get(key)
        except TypeError:  # an unhashable key
            return None


def _problem(source: str | None, line: int | None, what: str, fix: str, *,
             code: ProblemCode) -> OptionFileError:
    return OptionFileError(Problem(what, fix, source, line, code=code))


def decode(data: bytes, source: str | None) -> str:
    """Bytes of a text file as text: UTF-8 (with or without BOM), or UTF-16/32 with a BOM.

    Raises
    ------
    OptionFileError
        For any other encoding (Windows-1258, Latin-1, UTF-16 without BOM), with the line
        of the first bad byte and how to save the file as UTF-8.
    """
    save = tr("save the file as UTF-8 (Notepad: File > Save as > Encoding: UTF-8; VS Code: click "
              "the encoding in the status bar > Save with encoding > UTF-8).")
    boms = ((b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe\x00\x00", "utf-32"),
            (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
    for bom, codec in boms:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as e:
                line = data[: e.start].count(b"\n") + 1 if codec == "utf-8-sig" else None
                name = codec.upper().removesuffix("-SIG")
                raise _problem(source, line, tr("the file starts with a {name} byte order mark "
                                                "but is not valid in that encoding.",
                                                name=name), save,
                               code=ProblemCode.FILE_ENCODING) from None
    if b"\x00" in data:
        raise _problem(source, data[: data.index(b"\x00")].count(b"\n") + 1,
                       tr("the file holds NUL bytes: it is UTF-16 or UTF-32 without a byte order "
                          "mark, or not a text file."), save, code=ProblemCode.FILE_ENCODING)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        byte = data[e.start]
        raise _problem(source, line, tr("the file is not UTF-8 (byte 0x{byte:02x} at column "
                                        "{column}); it looks saved as Windows-1258, Windows-1252 "
                                        "or Latin-1.", byte=byte, column=column),
                       save, code=ProblemCode.FILE_ENCODING) from None


def load_file(path: str | os.PathLike[str], label: str | None = None,
              limit: int = MAX_YAML_BYTES) -> Loaded:
    """Read a YAML file safely (see the module docstring).

    Raises
    ------
    ParameterError
        For a missing file, a folder, FIFO or device, or a file over ``limit`` bytes.
    OptionFileError
        For a bad encoding, bad YAML, duplicate keys, alias bombs or deep nesting.
    """
    from kpikit.files import read_limited

    path = Path(path)
    label = label or path.name or str(path)
    return load_text(decode(read_limited(path, label, limit), label), label, limit)


def load_text(text: str, source: str | None = None, limit: int = MAX_YAML_BYTES) -> Loaded:
    """Parse YAML text safely (see the module docstring)."""
    import yaml

    if len(text) > limit:
        raise _problem(source, None, tr("the text is longer than {limit} characters, far more "
                                        "than a plan or option file needs.",
                                        limit=nfmt(limit)), tr(
                                            "check that this is the right file."),
                       code=ProblemCode.FILE_TOO_LARGE)
    text = text.removeprefix("\ufeff")
    loader = None
    try:
        loader = _make_loader()(text, source)
        data = loader.get_single_data()
    except OptionFileError:
        raise
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        why = clip(str(e.problem or e.context or "?"), 160)
        col = mark.column + 1 if mark else None
        at = tr(" at column {col}", col=col) if col else ""
        raise _problem(source, mark.line + 1 if mark else None,
                       tr("not valid YAML{at} ({why}).", at=at, why=why),
                       tr("check indentation, colons and quotes near that line; kpikit reads "
                          "plain YAML only (no !!python tags)."),
                       code=ProblemCode.YAML_SYNTAX) from None
    except yaml.reader.ReaderError as e:
        line = text[: max(e.position, 0)].count("\n") + 1
        char = f"U+{e.character:04X}" if isinstance(e.character, int) else clip(e.character)
        raise _problem(source, line, tr("the file holds a control character ({char}) YAML does "
                                        "not allow.", char=char),
                       tr("remove it, or save the file again as plain UTF-8 text."),
                       code=ProblemCode.YAML_CONTROL_CHARACTER) from None
    except yaml.YAMLError as e:
        why = clip(str(e), 160)
        raise _problem(source, None, tr("not valid YAML ({why}).", why=why), tr(
                           "check the file."), code=ProblemCode.YAML_SYNTAX) from None
    except (ValueError, TypeError, OverflowError) as e:
        # a date like 2027-02-30 or a 5000-digit integer fails inside PyYAML's constructors
        line = loader.node_line if loader else None
        why = clip(str(e), 120)
        raise _problem(source, line, tr("a value cannot be read ({why}).", why=why),
                       tr("write dates as 2027-01-31 and numbers plainly, or quote the value."),
                       code=ProblemCode.YAML_BAD_VALUE) from None
    finally:
        if loader is not None:
            loader.dispose()
    return Loaded(data, source, loader.spots)


@functools.cache
def _make_loader() -> type:
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    class Loader(yaml.SafeLoader):
        def __init__(self, text: str, source: str | None):
            super().__init__(text)
            self.source = source
            self.sizes: dict[int, int] = {}
            self.total = 0
            self.depth = 0
            self.open_anchors: set[str] = set()
            self.spots: dict[int, tuple[Any, dict[Any, Spot]]] = {}
            self.node_line: int | None = None

        # -------------------------------------------------------- composing
        def too_many(self, line: int) -> OptionFileError:
            return _problem(self.source, line,
                            tr("the file expands to more than {MAX_NODES} values (aliases repeat "
                               "whole blocks: a small file can expand to billions).",
                               MAX_NODES=nfmt(MAX_NODES)),
                            tr("write the values out without *aliases, or split the file."),
                            code=ProblemCode.YAML_ALIAS_BOMB)

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                if event.anchor in self.open_anchors:
                    raise _problem(self.source, line,
                                   tr("the alias *{anchor} refers to the block that contains it "
                                      "(an endless loop).", anchor=event.anchor[:40]),
                                   tr("write the values out instead of the alias."),
                                   code=ProblemCode.YAML_ALIAS_LOOP)
                node = super().compose_node(parent, index)
                self.total += self.sizes.get(id(node), 1)
                if self.total > MAX_NODES:
                    raise self.too_many(line)
                return node
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _problem(self.source, line,
                               tr("lists and mappings nest more than {MAX_DEPTH} levels deep.",
                                  MAX_DEPTH=MAX_DEPTH),
                               tr("flatten the file; a plan or spec needs only a few levels."),
                               code=ProblemCode.YAML_TOO_DEEP)
            self.total += 1
            if self.total > MAX_NODES:
                raise self.too_many(line)
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                self.open_anchors.add(anchor)
            try:
                node = super().compose_node(parent, index)
            finally:
                self.depth -= 1
                if anchor is not None:
                    self.open_anchors.discard(anchor)
            if isinstance(node, SequenceNode):
                size = 1 + sum(self.sizes.get(id(c), 1) for c in node.value)
            elif isinstance(node, MappingNode):
                size = 1 + sum(self.sizes.get(id(k), 1) + self.sizes.get(id(v), 1)
                               for k, v in node.value)
            else:
                size = 1
            if size > 1:
                self.sizes[id(node)] = size
            return node

        # ----------------------------------------------------- constructing
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            self.node_line = node.start_mark.line + 1
            return super().construct_object(node, deep)

        @staticmethod
        def spot_of(node: Any) -> Spot:
            plain = (node.value if isinstance(node, ScalarNode) and node.style is None
                     else None)
            return Spot(node.start_mark.line + 1, node.start_mark.column + 1, plain)

        def check_duplicates(self, node: Any) -> None:
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: PyYAML reports it itself
                line = key_node.start_mark.line + 1
                if first is not None:
                    raise _problem(self.source, line,
                                   tr("the key {key} appears twice, on lines {first} and {line}; "
                                      "YAML would silently keep only the second.", key=clip(key),
                                      first=first, line=line),
                                   tr("keep one of the two lines."),
                                   code=ProblemCode.YAML_DUPLICATE_KEY)
                seen[key] = line

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, MappingNode):
                self.check_duplicates(node)
            return super().construct_mapping(node, deep)

        def construct_yaml_map(self, node: Any) -> Any:
            data: dict[Any, Any] = {}
            yield data
            data.update(self.construct_mapping(node))
            where: dict[Any, Spot] = {}
            for key_node, value_node in node.value:
                try:
                    where[self.construct_object(key_node, deep=True)] = self.spot_of(value_node)
                except TypeError:
                    pass
            self.spots[id(data)] = (data, where)

        def construct_yaml_seq(self, node: Any) -> Any:
            data: list[Any] = []
            yield data
            data.extend(self.construct_sequence(node))
            self.spots[id(data)] = (data, {i: self.spot_of(v) for i, v in enumerate(node.value)})

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_yaml_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_yaml_seq)
    return Loader
