"""The compute core both engines share, the rooms of kpikit.metrics and kpikit.data_in,
and the texts whose placeholders were made the same in both languages."""

from __future__ import annotations

import ast
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpikit
from kpikit.catalog import get_kpi
from kpikit.errors import DataError, KpikitWarning, NonAdditiveError, ParameterError
from kpikit.metrics import core

from .conftest import frame

PACKAGE = Path(kpikit.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (inside functions too), made absolute."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] \
                if node.level else []
            mod = ".".join([*base, node.module] if node.module else base)
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def test_the_two_engines_share_the_core_and_never_import_each_other():
    pandas_engine = _imports(PACKAGE / "metrics" / "compute.py")
    duck = (_imports(PACKAGE / "metrics" / "duckdb_engine.py")
            | _imports(PACKAGE / "metrics" / "duckdb_proof.py"))
    assert "kpikit.metrics.core" in pandas_engine and "kpikit.metrics.core" in duck
    assert not {m for m in pandas_engine if "duckdb" in m}
    assert "kpikit.metrics.compute" not in duck
    # the core decides for both: it imports neither engine
    assert not {m for m in _imports(PACKAGE / "metrics" / "core.py")
                if m.startswith("kpikit.metrics.") and m != "kpikit.metrics.core"}


def test_no_module_reaches_into_another_modules_private_names():
    found = []
    for path in [*(PACKAGE / "metrics").glob("*.py"), *(PACKAGE / "data_in").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                found += [f"{path.name}: {a.name}" for a in node.names
                          if a.name.startswith("_")]
    assert found == []




def test_load_reads_as_its_steps():
    from kpikit.data_in import load as module

    source = ast.get_source_segment(
        (PACKAGE / "data_in" / "load.py").read_text(encoding="utf-8"),
        next(n for n in ast.walk(ast.parse((PACKAGE / "data_in" / "load.py").read_text(
            encoding="utf-8"))) if isinstance(n, ast.FunctionDef) and n.name == "_one_table"))
    steps = ["detect_platform", "map_columns", "_drop_labelled_summaries", "parse_dates",
             "parse_measures", "_drop_summed_rows", "text_columns", "decide_currency",
             "_assemble", "check_table", "_canonical"]
    where = [source.index(s + "(") for s in steps]
    assert where == sorted(where) and len(source.splitlines()) < 30
    assert module.load is kpikit.load and module.validate is kpikit.validate


@pytest.mark.parametrize(("by", "freq", "expected"), [
    ("campaign,month", None, (["campaign"], "M")),
    (["campaign", " channel ", "campaign"], "w", (["campaign", "channel"], "W")),
    (None, None, ([], None)),
    ("Quarter", "Q", ([], "Q")),
])
def test_parse_by(by, freq, expected):
    assert core.parse_by(by, freq) == expected


def test_parse_by_refuses_two_periods_and_unknown_ones():
    with pytest.raises(ParameterError, match="asks for period 'M' but freq='W'"):
        core.parse_by("month", "W")
    with pytest.raises(ParameterError, match="freq='fortnight': unknown period"):
        core.parse_by(None, "fortnight")


def test_check_by_columns_lists_what_can_be_grouped_by():
    core.check_by_columns(["campaign"], ["date", "campaign", "clicks"])
    with pytest.raises(ParameterError) as e:
        core.check_by_columns(["region"], ["date", "campaign", "clicks", "followers@last"])
    assert "by='region': no such column" in str(e.value)
    assert "'date', 'campaign', 'day'" in str(e.value) and "clicks" not in str(e.value)


def test_finish_uses_the_catalog_formula_and_gives_nan_for_zero_denominators():
    agg = pd.DataFrame({"campaign": ["A", "B", "C"], "clicks": [30.0, 5.0, np.nan],
                        "impressions": [1000.0, 0.0, 10.0]}).set_index("campaign")
    out = core.finish(agg, [get_kpi("ctr")], ["clicks", "impressions"], ["campaign"],
                      True, "VND")
    assert out["ctr"].iloc[0] == pytest.approx(0.03)  # 30 / 1000
    assert math.isnan(out["ctr"].iloc[1]) and math.isnan(out["ctr"].iloc[2])
    assert list(out.columns) == ["campaign", "clicks", "impressions", "ctr"]
    assert out.attrs == {"currency": "VND", "kpis": ["ctr"]}


def test_split_terms_by_aggregation():
    chosen = [get_kpi("ctr"), get_kpi("frequency")]
    terms, sums, nonadd, snaps = core.split_terms(chosen, include_measures=False)
    assert set(sums) == {"clicks", "impressions"} and nonadd == ["reach"] and snaps == []
    assert set(terms) == {"clicks", "impressions", "reach"}


def test_check_nonadditive_names_the_group_and_the_source():
    counts = pd.DataFrame({"reach": [1, 3]}, index=pd.Index(["A", "B"], name="campaign"))
    core.check_nonadditive(counts.iloc[:1], ["reach"], ["campaign"], "f.csv")
    with pytest.raises(NonAdditiveError) as e:
        core.check_nonadditive(counts, ["reach"], ["campaign"], "f.csv")
    assert "1 group(s) would sum it over several rows, e.g. campaign=B (3 rows)" in str(e.value)
    assert "f.csv" in str(e.value)


@pytest.mark.parametrize(("lang", "lacking", "where", "text"), [
    ("en", ["conversions"], "campaign=A",
     "cvr: in 2 group(s) (first: campaign=A) conversions is missing on rows where"),
    ("en", ["clicks", "conversions"], "",
     "cvr: in 2 group(s) (first: the total) clicks and conversions are missing on rows"),
    ("vi", ["clicks", "conversions"], "",
     "cvr: ở 2 nhóm (đầu tiên: tổng) clicks và conversions bị thiếu ở những dòng"),
])
def test_coverage_message_in_both_languages(lang, lacking, where, text):
    with kpikit.using_language(lang):
        assert str(core.coverage_message("cvr", 2, where, lacking)).startswith(text)


def test_both_engines_warn_the_same_coverage_text():
    pytest.importorskip("duckdb")
    df = frame([
        {"date": "2026-01-01", "campaign": "A", "channel": "s", "clicks": 10, "conversions": 1},
        {"date": "2026-01-01", "campaign": "A", "channel": "v", "clicks": 30,
         "conversions": None},
    ])
    said = {}
    for engine in ("pandas", "duckdb"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = kpikit.compute(df, "cvr", by="campaign", engine=engine)
        assert out["cvr"].iloc[0] == pytest.approx(1 / 40)
        said[engine] = [str(w.message) for w in caught if w.category is KpikitWarning]
    assert said["pandas"] == said["duckdb"] and len(said["pandas"]) == 1


@pytest.mark.parametrize(("lang", "shown"), [("en", "1989-12-31"), ("vi", "31/12/1989")])
def test_an_early_date_is_written_the_languages_way(tmp_path, lang, shown):
    p = tmp_path / "t.csv"
    p.write_text("date,campaign,channel,clicks\n1989-12-31,A,s,1\n1990-01-02,A,s,2\n",
                 encoding="utf-8")
    with kpikit.using_language(lang), pytest.warns(KpikitWarning) as seen:
        kpikit.load(p)
    assert any(f"{shown}" in str(w.message) and "'date'" in str(w.message) for w in seen)


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "cannot read 'Foo' as a month."), ("vi", "không đọc được 'Foo' thành tháng."),
])
def test_an_unreadable_period_names_its_kind_in_the_language(tmp_path, lang, text):
    p = tmp_path / "t.csv"
    p.write_text("Month,Campaign,Clicks,Impressions\n2026-01,A,1,10\nFoo,A,2,20\n",
                 encoding="utf-8")
    with kpikit.using_language(lang), pytest.raises(DataError) as e:
        kpikit.load(p, platform="google_ads")
    assert text in str(e.value)


def test_every_sub_package_ships_in_the_wheel():
    """pyproject lists packages by name: a folder left out would be missing after install."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(
        encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(PACKAGE.parent).parts)
               for p in PACKAGE.rglob("__init__.py")}
    assert folders <= listed, sorted(folders - listed)
