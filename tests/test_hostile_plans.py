"""Hostile and malformed plans, batch specs, --mapping and --bounds files.

Each case has one exact expected outcome: a KpikitError whose message (place, reason, fix)
is checked, or a plan whose targets equal values computed by hand. Files that must be bytes
(encodings, alias bombs) live in tests/hostile/plans/; the rest are written here.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
import unicodedata
from pathlib import Path

import pytest

from kpikit import using_language
from kpikit.cli import main
from kpikit.errors import KpikitError
from kpikit.plans import Plan, PlanError, Target, parse_target
from kpikit.runs.batch import load_spec

HOSTILE = Path(__file__).parent / "hostile" / "plans"

HEAD = """plan: Hostile plan
{head}period: {{start: 2027-01-01, end: 2027-03-31}}
objectives:
  - type: sales
    kpis:
"""


def plan_file(tmp_path: Path, kpis: list[str], head: str = "currency: VND\nlanguage: vi\n",
              name: str = "plan.yaml") -> Path:
    """A plan with ``head`` lines on top and one KPI line (flow mapping) per entry of kpis."""
    path = tmp_path / name
    text = HEAD.format(head=head) + "".join(f"      - {k}\n" for k in kpis)
    path.write_text(text, encoding="utf-8")
    return path


def targets(plan: Plan) -> dict[str, Target]:
    return {k.kpi: k.target for _, k in plan.targets()}


def refused(path: Path | str, *parts: str) -> str:
    """Read ``path`` as a plan, expect a PlanError holding every one of ``parts``."""
    with pytest.raises(PlanError) as info:
        Plan.from_yaml(Path(path) if not isinstance(path, Path) else path)
    text = str(info.value)
    for part in parts:
        assert part in text, text
    return text


# ------------------------------------------------------------- numbers


def test_vietnamese_plan_reads_vietnamese_numbers():
    plan = Plan.from_yaml(HOSTILE / "vi_plan.yaml")
    got = targets(plan)
    assert plan.number_format == "vi"
    assert plan.business_goal.target == Target(value=22_000_000_000)        # "22 tỷ"
    assert got["revenue"] == Target(value=21_500_000_000)                   # "21.500.000.000 ₫"
    assert got["roas"] == Target(value=5.6)                                 # "5,6"
    assert got["cpa"] == Target(value=128_000)                              # unquoted 128.000
    assert got["cvr"] == Target(value=0.0215)                               # "2,15%"
    assert got["aov"] == Target(value=1234.5)                               # "1.234,5"
    assert got["spend"] == Target(value=3_500_000_000)                      # "3,5 tỷ đồng"
    assert got["new_customers"] == Target(change=0.125, baseline="last_year")
    assert got["cpc"] == Target(change=-0.05, baseline="trailing", trailing=6)


def test_a_written_vietnamese_plan_reads_back_the_same(tmp_path):
    plan = Plan.from_yaml(HOSTILE / "vi_plan.yaml").with_target("aov", "1.234,5")
    plan = plan.with_target("ctr", "1,234%")  # not in the plan: no change
    odd = plan.with_target("roas", Target(value=1.234))  # 1.234 must not come back as 1234
    out = tmp_path / "again.yaml"
    odd.to_yaml(out)
    again = Plan.from_yaml(out)
    assert again == odd and targets(again)["roas"] == Target(value=1.234)


def test_english_plan_reads_english_numbers(tmp_path):
    path = plan_file(tmp_path, ['{kpi: revenue, target: "1,234,567.5"}',
                                '{kpi: cpa, target: "1,234"}',
                                "{kpi: aov, target: 1.234}",
                                '{kpi: cvr, target: "2.5%"}'],
                     head="currency: USD\nlanguage: en\n")
    got = targets(Plan.from_yaml(path))
    assert got["revenue"] == Target(value=1234567.5)
    assert got["cpa"] == Target(value=1234)
    assert got["aov"] == Target(value=1.234)
    assert got["cvr"] == Target(value=0.025)


def test_ambiguous_number_without_a_convention_is_refused(tmp_path):
    path = plan_file(tmp_path, ["{kpi: roas, target: 4}", '{kpi: cpa, target: "1.234"}'],
                     head="")
    refused(path, "plan.yaml, row 7: objectives[0].kpis[1].target",
            "'1.234' could be 1234 (the point groups thousands) or 1.234",
            'Fix: add "number_format: vi" (1.234,5) or "number_format: en" (1,234.5)')


def test_ambiguous_number_message_in_vietnamese():
    with using_language("vi"), pytest.raises(KpikitError) as info:
        parse_target("12.500")
    assert str(info.value) == (
        "'12.500' có thể là 12500 (dấu chấm phân cách hàng nghìn) hoặc 12,5 (dấu chấm là dấu "
        "thập phân), và kế hoạch không cho biết cách viết số. Cách sửa: thêm "
        '"number_format: vi" (1.234,5) hoặc "number_format: en" (1,234.5) vào kế hoạch, hoặc '
        "viết số không có dấu phân cách hàng nghìn (12500).")
    assert parse_target("12.500", "vi") == Target(value=12500)
    assert parse_target("12.500", "en") == Target(value=12.5)


def test_convention_is_inferred_from_unambiguous_targets(tmp_path):
    path = plan_file(tmp_path, ['{kpi: revenue, target: "1.234.567"}',
                                '{kpi: cpa, target: "1.500"}'], head="")
    plan = Plan.from_yaml(path)
    assert plan.number_format == "vi"
    assert targets(plan) == {"revenue": Target(value=1234567), "cpa": Target(value=1500)}


def test_english_language_with_vnd_decides_from_the_targets(tmp_path):
    head = "currency: VND\nlanguage: en\n"
    alone = plan_file(tmp_path, ["{kpi: cpa, target: 128.000}"], head=head)
    refused(alone, "row 8: objectives[0].kpis[0].target", "'128.000' could be 128000")
    shown = plan_file(tmp_path, ['{kpi: spend, target: "5.000.000"}',
                                 "{kpi: cpa, target: 128.000, weight: 1.500}"], head=head)
    got = Plan.from_yaml(shown)
    assert targets(got) == {"spend": Target(value=5_000_000), "cpa": Target(value=128_000)}
    assert got.objectives[0].kpis[1].weight == 1500


def test_both_conventions_in_one_plan_are_refused(tmp_path):
    path = plan_file(tmp_path, ['{kpi: revenue, target: "1.234.567"}',
                                '{kpi: cpa, target: "12,500.5"}'], head="")
    refused(path, "number_format: the plan writes numbers both ways",
            "objectives[0].kpis[1].target ('12,500.5') the English way",
            "objectives[0].kpis[0].target ('1.234.567') the Vietnamese way")


def test_declared_convention_wins_and_contrary_numbers_are_refused(tmp_path):
    path = plan_file(tmp_path, ['{kpi: aov, target: "1.234,5"}'],
                     head="language: vi\nnumber_format: en\n")
    refused(path, "row 8: objectives[0].kpis[0].target",
            "'1.234,5' is written the Vietnamese (1.234,5) way, but this plan writes numbers "
            "the English (1,234.5) way", "Fix: write 1234.5")
    bad = plan_file(tmp_path, ["{kpi: roas, target: 4}"], head="number_format: fr\n")
    refused(bad, "number_format: unknown number format 'fr'", "choose vi (1.234.567,5)")


def _catalog(folder: Path, lang: str, locale: str) -> None:
    """An empty catalog: ``lang`` is spoken (every word English), with ``locale``'s formats."""
    (folder / f"{lang}.po").write_text(
        f'msgid ""\nmsgstr ""\n"Language: {locale}\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n', encoding="utf-8")


def test_a_third_languages_number_format_comes_from_its_cldr_signs(tmp_path, monkeypatch):
    # French (fr_FR) writes 1 234,5: a decimal comma, like Vietnamese; Japanese (ja_JP)
    # writes 1,234.5, like English. Neither is named in the code: only their catalogs exist.
    from kpikit.i18n import messages
    from kpikit.plans.numbers import convention

    loc = tmp_path / "locale"
    loc.mkdir()
    _catalog(loc, "fr", "fr_FR")
    _catalog(loc, "ja", "ja_JP")
    monkeypatch.setenv(messages.ENV_DIR, str(loc))
    assert (convention("fr"), convention("ja"), convention("vi"), convention("en")) == (
        "vi", "en", "vi", "en")
    fr = plan_file(tmp_path, ['{kpi: cpa, target: "1.234"}', '{kpi: roas, target: "5,6"}'],
                   head="number_format: fr\n", name="fr.yaml")
    assert targets(Plan.from_yaml(fr)) == {"cpa": Target(value=1234), "roas": Target(value=5.6)}
    contrary = plan_file(tmp_path, ['{kpi: aov, target: "1,234.5"}'], head="number_format: fr\n",
                         name="fr_contrary.yaml")
    text = refused(contrary, "'1,234.5' is written the English (1,234.5) way, but this plan "
                             "writes numbers the French (1")  # 1 234,5 as fr_FR writes it
    assert "French (1\u202f234,5) way" in text.replace("\xa0", "\u202f")
    ja = plan_file(tmp_path, ['{kpi: cpa, target: "1,234"}', '{kpi: roas, target: "1.234"}'],
                   head="number_format: ja\n", name="ja.yaml")
    assert targets(Plan.from_yaml(ja)) == {"cpa": Target(value=1234), "roas": Target(value=1.234)}
    # a French plan in VND: language and currency agree on the decimal comma
    fr_vnd = plan_file(tmp_path, ["{kpi: cpa, target: 128.000}"],
                       head="currency: VND\nlanguage: fr\n", name="fr_vnd.yaml")
    assert targets(Plan.from_yaml(fr_vnd)) == {"cpa": Target(value=128_000)}
    # a Japanese plan in VND: they disagree, and 128.000 alone cannot tell
    ja_vnd = plan_file(tmp_path, ["{kpi: cpa, target: 128.000}"],
                       head="currency: VND\nlanguage: ja\n", name="ja_vnd.yaml")
    refused(ja_vnd, "'128.000' could be 128000")


@pytest.mark.parametrize("target, words", [
    (".nan", "'.nan' is not a finite number"),
    (".inf", "'.inf' is not a finite number"),
    ('"inf"', "'inf' is not a finite number"),
    ('"-5"', "-5 is negative. Fix: cpa cannot be below 0"),
    ('"-100%"', "a change of -100% would take cpa to 0 or below"),
    ('"+5"', "a sign without % is neither a level nor a change"),
    ('"5 USD"', "'5 USD' is in USD, but the plan's currency is VND"),
    ("[1, 2]", "is not a number or a text"),
])
def test_impossible_targets_are_refused(tmp_path, target, words):
    path = plan_file(tmp_path, ["{kpi: roas, target: 4}", f"{{kpi: cpa, target: {target}}}"])
    refused(path, "row 9: objectives[0].kpis[1].target", words)


@pytest.mark.parametrize("written, value", [
    ("012", 12),            # YAML 1.1 would read an octal 10
    ("1e10", 1e10),         # YAML 1.1 would read a string
    ("\"7 500 000\"", 7_500_000),
    ("\"5tr\"", 5_000_000),
])
def test_unquoted_numbers_are_read_as_written(tmp_path, written, value):
    path = plan_file(tmp_path, [f"{{kpi: cpa, target: {written}}}"])
    assert targets(Plan.from_yaml(path)) == {"cpa": Target(value=value)}


@pytest.mark.parametrize("written, words", [
    ("1:30", "'1:30' is neither a number nor a change"),   # YAML 1.1: sexagesimal 90
    ("0x1F", "'0x1F' is neither a number nor a change"),   # YAML 1.1: hex 31
    ('"５.６"', "'５.６' is not a number"),
])
def test_numbers_yaml_or_unicode_would_change_are_refused(tmp_path, written, words):
    path = plan_file(tmp_path, [f"{{kpi: cpa, target: {written}}}"])
    refused(path, "row 8: objectives[0].kpis[0].target", words)


def test_empty_plan_and_timestamps_for_dates(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    refused(empty, "empty.yaml: 1 problem", "plan: the plan is empty")
    stamp = plan_file(tmp_path, ["{kpi: roas, target: 4}"], head="language: en\n")
    stamp.write_text(stamp.read_text(encoding="utf-8").replace("2027-01-01", "2027-01-01 10:00"),
                     encoding="utf-8")
    refused(stamp, "plan.yaml, row 3: period.start: must be a date like 2027-01-31")


def test_a_negative_level_is_allowed_where_the_kpi_can_be_negative(tmp_path):
    path = plan_file(tmp_path, ['{kpi: profit, target: "-500.000.000"}',
                                '{kpi: roi, target: "-10%"}'])
    got = targets(Plan.from_yaml(path))
    assert got == {"profit": Target(value=-500_000_000), "roi": Target(change=-0.10)}


# ------------------------------------------------------------ YAML traps


def test_duplicate_keys_name_both_lines(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(HEAD.format(head="language: en\n") +
                    "      - kpi: roas\n        target: 4\n        target: 40\n",
                    encoding="utf-8")
    refused(path, "dup.yaml, row 9: the key 'target' appears twice, on lines 8 and 9",
            "Fix: keep one of the two lines")


def test_alias_bomb_plan_fails_fast_in_bounded_memory():
    assert 550 <= (HOSTILE / "bomb_plan.yaml").stat().st_size <= 650
    Plan.from_yaml(HOSTILE / "vi_plan.yaml")  # time the bomb, not the first import of yaml
    tracemalloc.start()
    start = time.perf_counter()
    try:
        refused(HOSTILE / "bomb_plan.yaml", "bomb_plan.yaml, row 10: the file expands to more "
                "than 100,000 values", "Fix: write the values out without *aliases")
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 16 * 1024**2  # the 4 MB read buffer plus a few hundred YAML nodes


def test_alias_bomb_spec_fails_fast_in_bounded_memory():
    Plan.from_yaml(HOSTILE / "vi_plan.yaml")  # time the bomb, not the first import of yaml
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(KpikitError, match=r"bomb_spec.yaml, row 9: the file expands to "
                                              r"more than 100,000 values"):
            load_spec(HOSTILE / "bomb_spec.yaml")
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0 and peak < 16 * 1024**2


def test_self_referencing_alias_and_deep_nesting(tmp_path):
    loop = tmp_path / "loop.yaml"
    loop.write_text("plan: &p [x, *p]\n", encoding="utf-8")
    refused(loop, "loop.yaml, row 1: the alias *p refers to the block that contains it")
    deep = tmp_path / "deep.yaml"
    deep.write_text("plan: x\nscope: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    refused(deep, "deep.yaml, row 2: lists and mappings nest more than 64 levels deep")


def test_code_tags_and_impossible_dates_are_refused(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("plan: x\nperiod: !!python/object/apply:os.system ['echo hacked']\n",
                    encoding="utf-8")
    refused(evil, "evil.yaml, row 2: not valid YAML at column 9",
            "kpikit reads plain YAML only (no !!python tags)")
    feb = plan_file(tmp_path, ["{kpi: roas, target: 4}"], head="language: en\n")
    feb.write_text(feb.read_text(encoding="utf-8").replace("2027-03-31", "2027-02-30"),
                   encoding="utf-8")
    refused(feb, "plan.yaml, row 3: a value cannot be read ('day is out of range for month')")


def test_a_huge_bad_value_is_quoted_short(tmp_path):
    path = plan_file(tmp_path, ["{kpi: roas, target: " + "9" * 50 + "x" * 200_000 + "}"])
    text = refused(path, "objectives[0].kpis[0].target", "is too long to be a target")
    # 60 characters at most: the quote, 58 of the value, the ellipsis
    assert len(text) < 1500 and "'" + "9" * 50 + "x" * 8 + "… is too long" in text


# -------------------------------------------------------------- encodings


def test_utf8_bom_and_utf16_bom_plans_are_read(tmp_path):
    text = (HOSTILE / "vi_plan.yaml").read_text(encoding="utf-8")
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert targets(Plan.from_yaml(bom))["roas"] == Target(value=5.6)
    plan = Plan.from_yaml(HOSTILE / "utf16_bom_plan.yaml")
    assert plan.name == "Kế hoạch Tết" and targets(plan)["roas"] == Target(value=5.6)


def test_windows_1258_and_utf16_without_bom_say_how_to_save_as_utf8(tmp_path):
    with using_language("vi"):
        refused(HOSTILE / "cp1258_plan.yaml", "cp1258_plan.yaml, dòng 1: tệp không phải UTF-8 "
                "(byte 0xea ở cột 8)", "Windows-1258", "Cách sửa: lưu tệp dưới dạng UTF-8")
    raw = tmp_path / "nobom.yaml"
    raw.write_bytes("plan: Tết\n".encode("utf-16-le"))
    refused(raw, "nobom.yaml, row 1: the file holds NUL bytes: it is UTF-16 or UTF-32 without "
            "a byte order mark", "Fix: save the file as UTF-8")


# ------------------------------------------------------------ not a file


def test_folders_fifos_devices_and_huge_files_are_refused(tmp_path):
    refused(tmp_path, "is a folder. Fix: give the path of one file")
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(5_000_000)  # sparse: 5 MB on paper, nothing written
    refused(big, "big.yaml: the file is larger than 4 MB")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.yaml"
        os.mkfifo(fifo)
        refused(fifo, "is not a regular file (a pipe, socket or device)")
        with pytest.raises(KpikitError, match="is not a regular file"):
            load_spec(fifo)
    if Path("/dev/zero").exists():
        with pytest.raises(KpikitError, match="is not a regular file"):
            load_spec("/dev/zero")


# ------------------------------------------------------------ hostile names

NAMES = {
    "campaign": "<script>alert(1)</script>",
    "owner": '=HYPERLINK("http://evil.example","click")',
    "description": unicodedata.normalize("NFD", "Bán hàng Tết"),
}


def test_hostile_names_are_read_as_plain_text_unchanged(tmp_path):
    path = tmp_path / "names.yaml"
    path.write_text(f"""plan: "{NAMES['campaign']}"
language: en
period: {{start: 2027-01-01, end: 2027-03-31}}
scope: {{campaigns: ["{NAMES['campaign']}"]}}
objectives:
  - type: sales
    description: {NAMES['description']}
    kpis:
      - kpi: roas
        target: 4
        owner: '{NAMES['owner']}'
""", encoding="utf-8")
    plan = Plan.from_yaml(path)
    assert plan.name == NAMES["campaign"] and plan.campaigns == (NAMES["campaign"],)
    assert plan.objectives[0].description == NAMES["description"]  # still NFD
    assert plan.objectives[0].kpis[0].owner == NAMES["owner"]


def test_hostile_names_in_a_spec_are_read_unchanged(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"""notebooks: [02_evaluation]
campaigns:
  - "{NAMES['campaign']}"
  - name: '{NAMES['owner']}'
  - {NAMES['description']}
""", encoding="utf-8")
    got = [c["name"] for c in load_spec(spec).campaigns]
    assert got == [NAMES["campaign"], NAMES["owner"], NAMES["description"]]


# ------------------------------------------------------------------- specs


@pytest.mark.parametrize("text, words", [
    ("notebooks: [02_evaluation]\nnotebooks: [01_goal_setting]\n",
     "s.yaml, row 2: the key 'notebooks' appears twice, on lines 1 and 2"),
    ("notebooks: [02_evaluation]\noutput_dir: [a, b]\n",
     "s.yaml: output_dir: must be a file or folder path, not ['a', 'b']"),
    ("notebooks: [02_evaluation]\ncampaigns:\n  - {name: A, plan_path: 5}\n",
     "campaigns[0].plan_path: must be a file or folder path, not 5"),
    ("notebooks: [02_evaluation\n", "s.yaml, row 2: not valid YAML at column 1"),
])
def test_bad_specs(tmp_path, text, words):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KpikitError) as info:
        load_spec(path)
    assert words in str(info.value), str(info.value)


# ------------------------------------------------------ --mapping, --bounds


def cli(capsys, *args: str) -> str:
    code = main(list(args))
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("name, content, words", [
    ("m.json", '{"Ngày": "date",\n "Chi phí": spend}\n',
     "--mapping {path}, row 2: not valid JSON at column 13 (Expecting value)"),
    ("m.json", '{"Ngày": "date", "Ngày": "spend"}', "the key 'Ngày' appears twice"),
    ("m.json", '{"Ngày": 1}', "'Ngày': 1 is not a pair of names"),
    ("m.json", "[" * 100_000 + "]" * 100_000, "nests more than 64 levels deep"),
    ("m.yaml", "- Ngày\n- date\n", "must hold a mapping such as"),
    ("m.yaml", "Ngày: date\nChi phí: [spend]\n", "--mapping {path}, row 2: 'Chi phí': "
     "['spend'] is not a pair of names"),
    ("m.yaml", "Ngày: date\nNgày: spend\n", "row 2: the key 'Ngày' appears twice"),
])
def test_bad_mapping_files(capsys, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    err = cli(capsys, "validate", str(tmp_path / "data.csv"), "--mapping", str(path))
    assert words.format(path=path) in err, err


def test_mapping_that_is_a_folder(capsys, tmp_path):
    err = cli(capsys, "validate", str(tmp_path / "data.csv"), "--mapping", str(tmp_path))
    assert f"--mapping {tmp_path}: is a folder" in err


@pytest.mark.parametrize("content, words", [
    ("search: [0, 1\n", "--bounds {path}, row 2: not valid YAML"),
    ("search: [100, abc]\n", "row 1: 'search': [100, 'abc'] is not [min, max]"),
    ("search: [500, 100]\n", "row 1: 'search': the maximum 100 is below the minimum 500"),
    ("search: [-1, .inf]\n", "is not [min, max] with two amounts of 0 or more"),
    ("- search\n", "must map channel -> [min, max], not ['search']"),
])
def test_bad_bounds_files(capsys, tmp_path, content, words):
    path = tmp_path / "b.yaml"
    path.write_text(content, encoding="utf-8")
    err = cli(capsys, "optimize", str(tmp_path / "data.csv"), "--bounds", str(path))
    assert words.format(path=path) in err, err
    assert "Fix: write one line per channel" in err or "not valid YAML" in err


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs")
def test_bounds_fifo_is_refused_without_blocking(capsys, tmp_path):
    fifo = tmp_path / "b.yaml"
    os.mkfifo(fifo)
    err = cli(capsys, "optimize", str(tmp_path / "data.csv"), "--bounds", str(fifo))
    assert "is not a regular file" in err
