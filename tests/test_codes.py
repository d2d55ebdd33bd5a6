"""Problems and errors carry stable, language-independent codes (kpikit.errors.ProblemCode)."""

from __future__ import annotations

import ast
import json
import pickle
import re
from pathlib import Path

import pandas as pd
import pytest

import kpikit
from kpikit.cli import main
from kpikit.errors import (
    CODE_DOCS,
    DataError,
    KpikitError,
    ParameterError,
    Problem,
    ProblemCode,
    UnknownKPIError,
)

PACKAGE = Path(kpikit.__file__).parent
README = PACKAGE.parent / "README.md"
C = ProblemCode

# errors whose code comes from the problems they carry (each Problem is checked itself)
_CARRIERS = {"DataError", "MissingColumnsError", "NonAdditiveError", "PlanError",
             "OptionFileError"}


def _error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """Names of every KpikitError subclass defined in kpikit (found by walking the bases)."""
    bases: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {ast.unparse(b).split(".")[-1] for b in node.bases}
    found = {"KpikitError"}
    while True:
        more = {n for n, bs in bases.items() if bs & found} - found
        if not more:
            return found
        found |= more


def _needs_code(trees: dict[str, ast.Module]) -> set[str]:
    """Helpers that take a keyword-only ``code`` with no default: callers must name it."""
    out = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                kw = node.args
                for arg, default in zip(kw.kwonlyargs, kw.kw_defaults, strict=True):
                    if arg.arg == "code" and default is None:
                        out.add(node.name)
    return out


def code_sites(trees: dict[str, ast.Module]) -> tuple[list[str], list[str]]:
    """Walk the sources: (sites that lack a valid code, names of the codes used).

    A site is a ``Problem(...)``, a call of a KpikitError subclass (raised or built to be
    raised later), a plan reader's ``bad(...)`` and a call of a helper whose ``code`` is
    required. Its ``code=`` must be ``ProblemCode.NAME`` (NAME in the registry), a
    parameter of the enclosing function (a helper passing on what it was given), or
    ``e.code`` (passing on the code of a caught error).
    """
    errors = _error_classes(trees) - _CARRIERS
    helpers = _needs_code(trees)
    bad: list[str] = []
    used: list[str] = []
    for name, tree in trees.items():
        scopes: list[tuple[ast.AST, set[str]]] = []
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                a = fn.args
                params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
                scopes.append((fn, params))
        parent_params: dict[int, set[str]] = {}
        for fn, params in scopes:
            for sub in ast.walk(fn):
                parent_params.setdefault(id(sub), set()).update(params)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "ProblemCode"):
                used.append(node.attr)
                if node.attr not in ProblemCode.__members__:
                    bad.append(f"{name}:{node.lineno} unknown code ProblemCode.{node.attr}")
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            callee = f.id if isinstance(f, ast.Name) else f.attr if isinstance(
                f, ast.Attribute) else ""
            if not (callee == "Problem" or callee in errors or callee == "bad"
                    or callee in helpers):
                continue
            where = f"{name}:{node.lineno} {callee}(...)"
            given = [k.value for k in node.keywords if k.arg == "code"]
            if not given:
                bad.append(f"{where} has no code=")
                continue
            value = given[0]
            if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
                if value.value.id == "ProblemCode" or value.attr == "code":
                    continue  # ProblemCode.NAME (checked above) or a caught error's e.code
            if isinstance(value, ast.Name) and value.id in parent_params.get(id(node), ()):
                continue
            if (isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or)
                    and ast.unparse(value.values[-1]).startswith("ProblemCode.")):
                continue  # a caught error's code, else ProblemCode.NAME as the fallback
            bad.append(f"{where} code={ast.unparse(value)} is neither ProblemCode.NAME, "
                       "a parameter nor e.code")
    return bad, used


def _package_trees() -> dict[str, ast.Module]:
    # every module, in sub-packages too (kpikit/data_in, kpikit/metrics, ...)
    return {p.relative_to(PACKAGE).as_posix(): ast.parse(p.read_text(encoding="utf-8"))
            for p in sorted(PACKAGE.rglob("*.py")) if p.name != "errors.py"}


def test_every_problem_and_raise_site_names_a_registered_code():
    bad, _ = code_sites(_package_trees())
    assert not bad, "sites without a valid code:\n" + "\n".join(bad)


def test_every_code_is_used_documented_and_well_formed():
    _, used = code_sites(_package_trees())
    dead = [c.name for c in ProblemCode if c.name not in used]
    assert not dead, f"codes no site uses: {dead}"
    assert set(CODE_DOCS) == set(ProblemCode)
    readme = README.read_text(encoding="utf-8")
    for c in ProblemCode:
        assert re.fullmatch(r"[a-z]+(\.[a-z_]+)+", c.value), c
        assert c.name == c.value.upper().replace(".", "_"), c  # one spelling from the other
        assert CODE_DOCS[c].endswith(".") and len(CODE_DOCS[c]) > 10, c
        assert f"`{c.value}`" in readme, f"README does not list {c.value}"


def test_the_walker_catches_a_missing_or_unknown_code():
    # the check above must be able to fail: fed sources with faults, it names each one
    src = '''
class KpikitError(Exception): ...
class ParameterError(KpikitError): ...
class MyError(ParameterError): ...
def helper(x, *, code): return Problem(x, code=code)
def f(a):
    raise MyError("x")
def g():
    raise ParameterError("x", code=ProblemCode.NO_SUCH_CODE)
def h():
    return Problem("m", "fix")
def i():
    raise helper("x")
def j(e):
    return Problem("m", code=e.code), helper("y", code=ProblemCode.FILE_EMPTY)
def k(c):
    return Problem("m", code=d)
'''
    bad, used = code_sites({"fake.py": ast.parse(src)})
    bad.sort(key=lambda b: int(b.split(" ")[0].split(":")[1]))
    assert [b.split(" ")[0] for b in bad] == ["fake.py:7", "fake.py:9", "fake.py:11",
                                              "fake.py:13", "fake.py:17"], bad
    assert "NO_SUCH_CODE" in bad[1] and "FILE_EMPTY" in used


def test_codes_are_strings_that_do_not_change_with_the_language(fixtures):
    bad = fixtures / "bad" / "many_problems.csv"
    with pytest.raises(DataError) as en:
        kpikit.load(bad)
    with kpikit.using_language("vi"), pytest.raises(DataError) as vi:
        kpikit.load(bad)
    # row 2 'x' in Clicks, row 3 negative Cost, row 4 'not a date'
    expected = [C.NUMBER_UNREADABLE, C.VALUE_NEGATIVE, C.DATE_UNREADABLE]
    assert en.value.codes == vi.value.codes == expected
    assert en.value.problems[0].message != vi.value.problems[0].message
    assert en.value.code is None  # three kinds: no single code for the whole error
    assert json.dumps(expected) == '["number.unreadable", "value.negative", "date.unreadable"]'


@pytest.mark.parametrize("name, code", [
    ("ambiguous_decimal.csv", C.NUMBER_AMBIGUOUS_SEPARATOR),
    ("bad_date.csv", C.DATE_UNREADABLE),
    ("duplicate_rows.csv", C.ROW_DUPLICATE),
    ("empty.csv", C.FILE_EMPTY),
    ("empty_campaign.csv", C.CAMPAIGN_EMPTY),
    ("empty_date.csv", C.DATE_EMPTY),
    ("header_only.csv", C.DATA_NO_ROWS),
    ("meta_end_before_start.csv", C.DATE_RANGE_REVERSED),
    ("mixed_currency.csv", C.CURRENCY_MIXED),
    ("negative_spend.csv", C.VALUE_NEGATIVE),
    ("no_date.csv", C.COLUMN_DATE_MISSING),
    ("no_header.csv", C.HEADER_NOT_FOUND),
    ("no_measures.csv", C.COLUMN_NO_MEASURES),
    ("not_utf8.csv", C.FILE_ENCODING),
])
def test_bad_exports_carry_the_code_of_their_fault(fixtures, name, code):
    with pytest.raises(DataError) as e:
        kpikit.load(fixtures / "bad" / name)
    assert code in e.value.codes, (name, e.value.codes)


def test_single_reason_errors_have_a_code(tmp_path):
    from kpikit.files import read_limited

    with pytest.raises(ParameterError) as e:
        read_limited(tmp_path, "folder")
    assert e.value.code == C.FILE_IS_FOLDER
    with pytest.raises(ParameterError) as e:
        read_limited(tmp_path / "nope.csv", "nope.csv")
    assert e.value.code == C.FILE_NOT_FOUND
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 101)
    with pytest.raises(ParameterError) as e:
        read_limited(big, "big.csv", 100)
    assert e.value.code == C.FILE_TOO_LARGE
    with pytest.raises(UnknownKPIError) as e:
        kpikit.get_kpi("ctrr")
    assert e.value.code == C.KPI_UNKNOWN
    with pytest.raises(ParameterError) as e:
        kpikit.load(pd.DataFrame({"a": [1]}), decimal=";")
    assert e.value.code == C.PARAMETER_CHOICE


def test_plan_and_yaml_problems_have_codes(tmp_path):
    from kpikit.plans import Plan, PlanError

    raw = {"plan": "t", "period": {"start": "2027-01-01", "end": "2027-03-31"},
           "objectives": [{"type": "sales", "kpis": [{"kpi": "roass", "target": 4},
                                                     {"kpi": "ctr", "target": 150},
                                                     {"kpi": "cpa", "target": "1.234"}]}]}
    with pytest.raises(PlanError) as e:
        Plan.from_dict(raw)
    assert e.value.codes == [
        C.KPI_UNKNOWN, C.PLAN_TARGET_SHARE_ABOVE_ONE, C.PLAN_TARGET_AMBIGUOUS]
    dup = tmp_path / "dup.yaml"
    dup.write_text("plan: a\nplan: b\n", encoding="utf-8")
    with pytest.raises(PlanError) as e:
        Plan.from_yaml(dup)
    assert [p.code for p in e.value.problems] == [C.YAML_DUPLICATE_KEY]
    assert e.value.problems[0].row == 2
    bomb = tmp_path / "bomb.yaml"
    rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]"
             for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    bomb.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(PlanError) as e:
        Plan.from_yaml(bomb)
    assert [p.code for p in e.value.problems] == [C.YAML_ALIAS_BOMB]
    with pytest.raises(PlanError) as e:
        Plan.from_yaml(tmp_path / "missing.yaml")
    assert [p.code for p in e.value.problems] == [C.FILE_NOT_FOUND]


def test_loader_warnings_carry_codes(recwarn):
    from kpikit.errors import KpikitWarning, Note

    df = pd.DataFrame({"Day": ["03/04/2026", "04/04/2026"], "Clicks": [500, 6],
                       "Impressions": [100, 100]})
    got = kpikit.load(df, mapping={"Day": "date"})
    said = [w.message for w in recwarn if issubclass(w.category, KpikitWarning)]
    codes = sorted(str(m.code) for m in said)
    # no campaign column, dd/mm guessed, 500 clicks on 100 impressions (row 2)
    assert codes == ["campaign.defaulted", "date.order_guessed",
                     "value.clicks_above_impressions"], [str(m) for m in said]
    assert all(isinstance(w, Note) and w.code for w in got.attrs["warnings"])
    assert pickle.loads(pickle.dumps(Note("x", C.DATE_SUSPICIOUS))).code == C.DATE_SUSPICIOUS


def test_codes_survive_pickling():
    # a batch sends errors between processes: the code must not be lost on the way
    e = ParameterError("m", code=C.PARAMETER_CHOICE)
    back = pickle.loads(pickle.dumps(e))
    assert back.code == C.PARAMETER_CHOICE and str(back) == "m"
    d = DataError([Problem("m", "f", "x.csv", 3, "Clicks", code=C.NUMBER_UNREADABLE)], "x.csv")
    back = pickle.loads(pickle.dumps(d))
    assert back.codes == [C.NUMBER_UNREADABLE] and back.code == C.NUMBER_UNREADABLE
    assert str(back) == str(d) and isinstance(back, KpikitError)
    u = pickle.loads(pickle.dumps(UnknownKPIError("Unknown KPI 'x'.", code=C.KPI_UNKNOWN)))
    assert u.code == C.KPI_UNKNOWN and str(u) == "Unknown KPI 'x'."


# ---------------------------------------------------------------- validate --format json

def _json_run(capsys, *args):
    code = main(["validate", *args, "--format", "json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def _schema():
    from kpikit.runs.results import schema

    return schema("validation")


def test_validate_json_lists_problems_with_codes(capsys, fixtures):
    jsonschema = pytest.importorskip("jsonschema")
    path = str(fixtures / "bad" / "many_problems.csv")
    code, doc, _ = _json_run(capsys, path)
    jsonschema.validate(doc, _schema())
    assert code == 1 and doc["ok"] is False and doc["file"] == path and doc["rows"] is None
    assert doc["problems"][1] == {
        "code": "value.negative", "message": "negative value -3; spend cannot be negative.",
        "fix": "fix the export (refunds belong in a separate column).",
        "file": "many_problems.csv", "row": 3, "column": "Cost"}
    assert [p["code"] for p in doc["problems"]] == ["number.unreadable", "value.negative",
                                                    "date.unreadable"]
    assert [(p["row"], p["column"]) for p in doc["problems"]] == [
        (2, "Clicks"), (3, "Cost"), (4, "Day")]
    code, vi, _ = _json_run(capsys, path, "--lang", "vi")
    jsonschema.validate(vi, _schema())
    assert vi["lang"] == "vi" and code == 1
    assert [p["code"] for p in vi["problems"]] == [p["code"] for p in doc["problems"]]
    assert vi["problems"][1]["message"] == "giá trị âm -3; spend không thể âm."


def test_validate_json_on_a_good_file(capsys, fixtures):
    jsonschema = pytest.importorskip("jsonschema")
    code, doc, _ = _json_run(capsys, str(fixtures / "google_ads_en_utf16.csv"))
    jsonschema.validate(doc, _schema())
    assert code == 0 and doc["ok"] is True and doc["problems"] == []
    assert (doc["rows"], doc["platform"], doc["currency"]) == (4, "google_ads", "VND")
    assert (doc["date_start"], doc["date_end"]) == ("2026-01-01", "2026-01-02")
    assert doc["dropped_summary_rows"] == 3 and doc["campaigns"] == 2
    assert doc["columns"] == ["impressions", "clicks", "conversions", "revenue", "spend"]


def test_validate_json_warnings_and_single_reason_refusals(capsys, fixtures, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    p = tmp_path / "dayfirst.csv"
    p.write_text("Day,Campaign,Clicks,Impressions\n03/04/2026,A,5,100\n04/04/2026,A,6,100\n",
                 encoding="utf-8")
    code, doc, _ = _json_run(capsys, str(p))
    jsonschema.validate(doc, _schema())
    assert code == 0 and doc["ok"] and doc["rows"] == 2
    said = [w for w in doc["warnings"] if "dd/mm/yyyy" in w["message"]]
    assert [w["code"] for w in said] == ["date.order_guessed"], doc["warnings"]
    code, doc, err = _json_run(capsys, str(tmp_path / "missing.csv"))
    jsonschema.validate(doc, _schema())
    assert code == 1 and [q["code"] for q in doc["problems"]] == ["file.not_found"]
    assert doc["problems"][0]["message"] == "missing.csv: no such file."
    assert doc["problems"][0]["fix"].startswith("check the path") and err == ""
    code, vi, _ = _json_run(capsys, str(tmp_path / "missing.csv"), "--lang", "vi")
    assert vi["problems"][0]["message"] == "missing.csv: không có tệp này."
    assert vi["problems"][0]["fix"].startswith("kiểm tra")
    code, doc, _ = _json_run(capsys, str(tmp_path))
    assert code == 1 and doc["problems"][0]["code"] == "file.is_folder"
    code, doc, _ = _json_run(capsys, str(fixtures / "ga4.csv"), "--kpis", "cpa")
    jsonschema.validate(doc, _schema())
    assert code == 1 and {q["code"] for q in doc["problems"]} == {"column.missing"}
    bad_map = tmp_path / "map.json"
    bad_map.write_text('{"Day": "date", "Day": "date"}', encoding="utf-8")
    code, doc, _ = _json_run(capsys, str(fixtures / "ga4.csv"), "--mapping", str(bad_map))
    jsonschema.validate(doc, _schema())
    assert code == 1 and doc["problems"][0]["code"] == "json.duplicate_key"


def test_validate_text_output_is_unchanged(capsys, fixtures):
    # the default stays text, exit 2 on an error, as before --format existed
    assert main(["validate", str(fixtures / "bad" / "many_problems.csv")]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.startswith("error: many_problems.csv: 3 problems found")


def test_coverage_warning_has_the_same_code_in_both_engines(tmp_path):
    pytest.importorskip("duckdb")
    import warnings

    from kpikit.errors import KpikitWarning

    # conversions missing on the display row: cvr divides 5 by 200 clicks of two rows
    df = pd.DataFrame({"date": pd.to_datetime(["2026-01-01", "2026-01-01"]),
                       "campaign": ["A", "A"], "channel": ["search", "display"],
                       "clicks": [100.0, 100.0], "conversions": [5.0, float("nan")]})
    df.to_parquet(tmp_path / "t.parquet")
    seen = {}
    for engine, source in (("pandas", df), ("duckdb", tmp_path / "t.parquet")):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = kpikit.compute(source, "cvr", by="campaign", engine=engine)
        assert out["cvr"].iloc[0] == pytest.approx(5 / 200)
        seen[engine] = [w.message.code for w in caught
                        if issubclass(w.category, KpikitWarning)]
    assert seen["pandas"] == seen["duckdb"] == [C.KPI_PARTIAL_COVERAGE]


def test_a_preloaded_file_replays_its_warnings_with_codes(tmp_path, monkeypatch):
    import warnings

    import kpikit.data_in.load as kio
    from kpikit.errors import KpikitWarning

    p = tmp_path / "nocampaign.csv"
    p.write_text("Day,Clicks,Impressions\n2026-01-01,5,100\n2026-01-02,6,100\n",
                 encoding="utf-8")
    monkeypatch.setattr(kio, "_PRELOADED", {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kio.preload(p)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = kpikit.load(p)
    assert [w.message.code for w in caught if issubclass(w.category, KpikitWarning)] == [
        C.CAMPAIGN_DEFAULTED]
    assert [w.code for w in df.attrs["warnings"]] == [C.CAMPAIGN_DEFAULTED]
