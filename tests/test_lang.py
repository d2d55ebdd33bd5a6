"""Errors and warnings speak the user's language: English or Vietnamese."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import kpikit
from kpikit.cli import main
from kpikit.errors import DataError, KpikitWarning, ParameterError
from kpikit.plans import Plan, PlanError
from kpikit.runs import params as nb

PACKAGE = Path(kpikit.__file__).parent


def test_language_comes_from_block_session_env_then_english(monkeypatch):
    assert kpikit.language() == "en"
    monkeypatch.setenv("KPIKIT_LANG", "vi")
    assert kpikit.language() == "vi"
    kpikit.set_language("en")
    assert kpikit.language() == "en"  # the session beats the environment
    with kpikit.using_language("vi"):
        assert kpikit.language() == "vi"  # a block beats the session
    assert kpikit.language() == "en"
    kpikit.set_language(None)
    monkeypatch.setenv("KPIKIT_LANG", "fr")  # unknown: English, never a crash
    assert kpikit.language() == "en"
    with pytest.raises(ParameterError, match="lang='fr'"):
        kpikit.set_language("fr")


def test_load_problems_in_both_languages(fixtures):
    bad = fixtures / "bad" / "many_problems.csv"
    with pytest.raises(DataError) as en:
        kpikit.load(bad)
    with kpikit.using_language("vi"), pytest.raises(DataError) as vi:
        kpikit.load(bad)
    assert str(en.value).splitlines()[0] == "many_problems.csv: 3 problems found"
    assert ("many_problems.csv, row 2, column 'Clicks': cannot read 'x' as a number. Fix: "
            in str(en.value))
    lines = str(vi.value).splitlines()
    assert lines[0] == "many_problems.csv: tìm thấy 3 lỗi"
    assert lines[1].startswith("  - many_problems.csv, dòng 2, cột 'Clicks': không đọc được "
                               "'x' thành số. Cách sửa: ghi số thường như 1234.5")
    assert "dòng 3, cột 'Cost': giá trị âm -3; spend không thể âm." in lines[2]
    assert "dòng 4, cột 'Day': không đọc được 'not a date' thành ngày." in lines[3]


def test_warnings_in_vietnamese():
    df = pd.DataFrame({"Ngày": ["03/04/2026", "04/04/2026"], "Campaign": ["A", "A"],
                       "Clicks": [5, 6], "Impressions": [100, 100]})
    with kpikit.using_language("vi"), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        kpikit.load(df, mapping={"Ngày": "date"})
    said = [str(w.message) for w in seen if issubclass(w.category, KpikitWarning)]
    assert any("ngày như '03/04/2026' được đọc là dd/mm/yyyy" in s for s in said), said


def test_plan_problems_in_vietnamese():
    raw = {"plan": "t", "period": {"start": "2027-01-01", "end": "2027-03-31"},
           "objectives": [{"type": "sales", "kpis": [{"kpi": "roass", "target": 4},
                                                     {"kpi": "ctr", "target": 150}]}]}
    with kpikit.using_language("vi"), pytest.raises(PlanError) as e:
        Plan.from_dict(raw)
    text = str(e.value)
    assert text.splitlines()[0] == "kế hoạch có 2 lỗi"
    assert "objectives[0].kpis[0].kpi: không có KPI 'roass'." in text
    assert "(có phải ý bạn là 'roas'?)" in text
    assert ("objectives[0].kpis[1].target: 150 vượt 100% với ctr, một tỷ lệ giữa 0 và 1. "
            'Cách sửa: viết 1.5 hoặc "150%".') in text


def test_compute_and_evaluate_refusals_in_vietnamese():
    data = kpikit.load_sample()
    with kpikit.using_language("vi"):
        with pytest.raises(ParameterError, match="by='vùng': không có cột này. Cách sửa: "
                                                 "gộp theo một trong"):
            kpikit.compute(data, "ctr", by="vùng")
        with pytest.raises(kpikit.UnknownKPIError, match="Không có KPI 'ctrr'. Có phải ý "
                                                         "bạn là 'ctr'"):
            kpikit.compute(data, "ctrr")
        from kpikit.analysis.evaluate import evaluate

        plan = Plan.from_yaml(nb.bundled_plan("plan_tet_sale.yaml"))
        with pytest.raises(ParameterError, match="trước khi kỳ bắt đầu"):
            evaluate(data, plan, as_of="2020-01-01")


def test_notebook_parameters_speak_the_notebooks_language():
    space = {"lang": "vi", "data_path": None, "plan_path": None, "campaign": None,
             "as_of": "2027-01-25", "period": "campaign", "output_dir": "out",
             "as_off": "2027-01-25"}
    with pytest.raises(ParameterError) as e:
        nb.parameters("02_evaluation", space, frozenset())
    text = str(e.value)
    assert "không có tham số 'as_off'. Có phải ý bạn là 'as_of'?" in text
    assert "Các tham số hợp lệ: data_path (tệp xuất hoặc bảng chuẩn" in text
    assert kpikit.language() == "vi"  # the rest of the notebook speaks it too


def test_cli_speaks_lang_and_kpikit_lang(capsys, fixtures, monkeypatch):
    bad = str(fixtures / "bad" / "no_date.csv")
    assert main(["validate", bad, "--lang", "vi"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lỗi: no_date.csv: tìm thấy 1 lỗi\n  - no_date.csv: không tìm thấy "
                          "cột ngày (đã tìm: 'date', 'Day'")
    assert "Cách sửa: xuất báo cáo chia theo ngày" in err
    monkeypatch.setenv("KPIKIT_LANG", "vi")
    assert main(["compute", bad]) == 2  # no --lang: the environment decides
    assert "không tìm thấy cột ngày" in capsys.readouterr().err
    assert main(["compute", bad, "--lang", "en"]) == 2
    assert "no_date.csv: no date column was found" in capsys.readouterr().err
    assert kpikit.language() == "vi"  # the command's language did not stay behind
    monkeypatch.delenv("KPIKIT_LANG")
    assert kpikit.language() == "en"


_MESSAGE_CALLS = re.compile(r"(Error|Problem)$")
_COLLECTORS = {"problems", "warn", "notes", "found", "contradictions", "warnings"}


def _worded(node: ast.AST) -> bool:
    """A message literal with English words in it (not one only of placeholders)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{3,}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_worded(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _worded(node.left) or _worded(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_":
        return True  # marked for the catalogs but never translated: English to everyone
    return False


def test_every_message_is_written_in_both_languages():
    # a raised error, a Problem, a warning or a collected message must not be a bare
    # English literal: each goes through tr("English {x}", x=...) and the catalogs (or,
    # until the codemod has run, tr(english, vietnamese)); every module, in every folder
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(
                f, ast.Attribute) else ""
            owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(
                f.value, ast.Name) else ""
            checked = (
                (_MESSAGE_CALLS.search(name) and name != "ValueError")
                or (name == "warn" and owner == "warnings")
                or (name == "append" and owner in _COLLECTORS))
            args = list(node.args[:2]) if name == "Problem" else node.args[:1]
            if checked and any(_worded(a) for a in args):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, "English-only messages: " + ", ".join(found)


def test_the_literal_check_sees_english_only_messages():
    bad = ast.parse('raise ParameterError("no such file")').body[0].exc.args[0]
    marked = ast.parse('raise ParameterError(N_("no such file"))').body[0].exc.args[0]
    good = ast.parse('raise ParameterError(tr("no such file {f}", f=f))').body[0].exc.args[0]
    assert _worded(bad) and _worded(marked) and not _worded(good)


def test_numbers_inside_messages_use_the_languages_separators():
    from kpikit.analysis.optimize import InfeasibleError, ResponseCurve, allocate
    from kpikit.i18n.lang import nfmt

    assert nfmt(1234567.5, ",.1f") == "1,234,567.5"
    with kpikit.using_language("vi"):
        assert nfmt(1234567.5, ",.1f") == "1.234.567,5" and nfmt(0.125, ".1%") == "12,5%"
        curve = ResponseCurve("search", "log", (1000.0, 50.0), outcome="revenue",
                              spend_max=1e6, current=5e5)
        with pytest.raises(InfeasibleError, match=r"mức tối thiểu -1\.234\.567 là số âm"):
            allocate({"search": curve}, bounds={"search": [-1234567, 2e6]})


def test_cli_help_in_vietnamese(capsys):
    import argparse

    from kpikit.cli import build_parser
    from kpikit.i18n.cli_words import HELP_VI

    with pytest.raises(SystemExit):
        main(["validate", "--help", "--lang", "vi"])
    out = capsys.readouterr().out
    assert out.startswith("cách dùng: kpikit validate") and "\ntùy chọn:\n" in out
    assert "đọc 03/04/2026 là ngày 3 tháng 4" in out
    with pytest.raises(SystemExit):
        main(["compute", "--lang", "vi"])
    assert "kpikit compute: lỗi: thiếu các tham số bắt buộc: file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    assert capsys.readouterr().out.startswith("usage: kpikit")  # English stays English
    # every help text of every command has its Vietnamese
    missing = []

    def walk(p: argparse.ArgumentParser) -> None:
        for a in p._actions:
            texts = [a.help] + [c.help for c in getattr(a, "_choices_actions", [])]
            missing.extend(t for t in texts if t and t != argparse.SUPPRESS
                           and t not in HELP_VI)
            for sub in dict.fromkeys(getattr(a, "choices", None) or {}):
                if isinstance(a, argparse._SubParsersAction):
                    walk(a.choices[sub])

    walk(build_parser("en"))
    assert not missing, missing
