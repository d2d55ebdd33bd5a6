"""Readers of the command's options: ``--mapping`` and ``--bounds`` files, seconds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kpikit.errors import ProblemCode
from kpikit.i18n.lang import tr


def read_mapping(name: str) -> dict[str, str]:
    """Read ``--mapping``: a JSON or YAML object of {source header: canonical column}.

    Raises
    ------
    ParameterError
        Naming the file, the line and column and the fix, for a missing file, a folder or
        FIFO, a bad encoding, bad JSON or YAML, duplicate keys, or anything but text to text.
    """
    from kpikit.data_in.yaml_safe import (
        MAX_DEPTH,
        MAX_YAML_BYTES,
        OptionFileError,
        clip,
        decode,
        load_text,
    )
    from kpikit.errors import Problem
    from kpikit.files import read_limited

    label = f"--mapping {name}"
    text = decode(read_limited(Path(name), label, MAX_YAML_BYTES), label)
    example = "{'Ngày': 'date', 'Chi phí': 'spend'}"

    def fail(row: int | None, message: str, fix: str, *, code: ProblemCode) -> OptionFileError:
        return OptionFileError(Problem(message, fix, label, row, code=code))

    spots = None
    if Path(name).suffix.lower() == ".json":
        def no_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
            out: dict[str, object] = {}
            for k, v in pairs:
                if k in out:
                    key = clip(k)
                    raise fail(None, tr("the key {key} appears twice.", key=key),
                               tr("keep one of the two."),
                               code=ProblemCode.JSON_DUPLICATE_KEY)
                out[k] = v
            return out

        try:
            mapping = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=no_repeats)
        except json.JSONDecodeError as e:
            column, why = e.colno, e.msg
            raise fail(e.lineno, tr("not valid JSON at column {column} ({why}).", column=column,
                                    why=why),
                       tr("check commas, braces and double quotes near there: {{\"Ngày\": "
                          "\"date\", \"Chi phí\": \"spend\"}}."),
                       code=ProblemCode.JSON_SYNTAX) from None
        except RecursionError:
            raise fail(None, tr("the JSON nests more than {MAX_DEPTH} levels deep.",
                                MAX_DEPTH=MAX_DEPTH),
                       tr("write one flat object such as {example}.", example=example),
                       code=ProblemCode.JSON_TOO_DEEP) from None
    else:
        loaded = load_text(text, label)
        mapping, spots = loaded.data, loaded
    if not isinstance(mapping, dict):
        found = clip(mapping)
        raise fail(None, tr("must hold a mapping such as {example}, not {found}.", example=example,
                            found=found),
                   tr("write one 'source header: canonical column' pair per line."),
                   code=ProblemCode.OPTION_NOT_MAPPING)
    for key, value in mapping.items():
        spot = spots.spot(mapping, key) if spots else None
        row = spot.line if spot else None
        if not isinstance(key, str) or not isinstance(value, str) or not value.strip():
            header, column = clip(key), clip(value)
            raise fail(row, tr("{header}: {column} is not a pair of names; both the source header "
                               "and the canonical column must be text.", header=header,
                               column=column),
                       tr("write e.g. {example}; put a header that looks like a number or a date "
                          "in quotes.", example=example),
                       code=ProblemCode.OPTION_BAD_PAIR)
    return mapping


def load_export(a: argparse.Namespace, kpis: str | None = None):
    """Load ``a.file`` with the loader options of the command line (``--platform`` ...)."""
    from kpikit.data_in.load import load

    mapping = read_mapping(a.mapping) if a.mapping else None
    return load(a.file, platform=a.platform, mapping=mapping, currency=a.currency,
                channel=a.channel, decimal=a.decimal, dayfirst=a.dayfirst, kpis=kpis)


def read_bounds(name: str) -> dict[str, list[float | None]]:
    """Read ``--bounds``: YAML ``channel: [min, max]`` (null for no limit), checked here.

    Raises
    ------
    ParameterError
        Naming the file, the line and the fix.
    """
    import math

    from kpikit.data_in.yaml_safe import OptionFileError, clip, load_file
    from kpikit.errors import Problem
    from kpikit.i18n.lang import nfmt

    label = f"--bounds {name}"
    loaded = load_file(Path(name), label)
    bounds = loaded.data if loaded.data is not None else {}

    def fail(row: int | None, message: str, *, code: ProblemCode) -> OptionFileError:
        return OptionFileError(Problem(message, tr(
            "write one line per channel, e.g. 'search: [1000000, 5000000]' or 'video: [0, null]' "
            "(null: no limit); amounts are plain numbers."), label, row, code=code))

    if not isinstance(bounds, dict):
        found = clip(bounds)
        raise fail(None, tr("must map channel -> [min, max], not {found}.", found=found),
                   code=ProblemCode.OPTION_NOT_MAPPING)
    for ch, b in bounds.items():
        spot = loaded.spot(bounds, ch)
        row = spot.line if spot else None
        channel, pair = clip(ch), clip(b)
        if not isinstance(ch, str):
            raise fail(row, tr("the channel {channel} must be a name.", channel=channel),
                       code=ProblemCode.OPTION_BAD_PAIR)
        ok = isinstance(b, list) and len(b) == 2 and all(
            x is None or (isinstance(x, (int, float)) and not isinstance(x, bool)
                          and math.isfinite(x) and x >= 0) for x in b)
        if not ok:
            raise fail(row, tr("{channel}: {pair} is not [min, max] with two amounts of 0 or more.",
                               channel=channel, pair=pair), code=ProblemCode.OPTION_BAD_PAIR)
        if b[0] is not None and b[1] is not None and b[1] < b[0]:
            hi, lo = nfmt(b[1], ",.15g"), nfmt(b[0], ",.15g")
            raise fail(row, tr("{channel}: the maximum {hi} is below the minimum {lo}.",
                               channel=channel, hi=hi, lo=lo),
                       code=ProblemCode.OPTION_MIN_ABOVE_MAX)
    return bounds


def seconds(text: str) -> float:
    """``--timeout``/``--wait``: a number of seconds above 0 (argparse reports the error)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(tr("{text!r}: expected a number of seconds above 0",
                                            text=text))
    return value
