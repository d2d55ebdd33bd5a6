"""The kpikit command, run in-process."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from kpikit.cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_good_file(capsys, fixtures):
    code, out, err = run(capsys, "validate", str(fixtures / "google_ads_en_utf16.csv"))
    assert code == 0
    assert "OK (google_ads export)" in out
    assert "rows: 4, 2026-01-01 to 2026-01-02" in out
    assert "dropped 3 total/summary row(s)" in out
    assert "currency: VND" in out


def test_validate_bad_file_has_no_traceback(capsys, fixtures):
    code, out, err = run(capsys, "validate", str(fixtures / "bad" / "many_problems.csv"))
    assert code == 2
    assert err.startswith("error: many_problems.csv: 3 problems found")
    assert "Traceback" not in err


def test_validate_speaks_vietnamese(capsys, fixtures):
    code, out, err = run(capsys, "validate", str(fixtures / "google_ads_en_utf16.csv"),
                         "--lang", "vi")
    assert code == 0
    assert "số dòng: 4, từ 01/01/2026 đến 02/01/2026" in out  # dd/mm/yyyy
    assert "đã bỏ 3 dòng tổng/tóm tắt" in out and "tiền tệ: VND" in out
    code, out, err = run(capsys, "validate", str(fixtures / "bad" / "many_problems.csv"),
                         "--lang", "vi")
    assert code == 2 and err.startswith("lỗi: many_problems.csv")


def test_validate_checks_kpis_and_grouping(capsys, fixtures):
    code, _, err = run(capsys, "validate", str(fixtures / "ga4.csv"), "--kpis", "cpa")
    assert code == 2 and "'spend' is missing" in err
    code, _, err = run(capsys, "validate", str(fixtures / "meta_vi.csv"), "--kpis",
                       "frequency", "--by", "campaign,month")
    assert code == 2 and "'reach' is not additive" in err


def test_kpis_listing_in_both_languages(capsys):
    code, out, _ = run(capsys, "kpis", "--objective", "engagement", "--lang", "vi")
    assert code == 0
    assert "Tỷ lệ tương tác (theo người tiếp cận)" in out and "cao hơn" in out
    code, out, _ = run(capsys, "kpis", "--lang", "en")
    assert "ROAS (return on ad spend)" in out
    code, _, err = run(capsys, "kpis", "--objective", "fame")
    assert code == 2 and "Unknown objective 'fame'" in err
    code, _, err = run(capsys, "kpis", "--lang", "fr")
    assert code == 2 and "lang='fr'" in err


def test_compute_to_stdout_and_files(capsys, fixtures, tmp_path):
    src = str(fixtures / "google_ads_en_utf16.csv")
    code, out, _ = run(capsys, "compute", src, "--by", "campaign,month", "--kpis", "ctr,cpa")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["campaign", "period", "ctr", "cpa"]
    tet = table.set_index("campaign").loc["Tết Sale"]
    assert tet["ctr"] == pytest.approx(1100 / 22000)
    assert tet["cpa"] == pytest.approx(5_500_000 / 55.5)
    assert tet["period"] == "2026-01"
    for suffix in ("csv", "xlsx", "parquet"):
        target = tmp_path / f"out.{suffix}"
        code, _, err = run(capsys, "compute", src, "--kpis", "ctr", "-o", str(target))
        assert code == 0 and target.exists() and "wrote 2 rows" in err
    back = pd.read_excel(tmp_path / "out.xlsx")
    assert back.set_index("campaign").loc["Tết Sale", "ctr"] == pytest.approx(0.05)
    code, _, err = run(capsys, "compute", src, "-o", str(tmp_path / "out.txt"))
    assert code == 2 and "unsupported output type" in err


def test_compute_with_mapping_file(capsys, fixtures, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Ngày gửi: date\nChiến dịch CRM: campaign\nChi phí: spend\n"
                       "Đơn hàng: orders\nDoanh thu: revenue\n", encoding="utf-8")
    code, out, err = run(capsys, "compute", str(fixtures / "crm_export.csv"), "--mapping",
                         str(mapping), "--dayfirst", "--kpis", "aov,cost_per_order")
    assert code == 0, err
    row = pd.read_csv(io.StringIO(out)).iloc[0]
    assert row["aov"] == pytest.approx(16_200_000 / 27)
    assert row["cost_per_order"] == pytest.approx(369_000.5 / 27)


def test_sample_and_demo(capsys, tmp_path):
    target = tmp_path / "s.csv"
    code, out, _ = run(capsys, "sample", "-o", str(target), "--start", "2025-01-01",
                       "--end", "2025-03-31")
    assert code == 0 and target.exists()
    code, out, _ = run(capsys, "demo", "--lang", "vi", "--table-only")
    assert code == 0
    assert "Always-on Search" in out and "₫" in out and "Tết Sale" in out


def test_plan_suggest_and_check(capsys, tmp_path):
    from kpikit.plans import Plan
    from kpikit.sample import sample_path

    data = str(sample_path())
    out = tmp_path / "plan.yaml"
    code, _, err = run(capsys, "plan", "suggest", data, "--objective", "sales", "--campaign",
                       "Tết Sale", "--period", "2027Q1", "-o", str(out))
    assert code == 0 and "name the owners" in err
    plan = Plan.from_yaml(out)
    assert plan.campaigns == ("Tết Sale",) and str(plan.period[0]) == "2027-01-01"
    code, text, _ = run(capsys, "plan", "check", str(out), data)
    assert code == 0  # measurable and consistent; missing owners are a note
    assert "note: no owner named" in text and "KPI tree: revenue = impressions" in text
    shipped = str(sample_path().parent / "plan_tet_sale.yaml")
    code, text, _ = run(capsys, "plan", "check", shipped, data, "--lang", "vi")
    assert code == 0 and "22.000.000.000 ₫" in text and "khả thi" in text
    assert text.rstrip().endswith("ĐẠT") and "NOT OK" not in text  # the verdict in Vietnamese
    assert "người phụ trách" in text and "hằng tuần" in text and "01/01/2027" in text


def test_plan_check_reports_problems(capsys, tmp_path, fixtures):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: x\nperiod: {start: 2027-01-01, end: 2027-03-31}\nobjectives:\n"
                   "  - type: sales\n    kpis:\n      - {kpi: roas, target: lots}\n",
                   encoding="utf-8")
    code, _, err = run(capsys, "plan", "check", str(bad), str(fixtures / "ga4.csv"))
    assert code == 2 and 'objectives[0].kpis[0].target: must be a number or "+N%"' in err
    ok = tmp_path / "ok.yaml"
    ok.write_text("plan: x\nperiod: {start: 2027-01-01, end: 2027-01-31}\nobjectives:\n"
                  "  - type: sales\n    kpis:\n      - {kpi: roas, target: 4, owner: A}\n",
                  encoding="utf-8")
    code, _, err = run(capsys, "plan", "check", str(ok), str(fixtures / "ga4.csv"))
    assert code == 2 and "'spend' is missing; it is needed by roas" in err


def test_evaluate_command(capsys, tmp_path):
    import json

    from kpikit.sample import sample_path

    out = tmp_path / "results.json"
    code, text, err = run(capsys, "evaluate", str(sample_path()),
                          str(sample_path().parent / "plan_tet_sale.yaml"),
                          "--as-of", "2027-01-25", "-o", str(out), "--lang", "vi")
    assert code == 0, err
    assert "chệch hướng" in text and "Doanh thu" in text
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "kpikit/evaluation" and len(doc["kpis"]) == 6
    code, _, err = run(capsys, "evaluate", str(sample_path()),
                       str(sample_path().parent / "plan_tet_sale.yaml"), "--as-of", "2020-01-01")
    assert code == 2 and "before the period starts" in err


def test_optimize_command(capsys, tmp_path):
    import json

    from kpikit.sample import sample_path

    data = sample_path().parent / "meridian_national.csv"
    out = tmp_path / "opt.json"
    code, text, err = run(capsys, "optimize", str(data), "-o", str(out))
    assert code == 0, err
    assert "Channel0" in text and "In all: revenue from" in text
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["expected"]["recommended"] >= doc["expected"]["current"]
    bounds = tmp_path / "b.yaml"
    bounds.write_text("Channel9: [0, 1]\n", encoding="utf-8")
    code, _, err = run(capsys, "optimize", str(data), "--bounds", str(bounds))
    assert code == 2 and "'Channel9' is not a channel with a curve" in err


HEAD_ROW = "date,campaign,channel,impressions,clicks,spend\n"


@pytest.mark.parametrize("engine", ["auto", "pandas", "duckdb"])
def test_compute_a_folder_with_each_engine(capsys, tmp_path, engine):
    """A folder of canonical CSVs: a labelled summary row is left out and counted."""
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.csv").write_text(HEAD_ROW + "2026-11-01,Total:,search,3000,30,300\n"
                                  "2026-11-01,A,search,1000,10,100\n"
                                  "2026-11-02,A,search,2000,20,200\n", encoding="utf-8")
    (folder / "b.csv").write_text(HEAD_ROW + "2026-11-03,B,search,400,2,10\n", encoding="utf-8")
    assert main(["compute", str(folder), "--by", "campaign", "--kpis", "ctr,cpc",
                 "--engine", engine]) == 0
    out, err = capsys.readouterr()
    table = pd.read_csv(io.StringIO(out)).set_index("campaign")
    assert table.loc["A", "ctr"] == pytest.approx(30 / 3000)  # 3000 impressions, not 6000
    assert table.loc["B", "cpc"] == pytest.approx(5.0)
    assert "1" in err and "summary" in err


@pytest.mark.parametrize("command", ["validate", "compute"])
def test_a_device_is_refused_in_one_plain_sentence(capsys, command):
    assert main([command, "/dev/zero"]) != 0
    err = capsys.readouterr().err
    assert "is not a regular file" in err and "Fix:" in err
    assert err.count("Fix:") == 1 and "cannot be read" not in err
