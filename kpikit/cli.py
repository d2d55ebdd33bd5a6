"""The ``kpikit`` command.

Every user error ends with a one-paragraph message on stderr and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import io
import json
import numbers
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ._lang import LANGS, language, resolve_lang, tr, using_language
from .errors import KpikitError, ParameterError, ProblemCode

EXIT_ERROR = 2
_LANG_HELP = "en or vi: language of the output and messages (default: $KPIKIT_LANG, else en)"


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


# CLI table headers, in the language of the run (the English ones are the key)
_HEADS_VI = {
    "kpi": "KPI", "owner": "người phụ trách", "cadence": "chu kỳ", "horizon": "tầm nhìn",
    "target": "chỉ tiêu", "baseline": "cơ sở", "baseline from": "cơ sở từ",
    "vs baseline": "so với cơ sở", "feasibility": "khả thi", "window": "khoảng",
    "days": "số ngày", "missing": "ngày thiếu", "empty": "ô trống",
    "missing measures": "thiếu cột", "status": "trạng thái", "driver": "yếu tố",
    "change": "thay đổi", "from": "nguồn", "actual": "thực tế", "expected": "kỳ vọng",
    "projection": "dự phóng", "P(reach)": "xác suất đạt", "vs last year": "so với năm trước",
    "channel": "kênh", "current": "hiện tại", "recommended": "đề xuất",
    "marginal now": "lợi nhuận biên hiện tại", "marginal after": "lợi nhuận biên sau",
    "binding": "bị chặn bởi",
}


def _heads(*names: str) -> list[str]:
    """Table headers in the current language."""
    return [tr(n, _HEADS_VI.get(n, n)) for n in names]


def _day(d: object, lang: str) -> str:
    """A day in a terminal table: dd/mm/yyyy in Vietnamese; ISO in English, which sorts
    and reads the same everywhere (2027-03-31)."""
    from .format import format_date

    if lang == "vi":
        return format_date(d, lang)
    return str(d)[:10] if d == d and d is not None else "–"


def _span(name: str, start: object, end: object, lang: str, as_of: object = None) -> str:
    """``plan: start to end[, as of day]`` with the days as the reader writes them."""
    a, b = _day(start, lang), _day(end, lang)
    if as_of is None:
        return tr(f"{name}: {a} to {b}", f"{name}: {a} đến {b}")
    d = _day(as_of, lang)
    return tr(f"{name}: {a} to {b}, as of {d}", f"{name}: {a} đến {b}, tính đến {d}")


def _sig(value: float, lang: str) -> str:
    """Three significant digits written out (``0,0000538``), never ``5.384e-05``."""
    import math

    from ._lang import nfmt

    if value != value:
        return "–"
    if value == 0 or math.isinf(value):
        return nfmt(value, ".0f", lang)
    decimals = min(12, max(0, 2 - math.floor(math.log10(abs(value)))))
    return nfmt(value, f",.{decimals}f", lang)


def _binding(value: object, lang: str) -> str:
    from .notebook import _binding_text

    if not isinstance(value, str) or not value:
        return ""
    return _binding_text(value, lang == "vi")


def _load_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="export file (CSV/TSV/XLSX/Parquet), or for compute a folder "
                                "of canonical Parquet/CSV files")
    p.add_argument("--platform", default="auto",
                   help="auto, google_ads, meta, ga4, tiktok or canonical (default: auto)")
    p.add_argument("--mapping", metavar="FILE",
                   help="YAML or JSON file: {source header: canonical column}")
    p.add_argument("--currency", help="ISO currency code when the file does not say (VND)")
    p.add_argument("--channel", help="channel for every row when the file has none")
    p.add_argument("--decimal", choices=[".", ","], help="force the decimal separator")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--dayfirst", dest="dayfirst", action="store_true", default=None,
                   help="read 03/04/2026 as 3 April")
    g.add_argument("--monthfirst", dest="dayfirst", action="store_false",
                   help="read 03/04/2026 as 4 March")


def _read_mapping(name: str) -> dict[str, str]:
    """Read ``--mapping``: a JSON or YAML object of {source header: canonical column}.

    Raises
    ------
    ParameterError
        Naming the file, the line and column and the fix, for a missing file, a folder or
        FIFO, a bad encoding, bad JSON or YAML, duplicate keys, or anything but text to text.
    """
    from ._files import read_limited
    from ._yaml import MAX_DEPTH, MAX_YAML_BYTES, OptionFileError, clip, decode, load_text
    from .errors import Problem

    label = f"--mapping {name}"
    text = decode(read_limited(Path(name), label, MAX_YAML_BYTES), label)
    example = "{'Ngày': 'date', 'Chi phí': 'spend'}"

    def fail(row: int | None, en: str, vi: str, fix_en: str, fix_vi: str, *,
             code: ProblemCode) -> OptionFileError:
        return OptionFileError(Problem(tr(en, vi), tr(fix_en, fix_vi), label, row, code=code))

    spots = None
    if Path(name).suffix.lower() == ".json":
        def no_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
            out: dict[str, object] = {}
            for k, v in pairs:
                if k in out:
                    raise fail(None, f"the key {clip(k)} appears twice.",
                               f"khóa {clip(k)} xuất hiện hai lần.",
                               "keep one of the two.", "giữ lại một trong hai.",
                               code=ProblemCode.JSON_DUPLICATE_KEY)
                out[k] = v
            return out

        try:
            mapping = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=no_repeats)
        except json.JSONDecodeError as e:
            raise fail(e.lineno, f"not valid JSON at column {e.colno} ({e.msg}).",
                       f"không phải JSON hợp lệ ở cột {e.colno} ({e.msg}).",
                       'check commas, braces and double quotes near there: '
                       '{"Ngày": "date", "Chi phí": "spend"}.',
                       'kiểm tra dấu phẩy, dấu ngoặc và dấu nháy kép gần đó: '
                       '{"Ngày": "date", "Chi phí": "spend"}.',
                       code=ProblemCode.JSON_SYNTAX) from None
        except RecursionError:
            raise fail(None, f"the JSON nests more than {MAX_DEPTH} levels deep.",
                       f"JSON lồng nhau sâu hơn {MAX_DEPTH} cấp.",
                       f"write one flat object such as {example}.",
                       f"viết một đối tượng phẳng như {example}.",
                       code=ProblemCode.JSON_TOO_DEEP) from None
    else:
        loaded = load_text(text, label)
        mapping, spots = loaded.data, loaded
    if not isinstance(mapping, dict):
        raise fail(None, f"must hold a mapping such as {example}, not {clip(mapping)}.",
                   f"phải chứa một ánh xạ như {example}, không phải {clip(mapping)}.",
                   "write one 'source header: canonical column' pair per line.",
                   "viết mỗi dòng một cặp 'tiêu đề gốc: cột chuẩn'.",
                   code=ProblemCode.OPTION_NOT_MAPPING)
    for key, value in mapping.items():
        spot = spots.spot(mapping, key) if spots else None
        row = spot.line if spot else None
        if not isinstance(key, str) or not isinstance(value, str) or not value.strip():
            raise fail(row, f"{clip(key)}: {clip(value)} is not a pair of names; both the "
                       "source header and the canonical column must be text.",
                       f"{clip(key)}: {clip(value)} không phải một cặp tên; cả tiêu đề gốc "
                       "và cột chuẩn đều phải là văn bản.",
                       f"write e.g. {example}; put a header that looks like a number or a "
                       "date in quotes.",
                       f"ví dụ {example}; tiêu đề trông như số hay ngày thì đặt trong dấu nháy.",
                       code=ProblemCode.OPTION_BAD_PAIR)
    return mapping


def _load(a: argparse.Namespace, kpis: str | None = None):
    from .io import load

    mapping = _read_mapping(a.mapping) if a.mapping else None
    return load(a.file, platform=a.platform, mapping=mapping, currency=a.currency,
                channel=a.channel, decimal=a.decimal, dayfirst=a.dayfirst, kpis=kpis)


_VALIDATE = {
    "en": {"ok": "{src}: OK ({platform} export)", "rows": "  rows: {n}, {a} to {b}",
           "scope": "  campaigns: {c}, channels: {ch}", "currency": "  currency: {cur}",
           "unknown": "unknown (pass --currency)", "columns": "  columns: {cols}",
           "dropped": "  dropped {n} total/summary row(s)", "ignored": "  ignored columns: {cols}"},
    "vi": {"ok": "{src}: hợp lệ (tệp xuất {platform})", "rows": "  số dòng: {n}, từ {a} đến {b}",
           "scope": "  chiến dịch: {c}, kênh: {ch}", "currency": "  tiền tệ: {cur}",
           "unknown": "chưa rõ (thêm --currency)", "columns": "  cột: {cols}",
           "dropped": "  đã bỏ {n} dòng tổng/tóm tắt", "ignored": "  cột bị bỏ qua: {cols}"},
}


def _validated(a: argparse.Namespace):
    df = _load(a, kpis=a.kpis)
    if a.kpis and a.by:
        from .compute import compute

        compute(df, a.kpis, by=a.by)  # raises on non-additive sums
    return df


def _cmd_validate(a: argparse.Namespace) -> int:
    # text: a summary, or (raised) the error on stderr with exit 2 like every command;
    # json: one document on stdout either way, exit 0 when usable and 1 when not
    if a.format == "json":
        return _validate_json(a)
    t = _VALIDATE[a.lang]
    df = _validated(a)
    at = df.attrs
    day = "%d/%m/%Y" if a.lang == "vi" else "%Y-%m-%d"
    print(t["ok"].format(src=at["source"], platform=at["platform"]))
    print(t["rows"].format(n=len(df), a=f"{df['date'].min():{day}}",
                           b=f"{df['date'].max():{day}}"))
    print(t["scope"].format(c=df["campaign"].nunique(),
                            ch=", ".join(sorted(df["channel"].unique()))))
    print(t["currency"].format(cur=at["currency"] or t["unknown"]))
    measures = [c for c in df.columns if c not in ("date", "date_end", "campaign", "channel")]
    print(t["columns"].format(cols=", ".join(measures)))
    # always shown, 0 included: a reader must see that no data row was left out
    print(t["dropped"].format(n=at.get("dropped_total_rows", 0)))
    if at["ignored_columns"]:
        print(t["ignored"].format(cols=", ".join(at["ignored_columns"])))
    return 0


#: ``kpikit validate --format json`` documents: their schema name and version
VALIDATION_SCHEMA = "kpikit/validation"
VALIDATION_SCHEMA_VERSION = 1


def _code_text(code: object) -> str | None:
    return None if code is None else str(code)


def _problem_json(p) -> dict:
    return {"code": _code_text(p.code), "message": p.message,
            "fix": p.fix, "file": p.file,
            # a DataFrame label may be a numpy integer or any hashable: JSON gets int or text
            "row": None if p.row is None else (
                int(p.row) if isinstance(p.row, numbers.Integral) else str(p.row)),
            "column": None if p.column is None else str(p.column)}


def validation_document(a: argparse.Namespace) -> tuple[dict, int]:
    """Validate ``a.file`` as ``kpikit validate`` does; return the JSON document and exit code.

    The document follows ``kpikit/schemas/validation.schema.json``: every problem found,
    each with its stable :class:`kpikit.errors.ProblemCode`, its message and fix in the
    current language and where it is. Exit code 0 when the file is usable, 1 when not.
    """
    from . import __version__
    from ._yaml import OptionFileError
    from .errors import DataError, Problem

    doc: dict = {"schema": VALIDATION_SCHEMA, "schema_version": VALIDATION_SCHEMA_VERSION,
                 "kpikit_version": __version__, "lang": language(), "file": a.file,
                 "ok": False, "rows": None, "columns": [], "platform": None,
                 "currency": None, "date_start": None, "date_end": None, "campaigns": None,
                 "channels": [], "dropped_summary_rows": None, "ignored_columns": [],
                 "warnings": [], "problems": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            df = _validated(a)
        except DataError as e:
            problems = e.problems
        except OptionFileError as e:
            problems = [e.problem]
        except KpikitError as e:
            # a refusal for one reason (no such file, a folder, an unknown platform): its
            # message says where and ends with the fix, which gets its own field
            text = str(e)
            marker = tr(" Fix: ", " Cách sửa: ")
            message, _, fix = text.partition(marker) if marker in text else (text, "", "")
            problems = [Problem(message, fix, a.file, code=e.code)]
        else:
            problems = []
    from .errors import KpikitWarning

    doc["warnings"] = [{"code": _code_text(getattr(w.message, "code", None)),
                        "message": str(w.message)}
                       for w in caught if issubclass(w.category, KpikitWarning)]
    if problems:
        doc["problems"] = [_problem_json(p) for p in problems]
        return doc, 1
    at = df.attrs
    measures = [c for c in df.columns if c not in ("date", "date_end", "campaign", "channel")]
    doc.update(ok=True, rows=len(df), columns=[str(c) for c in measures],
               platform=at.get("platform"), currency=at.get("currency"),
               date_start=f"{df['date'].min():%Y-%m-%d}" if len(df) else None,
               date_end=f"{df['date'].max():%Y-%m-%d}" if len(df) else None,
               campaigns=int(df["campaign"].nunique()),
               channels=sorted(str(c) for c in df["channel"].unique()),
               dropped_summary_rows=int(at.get("dropped_total_rows", 0)),
               ignored_columns=[str(c) for c in at.get("ignored_columns", [])])
    return doc, 0


def _validate_json(a: argparse.Namespace) -> int:
    doc, code = validation_document(a)
    print(json.dumps(doc, ensure_ascii=False, indent=1))
    return code


def _cmd_kpis(a: argparse.Namespace) -> int:
    from .catalog import list_kpis
    lang = a.lang
    rows = list_kpis(a.objective, lang=lang)
    if a.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    head = {"en": ["name", "label", "formula", "better", "horizon", "objectives"],
            "vi": ["tên", "nhãn", "công thức", "tốt hơn khi", "tầm nhìn", "mục tiêu"]}[lang]
    better = {"en": {"higher": "higher", "lower": "lower"},
              "vi": {"higher": "cao hơn", "lower": "thấp hơn"}}[lang]
    horizon = {"en": {"short": "short", "long": "long"},
               "vi": {"short": "ngắn hạn", "long": "dài hạn"}}[lang]
    print(_table([[r["name"], r["label"], r["formula"], better[r["direction"]],
                   horizon[r["horizon"]], r["objectives"]] for r in rows], head))
    return 0


def _write_table(df, out: str | None) -> None:
    from ._files import atomic_write
    from ._safe import neutral_frame, write_xlsx

    df = df.copy()
    if "period" in df:
        df["period"] = df["period"].astype(str)
    if out is None:
        # stdout is often redirected into a .csv a spreadsheet opens: text cells that
        # start like a formula are neutralised there too
        sys.stdout.write(neutral_frame(df).to_csv(index=False, lineterminator="\n"))
        return
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # BOM so that Excel shows Vietnamese letters right
        safe = neutral_frame(df)
        atomic_write(path, lambda p: safe.to_csv(p, index=False, encoding="utf-8-sig"))
    elif suffix == ".xlsx":
        # text cells are written as strings, never formulas (the exact text is kept)
        atomic_write(path, lambda p: write_xlsx(df, p))
    elif suffix in (".parquet", ".pq"):
        atomic_write(path, lambda p: df.to_parquet(p, index=False))
    else:
        raise ParameterError(tr(f"-o {out}: unsupported output type. Fix: end it with .csv, "
                                ".xlsx or .parquet.",
                                f"-o {out}: không hỗ trợ loại tệp ra này. Cách sửa: dùng đuôi "
                                ".csv, .xlsx hoặc .parquet."),
                             code=ProblemCode.FILE_UNSUPPORTED_TYPE)
    print(tr(f"wrote {len(df)} rows to {path}", f"đã ghi {len(df)} dòng vào {path}"),
          file=sys.stderr)


def _cmd_compute(a: argparse.Namespace) -> int:
    from .compute import compute

    loader_options = (a.platform != "auto" or a.mapping or a.currency or a.channel
                      or a.decimal or a.dayfirst is not None)
    engine = a.engine
    if engine == "auto":
        from . import _duck

        engine = "duckdb" if not loader_options and _duck.is_canonical(a.file) else "pandas"
    if engine == "duckdb":
        if loader_options:
            raise ParameterError(tr(
                "--engine duckdb reads canonical Parquet/CSV tables as they are; drop the "
                "loader options (--platform, --mapping, ...), or use --engine pandas.",
                "--engine duckdb đọc nguyên trạng bảng Parquet/CSV chuẩn; bỏ các tùy chọn "
                "đọc (--platform, --mapping, ...), hoặc dùng --engine pandas."),
                                 code=ProblemCode.PARAMETER_CONFLICT)
        result = compute(a.file, a.kpis, by=a.by, include_measures=a.include_measures,
                         engine="duckdb")
        dropped = result.attrs.get("dropped_total_rows", 0)
    elif not loader_options and Path(a.file).is_dir():
        # a folder of exports: each file loaded, then checked together (kpikit.compute)
        result = compute(a.file, a.kpis, by=a.by, include_measures=a.include_measures,
                         engine="pandas")
        dropped = result.attrs.get("dropped_total_rows", 0)
    else:
        df = _load(a, kpis=a.kpis)
        result = compute(df, a.kpis, by=a.by, include_measures=a.include_measures)
        dropped = df.attrs.get("dropped_total_rows", 0)
    # on stderr, so that the table on stdout stays clean CSV
    print(_VALIDATE[a.lang]["dropped"].format(n=dropped).strip(), file=sys.stderr)
    _write_table(result, a.output)
    return 0


def _cmd_sample(a: argparse.Namespace) -> int:
    from .sample import write_sample

    path = write_sample(a.output, seed=a.seed, start=a.start, end=a.end)
    print(path)
    return 0


def _cmd_demo(a: argparse.Namespace) -> int:
    from .compute import compute
    from .format import format_value
    from .sample import load_sample, sample_path

    lang = a.lang
    df = load_sample()
    kpis = ["revenue", "roas", "cpa", "cpl", "ctr", "cpm"]
    table = compute(df, kpis, by=("campaign", "channel"), include_measures=True)
    cur = df.attrs["currency"]
    rows = [
        [r["campaign"], r["channel"],
         format_value(r["spend"], "revenue", lang=lang, currency=cur),  # spend is money too
         *(format_value(r[k], k, lang=lang, currency=cur) for k in kpis)]
        for _, r in table.iterrows()
    ]
    from .catalog import get_kpi

    words = {"en": ("campaign", "channel", "spend", "rows"),
             "vi": ("chiến dịch", "kênh", "chi phí", "dòng")}[lang]
    head = [*words[:3], *(get_kpi(k).short_label(lang) if lang == "vi" else k for k in kpis)]
    print(f"kpikit demo: {sample_path()} ({len(df)} {words[3]}, {cur})\n")
    print(_table(rows, head))
    if a.table_only:
        return 0
    from functools import partial

    from .batch import demo_spec, print_progress, run_batch

    print({"en": "\nRunning the demo batch (goal setting, evaluation, optimisation per "
                 "campaign)...",
           "vi": "\nĐang chạy lô demo (đặt mục tiêu, đánh giá, tối ưu cho từng chiến "
                 "dịch)..."}[lang], flush=True)
    with _interruptible(lang):
        return _report(run_batch(demo_spec(a.output_dir, lang), jobs=a.jobs, force=a.force,
                                 progress=partial(print_progress, lang=lang),
                                 timeout=a.timeout, wait=a.wait,
                                 on_wait=partial(_waiting, lang=lang)), lang)


def _cmd_batch(a: argparse.Namespace) -> int:
    from functools import partial

    from .batch import load_spec, print_progress, run_batch

    spec = load_spec(a.spec)
    lang = a.lang if a.lang_given else spec.parameters.get("lang", a.lang)
    a.lang = lang if lang in LANGS else "en"
    with using_language(a.lang), _interruptible(a.lang):
        result = run_batch(spec, jobs=a.jobs, force=a.force,
                           progress=partial(print_progress, lang=a.lang),
                           executor=a.executor, scheduler=a.scheduler,
                           timeout=a.timeout, wait=a.wait,
                           on_wait=partial(_waiting, lang=a.lang), notify_url=a.notify_url)
        code = _report(result, a.lang)
        # --fail-on: an active alert of that severity or worse fails cron and CI (exit 3)
        return code or (3 if result.monitor is not None
                        and result.monitor.failing(a.fail_on) else 0)


class _Interrupted(SystemExit):
    """Ctrl+C during a batch: exit 130 with a word on resuming, not a traceback."""


@contextmanager
def _interruptible(lang: str) -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        print("\nĐã dừng. Các lượt đã xong được giữ lại; chạy lại cùng lệnh để tiếp tục."
              if lang == "vi" else "\nInterrupted. Finished runs are kept; run the same "
              "command again to resume.", file=sys.stderr)
        raise _Interrupted(130) from None


def _waiting(info: dict, lang: str = "en") -> None:
    """Say once that this batch queues behind another one on the same folder."""
    pid, started = info.get("pid", "?"), info.get("started", "?")
    print(f"Đang đợi lô khác (PID {pid}, bắt đầu lúc {started}) chạy xong..." if lang == "vi"
          else f"Waiting for the batch already running here (PID {pid}, started "
          f"{started})...", file=sys.stderr, flush=True)


def _report(result, lang: str | None = None) -> int:
    """List a batch's failures and alerts, end with the index path; exit code 1 if any failed."""
    lang = resolve_lang(lang)
    mon = getattr(result, "monitor", None)
    if mon is not None and mon.alerts:
        print(f"\n{len(mon.alerts)} cảnh báo:" if lang == "vi" else
              f"\n{len(mon.alerts)} alert(s):", file=sys.stderr)
        words = {"critical": "nghiêm trọng", "warning": "cảnh báo", "info": "thông tin"}
        for al in mon.alerts:
            text = al["message"].get(lang) or al["message"]["en"]
            sev = words.get(al["severity"], al["severity"]) if lang == "vi" else al["severity"]
            print(f"  [{sev}] {text}", file=sys.stderr)
    for n in getattr(mon, "notifications", ()) or ():
        if not n.get("ok"):
            print(("  gửi thông báo thất bại" if lang == "vi" else "  notification failed") +
                  f" ({n.get('channel')}): {n.get('error')}", file=sys.stderr)
    if result.failed:
        n = len(result.failed)
        print(f"\n{n} lượt chạy bị lỗi:" if lang == "vi" else f"\n{n} run(s) failed:",
              file=sys.stderr)
        for r in result.failed:
            print(f"  {r['label']}: {r.get('error')}", file=sys.stderr)
    print(result.index)
    return 1 if result.failed else 0


def _cmd_plan_suggest(a: argparse.Namespace) -> int:
    from .goals import suggest_plan
    from .plan import parse_period

    df = _load(a)
    period = parse_period(a.period) if a.period else None
    plan = suggest_plan(df, a.objective, campaign=a.campaign, period=period,
                        lang=a.lang, n_kpis=a.n_kpis)
    if a.output:
        plan.to_yaml(a.output)
        n = sum(1 for _ in plan.targets())
        print(tr(f"wrote {a.output}: {n} KPIs; name the owners and adjust the targets, then "
                 "run: kpikit plan check",
                 f"đã ghi {a.output}: {n} KPI; đặt người phụ trách và chỉnh chỉ tiêu, rồi "
                 "chạy: kpikit plan check"), file=sys.stderr)
    else:
        sys.stdout.write(plan.to_yaml())
    return 0


def _cmd_plan_check(a: argparse.Namespace) -> int:
    from .format import format_change, format_number, format_percent, format_value
    from .goals import FEASIBILITY_LABELS, check_plan
    from .plan import Plan

    lang = a.lang
    plan = Plan.from_yaml(Path(a.plan))
    df = _load(a, kpis=plan.kpi_names())
    check = check_plan(plan, df)
    cur = df.attrs.get("currency") or plan.currency
    i = 1 if lang == "vi" else 0
    print(_span(plan.name, plan.period[0], plan.period[1], lang) + "\n")
    from .goals import METHOD_TEXT
    from .notebook import translate

    def _count(n: object) -> str:
        """' 3' after 'trailing' (nothing for the other methods)."""
        return f" {n:.0f}" if isinstance(n, int | float) and n == n else ""

    def when(d: object) -> str:
        return _day(d, lang) if hasattr(d, "strftime") else str(d)

    rows = [[r.kpi, translate(r.owner, lang), translate(r.cadence, lang),
             translate(r.horizon, lang),
             format_value(r.target, r.kpi, lang=lang, currency=cur),
             format_value(r.baseline, r.kpi, lang=lang, currency=cur),
             f"{METHOD_TEXT.get(r.baseline_method, (r.baseline_method,) * 2)[i]}"
             f"{_count(r.baseline_trailing)} {when(r.baseline_start)}..{when(r.baseline_end)}",
             format_change(r.change_vs_baseline, lang),
             FEASIBILITY_LABELS[r.feasibility][i]
             + ("" if r.percentile != r.percentile else f" (p{r.percentile:.0f})")]
            for r in check.targets.itertuples()]
    print(_table(rows, _heads("kpi", "owner", "cadence", "horizon", "target", "baseline",
                              "baseline from", "vs baseline", "feasibility")))
    for r in check.targets.itertuples():
        if r.baseline_note:
            print(tr(f"baseline of {r.kpi}: {r.baseline_note}",
                     f"mức cơ sở của {r.kpi}: {r.baseline_note}"))
    print(tr("\ndata (baseline window):", "\ndữ liệu (khoảng cơ sở):"))
    av = check.availability
    print(_table([[r.kpi, f"{when(r.window_start)}..{when(r.window_end)}",
                   format_number(r.days_covered, 0, lang), format_number(r.missing_days, 0, lang),
                   format_percent(r.null_share, 0, lang), r.missing_measures or "",
                   translate(r.status, lang)] for r in av.itertuples()],
                 _heads("kpi", "window", "days", "missing", "empty", "missing measures",
                        "status")))
    if check.cascade is not None:
        c = check.cascade
        cover = format_percent(c.coverage, 1, lang)
        print(tr(f"\nKPI tree: {c.tree.formula()} (covers {cover} of the goal)",
                 f"\nCây KPI: {c.tree.formula()} (bao phủ {cover} mục tiêu)"))
        print(_table([[r.kpi, format_value(r.baseline, r.kpi, lang=lang, currency=cur),
                       format_value(r.target, r.kpi, lang=lang, currency=cur),
                       format_change(r.change, lang, 2), translate(r.source, lang)]
                      for r in c.drivers.itertuples()],
                     _heads("driver", "baseline", "target", "change", "from")))
    for line in check.contradictions:
        print(tr(f"CONTRADICTION: {line}", f"MÂU THUẪN: {line}"))
    for line in check.warnings:
        print(tr(f"note: {line}", f"lưu ý: {line}"))
    print(tr("\nOK", "\nĐẠT") if check.ok else tr(
        "\nNOT OK: fix the contradictions or unmeasurable KPIs above",
        "\nCHƯA ĐẠT: sửa các mâu thuẫn hoặc KPI không đo được ở trên"))
    return 0 if check.ok else 1


def _cmd_evaluate(a: argparse.Namespace) -> int:
    from .evaluate import STATUS_TEXT, evaluate
    from .format import format_change, format_percent, format_value
    from .plan import Plan

    lang = a.lang
    plan = Plan.from_yaml(Path(a.plan))
    if a.campaign:
        plan = plan.for_campaign(a.campaign)
    df = _load(a, kpis=plan.kpi_names())
    ev = evaluate(df, plan, as_of=a.as_of, period=a.period, pacing=a.pacing, lang=lang)
    cur = df.attrs.get("currency") or plan.currency
    i = 1 if lang == "vi" else 0
    print(_span(plan.name, ev.period[0], ev.period[1], lang, ev.as_of) + "\n")
    est = " (ước tính)" if lang == "vi" else " (est.)"
    rows = [[r.kpi, r.owner, STATUS_TEXT[r.status][i],
             format_value(r.actual, r.kpi, lang=lang, currency=cur)
             + (est if bool(getattr(r, "estimated", False)) else ""),
             format_value(r.expected, r.kpi, lang=lang, currency=cur),
             format_value(r.target, r.kpi, lang=lang, currency=cur),
             format_value(r.projection, r.kpi, lang=lang, currency=cur),
             format_percent(r.probability, 0, lang),
             format_change(getattr(r, "change_ly", float("nan")), lang)]
            for r in ev.totals().itertuples()]
    print(_table(rows, _heads("kpi", "owner", "status", "actual", "expected", "target",
                              "projection", "P(reach)", "vs last year")))
    print()
    from .notebook import estimated_line, freshness_line

    for extra in (freshness_line(ev, lang), estimated_line(ev, lang)):
        if extra:
            print(extra)
    print()
    for line in ev.summary:
        print(f"- {line}")
    if a.output:
        from ._files import atomic_write_text
        from .notebook import evaluation_payload, results_text

        params = {"data_path": a.file, "plan_path": a.plan, "campaign": a.campaign,
                  "as_of": str(ev.as_of), "period": a.period or "campaign", "lang": lang,
                  "output_dir": str(Path(a.output).parent)}
        atomic_write_text(Path(a.output), results_text(
            "evaluation", evaluation_payload(ev, params, {})))
        print(tr(f"wrote {a.output}", f"đã ghi {a.output}"), file=sys.stderr)
    return 0


def _read_bounds(name: str) -> dict[str, list[float | None]]:
    """Read ``--bounds``: YAML ``channel: [min, max]`` (null for no limit), checked here.

    Raises
    ------
    ParameterError
        Naming the file, the line and the fix.
    """
    import math

    from ._lang import nfmt
    from ._yaml import OptionFileError, clip, load_file
    from .errors import Problem

    label = f"--bounds {name}"
    loaded = load_file(Path(name), label)
    bounds = loaded.data if loaded.data is not None else {}

    def fail(row: int | None, en: str, vi: str, *, code: ProblemCode) -> OptionFileError:
        return OptionFileError(Problem(tr(en, vi), tr(
            "write one line per channel, e.g. 'search: [1000000, 5000000]' or "
            "'video: [0, null]' (null: no limit); amounts are plain numbers.",
            "mỗi kênh một dòng, ví dụ 'search: [1000000, 5000000]' hoặc 'video: [0, null]' "
            "(null: không giới hạn); số tiền viết ở dạng số thường."), label, row, code=code))

    if not isinstance(bounds, dict):
        raise fail(None, f"must map channel -> [min, max], not {clip(bounds)}.",
                   f"phải ánh xạ kênh -> [min, max], không phải {clip(bounds)}.",
                   code=ProblemCode.OPTION_NOT_MAPPING)
    for ch, b in bounds.items():
        spot = loaded.spot(bounds, ch)
        row = spot.line if spot else None
        if not isinstance(ch, str):
            raise fail(row, f"the channel {clip(ch)} must be a name.",
                       f"kênh {clip(ch)} phải là một cái tên.", code=ProblemCode.OPTION_BAD_PAIR)
        ok = isinstance(b, list) and len(b) == 2 and all(
            x is None or (isinstance(x, (int, float)) and not isinstance(x, bool)
                          and math.isfinite(x) and x >= 0) for x in b)
        if not ok:
            raise fail(row, f"{clip(ch)}: {clip(b)} is not [min, max] with two amounts of 0 "
                       "or more.",
                       f"{clip(ch)}: {clip(b)} không phải [min, max] gồm hai số tiền từ 0 "
                       "trở lên.", code=ProblemCode.OPTION_BAD_PAIR)
        if b[0] is not None and b[1] is not None and b[1] < b[0]:
            hi, lo = nfmt(b[1], ",.15g"), nfmt(b[0], ",.15g")
            raise fail(row, f"{clip(ch)}: the maximum {hi} is below the minimum {lo}.",
                       f"{clip(ch)}: mức tối đa {hi} thấp hơn mức tối thiểu {lo}.",
                       code=ProblemCode.OPTION_MIN_ABOVE_MAX)
    return bounds


def _cmd_optimize(a: argparse.Namespace) -> int:
    from ._lang import nfmt
    from .format import format_change, format_money, format_percent
    from .optimize import (
        allocate,
        fit_curves,
        fit_joint,
        is_meridian,
        load_meridian,
        recommendations,
    )

    lang = a.lang
    bounds = _read_bounds(a.bounds) if a.bounds else {}
    import pandas as pd

    currency = None
    from ._files import read_limited

    head = b""
    if Path(a.file).suffix.lower() == ".csv":
        head = read_limited(Path(a.file), "optimize").split(b"\n", 1)[0]
    if head and is_meridian(pd.read_csv(io.BytesIO(head), nrows=0).columns):
        spend, conversions, revenue = load_meridian(a.file)
        currency = getattr(a, "currency", None)
        outcome = revenue if a.outcome == "revenue" else conversions
        curves, _ = fit_joint(spend, outcome, outcome_name=a.outcome)
        refused: dict[str, str] = {}
    else:
        df = _load(a)
        currency = df.attrs.get("currency") or getattr(a, "currency", None)
        curves, refused = fit_curves(df, outcome=a.outcome,
                                     campaigns=[a.campaign] if a.campaign else [], freq=a.freq)
    for why in refused.values():
        print(tr(f"note: {why}", f"lưu ý: {why}"), file=sys.stderr)
    if not currency:
        print(tr("note: the file does not say its currency, so amounts are shown without "
                 "one. Fix: pass --currency (e.g. --currency VND).",
                 "lưu ý: tệp không ghi đơn vị tiền tệ nên số tiền hiển thị không kèm đơn vị. "
                 "Cách sửa: thêm --currency (ví dụ --currency VND)."), file=sys.stderr)
    alloc = allocate(curves, budget=a.budget, mode=a.mode, target=a.target, bounds=bounds)
    rows = [[r.channel, format_money(r.current, currency, lang),
             format_money(r.recommended, currency, lang),
             format_change(r.change_pct, lang),
             _sig(r.marginal_current, lang), _sig(r.marginal, lang),
             _binding(r.binding, lang)]
            for r in alloc.table.itertuples()]
    print(_table(rows, _heads("channel", "current", "recommended", "change", "marginal now",
                              "marginal after", "binding")))
    print()
    for c in curves.values():
        mape, naive = (format_percent(c.holdout_mape, 1, lang),
                       format_percent(c.holdout_naive, 1, lang))
        r2 = nfmt(c.r2, ".2f", lang)
        ho = "–" if c.holdout_ok is None else tr(f"{mape} (mean {naive})",
                                                 f"{mape} (trung bình {naive})")
        print(tr(f"fit {c.channel}: R² {r2}, holdout error {ho} over {c.holdout_n} "
                 "periods",
                 f"đường cong {c.channel}: R² {r2}, sai số giữ lại {ho} trên "
                 f"{c.holdout_n} kỳ"))
    print()
    for line in recommendations(alloc, lang=lang, currency=currency, curves=curves):
        print(f"- {line}")
    if a.output:
        from ._files import atomic_write_text
        from .notebook import records, results_text

        payload = {"mode": alloc.mode, "outcome": alloc.outcome, "budget": alloc.budget,
                   "target": alloc.target, "allocation": records(alloc.table),
                   "expected": {"current": alloc.outcome_current,
                                "recommended": alloc.outcome_recommended,
                                "low": alloc.outcome_low, "high": alloc.outcome_high,
                                "lift": alloc.lift},
                   "gain": {"expected": alloc.gain, "low": alloc.gain_low,
                            "high": alloc.gain_high, "probability": alloc.prob_gain,
                            "verdict": alloc.verdict},
                   "holdout": {ch: {"r2": c.r2, "error": c.holdout_mape,
                                    "mean_error": c.holdout_naive, "periods": c.holdout_n,
                                    "passed": c.holdout_ok} for ch, c in curves.items()},
                   "currency": currency,
                   "binding_constraints": list(alloc.binding), "refused_channels": refused}
        atomic_write_text(Path(a.output), results_text("optimization_cli", payload))
        print(tr(f"wrote {a.output}", f"đã ghi {a.output}"), file=sys.stderr)
    return 0


def _cmd_lesson(a: argparse.Namespace) -> int:
    """Serve the KPI basics lesson without code (Voila) until Ctrl+C: kernels started
    ahead for the class, idle ones stopped (see :mod:`kpikit.runs.lesson_server`)."""
    from .batch import notebook_path
    from .runs.lesson_server import serve_lesson

    return serve_lesson(notebook_path("00_kpi_basics"), lang=a.lang, port=a.port,
                        no_browser=a.no_browser)


def _speak(parser: argparse.ArgumentParser, lang: str) -> argparse.ArgumentParser:
    """Give ``parser`` (and its sub-commands) the help texts of ``lang``."""
    if lang != "vi":
        return parser
    from ._cli_vi import HELP_VI

    def walk(p: argparse.ArgumentParser) -> None:
        p.description = HELP_VI.get(p.description or "", p.description)
        for action in p._actions:
            if isinstance(action.help, str):
                action.help = HELP_VI.get(action.help, action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = HELP_VI.get(choice.help or "", choice.help)
                for sub in dict.fromkeys(action.choices.values()):
                    walk(sub)

    walk(parser)
    return parser


def _lang_of(argv: Sequence[str]) -> str:
    """The language asked for on the command line (``--lang vi``), else the current one."""
    args = list(argv)
    for i, a in enumerate(args):
        given = a.split("=", 1)[1] if a.startswith("--lang=") else (
            args[i + 1] if a == "--lang" and i + 1 < len(args) else None)
        if given in LANGS:
            return given
    return language()


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """Return the argument parser of the ``kpikit`` command, its help in ``lang``."""
    lang = resolve_lang(lang)
    with _argparse_words(lang):  # its section titles are fixed when it is made
        return _speak(_build(), lang)


def _build() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(prog="kpikit", description="Marketing KPIs, computed right.")
    p.add_argument("--version", action="version", version=f"kpikit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser("validate", help="check an export and report every problem")
    _load_args(v)
    v.add_argument("--kpis", help="KPIs you will compute, e.g. ctr,cpa (checks their columns)")
    v.add_argument("--by", help="grouping you will use, e.g. campaign,month")
    v.add_argument("--lang", help=_LANG_HELP)
    v.add_argument("--format", default="text", choices=["text", "json"],
                   help="text (default), or json: every problem with its stable code "
                        "(kpikit.errors.ProblemCode), exit code 0 when usable, 1 when not")
    v.set_defaults(func=_cmd_validate)

    k = sub.add_parser("kpis", help="list the KPI catalog")
    k.add_argument("--objective", help="sales, leads, awareness, engagement, traffic, retention")
    k.add_argument("--lang", help=_LANG_HELP)
    k.add_argument("--json", action="store_true", help="print JSON")
    k.set_defaults(func=_cmd_kpis)

    c = sub.add_parser("compute", help="compute KPIs by any grouping and period")
    _load_args(c)
    c.add_argument("--by", default="campaign",
                   help="columns and a period word: campaign,channel,month (default: campaign)")
    c.add_argument("--kpis", help="comma-separated KPI names (default: all computable)")
    c.add_argument("--include-measures", action="store_true",
                   help="also write the aggregated measures")
    c.add_argument("-o", "--output", help="out.csv, out.xlsx or out.parquet (default: stdout)")
    c.add_argument("--engine", default="auto", choices=["auto", "pandas", "duckdb"],
                   help="auto: DuckDB for canonical Parquet/CSV files and folders (any size, "
                        "only the needed columns read), pandas for platform exports")
    c.add_argument("--lang", help=_LANG_HELP)
    c.set_defaults(func=_cmd_compute)

    s = sub.add_parser("sample", help="generate the sample data set")
    s.add_argument("-o", "--output", default="sample_campaigns.csv")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--start", default="2025-01-01")
    s.add_argument("--end", default="2027-06-30")
    s.add_argument("--lang", help=_LANG_HELP)
    s.set_defaults(func=_cmd_sample)

    pl = sub.add_parser("plan", help="suggest or check a KPI plan")
    psub = pl.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    ps = psub.add_parser("suggest", help="suggest a starting plan from the data")
    _load_args(ps)
    ps.add_argument("--objective", required=True,
                    help="sales, leads, awareness, engagement, traffic or retention")
    ps.add_argument("--campaign", help="campaign the plan is for (default: all)")
    ps.add_argument("--period", help="2027Q1, 2027-01, 2027 or 2027-01-01:2027-02-28 "
                                     "(default: the quarter after the data)")
    ps.add_argument("--lang", help=_LANG_HELP)
    ps.add_argument("--n-kpis", type=int, default=5, help="how many KPIs (default 5)")
    ps.add_argument("-o", "--output", help="plan.yaml (default: stdout)")
    ps.set_defaults(func=_cmd_plan_suggest)
    pc = psub.add_parser("check", help="check a plan against the data")
    pc.add_argument("plan", help="plan YAML")
    _load_args(pc)
    pc.add_argument("--lang", help=_LANG_HELP)
    pc.set_defaults(func=_cmd_plan_check)

    e = sub.add_parser("evaluate", help="judge a plan's KPIs against the data as of a date")
    _load_args(e)
    e.add_argument("plan", help="plan YAML")
    e.add_argument("--as-of", required=True, help="last day of data to judge (yyyy-mm-dd)")
    e.add_argument("--period", help="campaign (default), 2027-01, 2027Q1 or a range")
    e.add_argument("--campaign", help="narrow the plan to one campaign")
    e.add_argument("--pacing", default="seasonal", choices=["seasonal", "linear"],
                   help="expected path to the target (default: seasonal)")
    e.add_argument("--lang", help=_LANG_HELP)
    e.add_argument("-o", "--output", help="write results.json here")
    e.set_defaults(func=_cmd_evaluate)

    o = sub.add_parser("optimize", help="fit response curves and allocate a budget")
    _load_args(o)
    o.add_argument("--budget", type=float, help="spend per period to allocate (default: current)")
    o.add_argument("--mode", default="max-outcome",
                   choices=["max-outcome", "min-budget", "target-cpa", "target-roas"])
    o.add_argument("--target", type=float, help="outcome, CPA or ROAS target of the mode")
    o.add_argument("--bounds", metavar="FILE", help="YAML: channel: [min, max] per period")
    o.add_argument("--campaign", help="campaign whose channels are optimised")
    o.add_argument("--outcome", default="revenue", choices=["revenue", "conversions"])
    o.add_argument("--freq", default="D", choices=["D", "W"], help="period of the curves")
    o.add_argument("--lang", help=_LANG_HELP)
    o.add_argument("-o", "--output", help="write the result as JSON here")
    o.set_defaults(func=_cmd_optimize)

    b = sub.add_parser("batch", help="run notebooks per campaign from a spec (YAML)")
    b.add_argument("spec", help="batch spec YAML")
    b.add_argument("--jobs", type=int, help="parallel runs (default: the cores)")
    b.add_argument("--force", action="store_true", help="rerun complete runs too")
    b.add_argument("--executor", default="local", choices=["local", "dask"],
                   help="local processes (default) or a Dask distributed cluster")
    b.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    _run_options(b)
    b.add_argument("--lang", help=_LANG_HELP + "; default for batch: the spec's lang")
    b.add_argument("--notify-url", help="webhook (Slack, Teams) that gets one JSON message "
                   "per new or resolved alert")
    b.add_argument("--fail-on", choices=["info", "warning", "critical"],
                   help="exit with code 3 when an alert of this severity or worse is active")
    b.set_defaults(func=_cmd_batch)

    d = sub.add_parser("demo", help="run the demo batch on the bundled sample data")
    d.add_argument("--lang", help=_LANG_HELP)
    d.add_argument("--output-dir", default="kpikit-out/demo", help="where the reports go")
    d.add_argument("--jobs", type=int, help="parallel runs (default: the cores)")
    d.add_argument("--force", action="store_true", help="rerun complete runs too")
    d.add_argument("--table-only", action="store_true", help="only print the KPI table")
    _run_options(d)
    d.set_defaults(func=_cmd_demo)

    le = sub.add_parser("lesson", help="serve the KPI basics lesson for a class (Voila)")
    le.add_argument("--lang", help=_LANG_HELP)
    le.add_argument("--port", type=int, default=8866, help="local port (default 8866)")
    le.add_argument("--no-browser", action="store_true", help="do not open a browser")
    le.set_defaults(func=_cmd_lesson)
    return p


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(tr(f"{text!r}: expected a number of seconds above 0",
                                            f"{text!r}: cần một số giây lớn hơn 0"))
    return value


def _run_options(p: argparse.ArgumentParser) -> None:
    """Options of commands that run a batch."""
    p.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                   help="stop a run that takes longer (default: the spec's timeout, else "
                        "1800); the run is marked failed with the cell that hung")
    p.add_argument("--wait", type=_seconds, default=0.0, metavar="SECONDS",
                   help="if another batch is running on the output folder, wait this long "
                        "for it (default: refuse at once, naming it)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kpikit`` command; return its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    asked = _lang_of(argv)
    parser = build_parser(asked)
    with _argparse_words(asked):
        args = parser.parse_args(argv)
    args.lang_given = getattr(args, "lang", None) is not None
    args.lang = getattr(args, "lang", None) or language()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            from .format import check_lang

            lang = check_lang(args.lang)
        except KpikitError as e:
            args.lang = "en"
            print(f"error: {e}", file=sys.stderr)
            return EXIT_ERROR
        try:
            with using_language(lang):
                code = args.func(args)
        except KpikitError as e:
            _show(caught, args)
            print(f"{_word('error', args)}: {e}", file=sys.stderr)
            return EXIT_ERROR
        except BrokenPipeError:  # `kpikit compute ... | head`
            return 0
    _show(caught, args)
    return code


@contextmanager
def _argparse_words(lang: str) -> Iterator[None]:
    """argparse's own words (usage, options, its errors) in ``lang`` while parsing."""
    if lang != "vi":
        yield
        return
    from ._cli_vi import ARGPARSE_VI

    original = argparse._
    argparse._ = lambda text: ARGPARSE_VI.get(text, original(text))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


def _word(word: str, args: argparse.Namespace) -> str:
    """``error``/``warning`` in the command's language."""
    vi = getattr(args, "lang", "en") == "vi"
    return {"error": "lỗi", "warning": "cảnh báo"}[word] if vi else word


def _show(caught: list[warnings.WarningMessage], args: argparse.Namespace) -> None:
    from .errors import KpikitWarning

    for w in caught:
        if issubclass(w.category, KpikitWarning):
            print(f"{_word('warning', args)}: {w.message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
