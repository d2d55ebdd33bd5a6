"""Which column of a raw table is which canonical column: the platform is detected
from the headers, then each header is matched by name (never by position).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kpikit.catalog import MEASURES
from kpikit.data_in.sources import (
    DIMENSIONS,
    PERIOD_HEADERS,
    PLATFORMS,
    SPECIAL,
    Platform,
    normalize_header,
    split_currency,
)
from kpikit.data_in.tables import RawTable
from kpikit.errors import DataError, Note, ParameterError, Problem, ProblemCode
from kpikit.i18n.lang import tr

__all__ = ["Columns", "detect_platform", "map_columns"]


@dataclass
class Columns:
    """Where each canonical column is in a raw table, and what the headers said."""

    positions: dict[str, int]  # canonical name -> column position
    currencies: dict[str, str]  # header -> the currency code it names
    ignored: list[str]  # headers kpikit does not read
    notes: list[Note] = field(default_factory=list)
    # (position, 'week' | 'month' | ...) of a period column when there is no date column
    period: tuple[int, str] | None = None

    @property
    def date_position(self) -> int:
        """The column that dates each row: the date, or else the period."""
        return self.positions["date"] if "date" in self.positions else self.period[0]

    @property
    def measures(self) -> list[str]:
        """The canonical measures found, in the file's order."""
        return [c for c in self.positions if c in MEASURES]


def map_columns(raw: RawTable, plat: Platform, mapping: Mapping[str, str] | None) -> Columns:
    """The canonical columns of ``raw``; a DataError with every problem of the headers
    (and of the reading) when there is no date, no measure or a bad mapping."""
    positions, currencies, ignored, problems, notes = _match_headers(raw, plat, mapping)
    cols = Columns(positions, currencies, ignored, notes)
    if "date" not in positions:
        for i, h in enumerate(raw.headers):
            kind = PERIOD_HEADERS.get(split_currency(normalize_header(h))[0])
            if kind and i not in positions.values():
                cols.period = (i, kind)
                cols.ignored = [x for x in ignored if x != h]
                break
    src = raw.source
    if "date" not in positions and cols.period is None:
        names = dict.fromkeys(n for p in PLATFORMS.values() for n in p.columns.get("date", ()))
        looked = ", ".join(map(repr, names))
        problems.append(Problem(
            tr("no date column was found (looked for: {looked}).", looked=looked),
            tr("export the report broken down by day, or map your date column: mapping={{'Your "
               "date header': 'date'}}."), src, code=ProblemCode.COLUMN_DATE_MISSING))
    if not cols.measures and ("date" in positions or cols.period):
        problems.append(Problem(
            tr("no measure columns (impressions, clicks, spend, ...) were recognised."),
            tr("map them: mapping={{'Your header': 'clicks', ...}}."), src,
            code=ProblemCode.COLUMN_NO_MEASURES))
    problems = raw.problems + problems
    if problems:
        raise DataError(problems, src)
    return cols


def detect_platform(headers: list[str], platform: str, comments: list[str],
                    mapping: Mapping[str, str] | None) -> Platform:
    """The platform whose header names fit best (or the one named, or ``canonical``
    when a mapping describes the file)."""
    if platform == "auto" and mapping:
        # an explicit mapping describes the file: no guessing of a platform's defaults
        return PLATFORMS["canonical"]
    if platform != "auto":
        try:
            return PLATFORMS[platform]
        except KeyError:
            choices = "auto, " + ", ".join(PLATFORMS)
            raise ParameterError(tr("Unknown platform {platform!r}. Choose from: {choices}.",
                                    platform=platform, choices=choices),
                                 code=ProblemCode.PARAMETER_CHOICE) from None
    norm = [split_currency(normalize_header(h))[0] for h in headers]
    anywhere = set().union(*(p.lookup() for p in PLATFORMS.values())) | set(PERIOD_HEADERS)
    best, best_score = PLATFORMS["canonical"], -1
    for p in PLATFORMS.values():
        lookup = p.lookup()
        # a header another platform knows but this one does not counts against it: a
        # TikTok file with a plain 'Clicks' is not Google Ads, whose exports say 'Campaign'
        # where TikTok says 'Campaign name'
        own = set(lookup) | (set(PERIOD_HEADERS) if p.name == "google_ads" else set())
        score = (sum(h in own for h in norm) + 3 * sum(h in p.signature for h in norm)
                 - sum(h in anywhere and h not in own for h in norm))
        if p.name == "ga4" and comments:
            score += 3
        if score > best_score:
            best, best_score = p, score
    return best


def _match_headers(
    raw: RawTable, plat: Platform, mapping: Mapping[str, str] | None
) -> tuple[dict[str, int], dict[str, str], list[str], list[Problem], list[str]]:
    """Return canonical -> column position, currencies by header, ignored, problems, notes."""
    problems: list[Problem] = []
    notes: list[str] = []
    lookup = plat.lookup()
    canonical_lookup = PLATFORMS["canonical"].lookup()
    valid_targets = {*SPECIAL, *DIMENSIONS, *MEASURES}
    explicit: dict[str, str] = {}
    if mapping:
        for src, dst in mapping.items():
            if dst not in valid_targets:
                import difflib

                close = difflib.get_close_matches(str(dst), sorted(valid_targets), n=3)
                near = ", ".join(map(repr, close))
                hint = tr(" Did you mean {near}?", near=near) if close else ""
                targets = ", ".join(sorted(valid_targets))
                problems.append(Problem(
                    tr("mapping sends {src!r} to unknown column {dst!r}.{hint}", src=src, dst=dst,
                       hint=hint),
                    tr("map to one of: {targets}.", targets=targets),
                    raw.source, None, None, code=ProblemCode.MAPPING_UNKNOWN_TARGET))
            explicit[split_currency(normalize_header(src))[0]] = dst
        missing = [s for s in mapping
                   if split_currency(normalize_header(s))[0]
                   not in {split_currency(normalize_header(h))[0] for h in raw.headers}]
        for s in missing:
            heads = ", ".join(map(repr, raw.headers))
            problems.append(Problem(
                tr("mapping names column {s!r}, which the file does not have.", s=s),
                tr("use one of the file's headers: {heads}.", heads=heads),
                raw.source, None, s, code=ProblemCode.MAPPING_SOURCE_MISSING))
    positions: dict[str, int] = {}
    currencies: dict[str, str] = {}
    ignored: list[str] = []
    for i, h in enumerate(raw.headers):
        name, cur = split_currency(normalize_header(h))
        target = explicit.get(name) or lookup.get(name) or canonical_lookup.get(name)
        if target is None:
            if h.strip():
                ignored.append(h)
            continue
        if target in positions:
            first = raw.headers[positions[target]]
            notes.append(Note(tr("columns {first!r} and {h!r} both mean {target!r}; the first one "
                                 "was used.", first=first, h=h, target=target),
                ProblemCode.COLUMN_DUPLICATE))
            continue
        positions[target] = i
        if cur:
            currencies[h] = cur
    return positions, currencies, ignored, problems, notes
