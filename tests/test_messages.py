"""Message catalogs: every message translated, placeholders kept, a language is one file."""

from __future__ import annotations

import ast
import string
import subprocess
import sys
from pathlib import Path

import pytest

import kpikit
from kpikit.catalog import CADENCE_LABELS, OBJECTIVE_LABELS, get_kpi, label_of
from kpikit.errors import DataError, KpikitError, ParameterError, ProblemCode
from kpikit.i18n import lang as _lang
from kpikit.i18n import messages
from kpikit.i18n.extract import find_messages
from kpikit.i18n.formats import format_money, format_number, format_percent

PACKAGE = Path(kpikit.__file__).parent
VI_PO = messages.LOCALE_DIR / "vi.po"
NNBSP = "\u202f"  # CLDR's narrow no-break space, the French thousands sign


def _placeholders(text: str) -> list[tuple[str, str]]:
    """``(name, conversion)`` of the ``{fields}`` of a str.format text, sorted, each once
    (a language may say a name twice where another says it once)."""
    out = set()
    for _, name, _, conversion in string.Formatter().parse(text):
        if name is not None:
            out.add((name, conversion or ""))
    return sorted(out)


def _percent_fields(text: str) -> list[str]:
    import re

    return sorted(re.findall(r"%(?:\(\w+\))?[sdrfgix]", text))


@pytest.fixture
def third_language(tmp_path, monkeypatch):
    """A tiny French catalog in a folder of its own (KPIKIT_LOCALE_DIR)."""
    (tmp_path / "fr.po").write_text(
        'msgid ""\n'
        'msgstr ""\n'
        '"Language: fr_FR\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        "\n"
        'msgid "Revenue"\n'
        'msgstr "Chiffre d\'affaires"\n'
        "\n"
        "# a message with placeholders, in another order than the English\n"
        'msgid "{file}, line {line}: {what}"\n'
        'msgstr "{what} ({file}, ligne {line})"\n'
        "\n"
        'msgid "weekly"\n'
        'msgstr "hebdomadaire"\n', encoding="utf-8")
    (tmp_path / "fr.po").write_text(
        (tmp_path / "fr.po").read_text(encoding="utf-8").replace(
            '"Content-Type', '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n"Content-Type')
        + '\nmsgid "{n} problem found"\nmsgid_plural "{n} problems found"\n'
          'msgstr[0] "{n} problème trouvé"\nmsgstr[1] "{n} problèmes trouvés"\n',
        encoding="utf-8")
    monkeypatch.setenv(messages.ENV_DIR, str(tmp_path))
    yield tmp_path
    kpikit.set_language(None)


# --- the shipped catalogs ---------------------------------------------------------------------
def test_every_message_in_the_code_has_a_vietnamese_translation():
    found = find_messages(PACKAGE)
    assert len(found) > 150  # the catalog's labels and descriptions, the CLI's help ...
    vi = messages.catalog("vi")
    assert vi is not None and vi.locale == "vi_VN"
    missing = [f"{m.locations[0][0]}:{m.locations[0][1]}: {m.msgid!r}"
               for m in found.values() if not vi.messages.get((m.context, m.msgid))]
    assert not missing, "untranslated (run python -m kpikit.i18n.extract, then translate "\
                        "in kpikit/i18n/locale/vi.po):\n" + "\n".join(missing)


@pytest.mark.parametrize("po", sorted(messages.LOCALE_DIR.glob("*.po")), ids=lambda p: p.name)
def test_placeholders_are_the_same_in_every_language(po):
    found = find_messages(PACKAGE)
    formatted = {m.msgid for m in found.values() if m.formatted}
    entries, header = messages.parse_po(po)
    assert header.get("Language"), f"{po.name} names no Language (the CLDR locale)"
    wrong = []
    for (_, msgid), msgstr in entries.items():
        forms = msgstr if isinstance(msgstr, tuple) else (msgstr,)
        if msgid in formatted and isinstance(msgstr, tuple):
            # plural forms: together they say what the English singular and plural say
            english = set(_placeholders(msgid)) | set(_placeholders(found[msgid].plural or ""))
            said = set().union(*(_placeholders(f) for f in forms))
            if said != english or not all(set(_placeholders(f)) <= english for f in forms):
                wrong.append(f"{msgid!r}: {sorted(english)} != {sorted(said)}")
            continue
        for text in forms:
            if msgid in formatted and _placeholders(msgid) != _placeholders(text):
                wrong.append(f"{msgid!r}: {_placeholders(msgid)} != {_placeholders(text)}")
            if msgid not in formatted and _percent_fields(msgid) != _percent_fields(text):
                # argparse's own words, which it fills with % itself
                wrong.append(f"{msgid!r}: {_percent_fields(msgid)} != {_percent_fields(text)}")
    assert not wrong, "\n".join(wrong)


def test_the_placeholder_check_catches_a_changed_name_or_conversion():
    assert _placeholders("{column!r} in {file}") == [("column", "r"), ("file", "")]
    assert _placeholders("{file}: cột {column}") != _placeholders("{column!r} in {file}")
    assert _placeholders("{{literal}} {n:,} {n:,}") == [("n", "")]
    assert _percent_fields("thiếu: %s") == _percent_fields("missing: %s") == ["%s"]


def _old_form_calls() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "tr" and len(node.args) == 2):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


def test_no_old_two_text_tr_calls_are_left():
    left = _old_form_calls()
    assert not left, f"{len(left)} tr(english, vietnamese) calls: " + ", ".join(left[:20])


def test_the_old_form_finder_sees_two_text_calls():
    # the test above must be able to fail: its finder sees an old-form call
    tree = ast.parse('tr(f"{n} rows", f"{n} dòng")\ntr("{n} rows", n=n)\n')
    assert [type(n).__name__ for n in ast.walk(tree) if isinstance(n, ast.Call)
            and len(n.args) == 2] == ["Call"]


def test_our_reader_and_babels_agree_on_the_vietnamese_catalog():
    from babel.messages.pofile import read_po

    ours, header = messages.parse_po(VI_PO)
    with VI_PO.open("rb") as fh:
        # a plural entry: Babel's id is (singular, plural), ours the singular (gettext's key)
        theirs = {(m.context, m.id[0] if m.pluralizable else m.id): m.string
                  for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    assert ours == theirs
    assert header["Language"] == "vi_VN"


# --- the language channel ------------------------------------------------------------------
def test_new_form_fills_placeholders_and_old_form_still_works():
    assert _lang.tr("{n} rows in {file!r}", n=3, file="a.csv") == "3 rows in 'a.csv'"
    assert _lang.tr("braces {{kept}}") == "braces {kept}"
    with kpikit.using_language("vi"):
        assert _lang.tr("3 rows", "3 dòng") == "3 dòng"
        assert _lang.tr("Revenue") == "Doanh thu"  # a catalog id through tr
        assert _lang.tr("not in any catalog {x}", x=1) == "not in any catalog 1"
    assert _lang.tr("3 rows", "3 dòng") == "3 rows"


def test_labels_come_from_the_catalog_with_todays_accessors():
    k = get_kpi("revenue")
    assert k.label("vi") == "Doanh thu" and k.label("en") == "Revenue"
    assert get_kpi("cpm").description("vi").startswith("Chi phí cho mỗi nghìn lượt hiển thị")
    assert OBJECTIVE_LABELS["sales"][1] == "Doanh số" and OBJECTIVE_LABELS["sales"][0] == "Sales"
    assert CADENCE_LABELS["campaign"][1] == "theo chiến dịch"
    assert label_of("horizon", "long", "vi") == "dài hạn"
    with kpikit.using_language("vi"):
        assert k.label() == "Doanh thu" and label_of("cadence", "weekly") == "hằng tuần"
    assert label_of("cadence", "fortnightly") == "fortnightly"


def test_cli_words_come_from_the_catalog():
    from kpikit.i18n.cli_words import ARGPARSE_VI, HELP_VI, help_words

    assert HELP_VI.get("print JSON", "x") == "in JSON"
    assert HELP_VI.get("not a help text", "kept") == "kept"
    assert ARGPARSE_VI["usage: "] == "cách dùng: "
    assert help_words("en")["print JSON"] == "print JSON"


def test_import_kpikit_reads_no_catalog_and_no_babel():
    code = ("import sys, kpikit; from kpikit.i18n import messages as m; "
            "print(len(m._cache), 'babel' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["0", "False"]


# --- a third language is one file -----------------------------------------------------------
def test_a_third_language_is_one_catalog_file(third_language):
    assert "fr" in _lang.LANGS and _lang.LANGS[0] == "en"
    assert _lang.LOCALES["fr"] == "fr_FR"
    kpikit.set_language("fr")
    assert kpikit.language() == "fr"
    # French where the catalog has it, placeholders filled in the French order
    assert get_kpi("revenue").label() == "Chiffre d'affaires"
    assert label_of("cadence", "weekly") == "hebdomadaire"
    assert (_lang.tr("{file}, line {line}: {what}", file="a.csv", line=3, what="bad")
            == "bad (a.csv, ligne 3)")
    # English for the rest: never a Vietnamese or an empty text
    assert get_kpi("spend").label() == "Spend"
    assert label_of("cadence", "monthly") == "monthly"
    with pytest.raises(kpikit.UnknownKPIError, match="Unknown KPI 'ctrr'"):
        get_kpi("ctrr")
    # CLDR's French formats: narrow no-break spaces group thousands, a comma for decimals
    assert format_number(1234567.5, 1) == f"1{NNBSP}234{NNBSP}567,5"
    assert format_percent(0.025) == "2,5 %"
    assert format_money(1234567, "VND") == f"1{NNBSP}234{NNBSP}567 ₫"
    assert _lang.nfmt(1234567.5, ",.1f") == f"1{NNBSP}234{NNBSP}567,5"
    from kpikit.i18n.formats import parse_number

    assert parse_number(f"1{NNBSP}234{NNBSP}567,5") == 1234567.5
    assert parse_number("2,5") == 2.5


def test_counted_messages_take_each_languages_plural_forms(third_language):
    one, many = "{n} problem found", "{n} problems found"
    assert _lang.ntr(one, many, 1) == "1 problem found"
    assert _lang.ntr(one, many, 0) == "0 problems found"
    assert _lang.ntr("{n} row in {f}", "{n} rows in {f}", 3, f="a.csv") == "3 rows in a.csv"
    with kpikit.using_language("fr"):  # French: 0 and 1 take the singular (plural=(n > 1))
        assert _lang.ntr(one, many, 0) == "0 problème trouvé"
        assert _lang.ntr(one, many, 2) == "2 problèmes trouvés"
        assert _lang.ntr("{n} day", "{n} days", 2) == "2 days"  # not in the catalog
    with kpikit.using_language("vi"):
        assert messages.catalog("vi").plural_index(5) == 0  # one form in Vietnamese


def test_a_language_leaves_with_its_file(third_language, monkeypatch):
    monkeypatch.delenv(messages.ENV_DIR)
    assert "fr" not in _lang.LANGS
    with pytest.raises(ParameterError, match="lang='fr'.*Choose from: en, vi"):
        kpikit.set_language("fr")


def test_a_language_added_while_running_counts_at_once(third_language):
    (third_language / "de.po").write_text('msgid "Revenue"\nmsgstr "Umsatz"\n', encoding="utf-8")
    with kpikit.using_language("de"):
        assert get_kpi("revenue").label() == "Umsatz"
    assert _lang.LOCALES["de"] == "de"  # no Language header: the file's name


def test_a_broken_translation_falls_back_to_english(third_language):
    (third_language / "fr.po").write_text(
        'msgid "{n} rows"\nmsgstr "{m} lignes"\n', encoding="utf-8")
    with kpikit.using_language("fr"):
        assert _lang.tr("{n} rows", n=2) == "2 rows"


@pytest.mark.parametrize(("text", "line"), [
    ('msgid "a"\nmsgstr "b\n', 2),                        # unclosed quote
    ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', 4),  # duplicate id
    ('msgid "a"\n\nmsgid "b"\nmsgstr "c"\n', 1),          # msgid without msgstr
    ('msgid "a"\nmsgstr "b"\n"orphan"\nmsgtxt "x"\n', 4),  # unknown keyword
    ('msgid "a \\q"\nmsgstr "b"\n', 1),                    # unknown escape
    ('msgstr "b"\n', 1),                                  # msgstr without msgid
])
def test_a_po_syntax_error_names_file_and_line(tmp_path, monkeypatch, text, line):
    (tmp_path / "fr.po").write_text(text, encoding="utf-8")
    monkeypatch.setenv(messages.ENV_DIR, str(tmp_path))
    with pytest.raises(KpikitError) as e:
        kpikit.set_language("fr")  # the catalog is checked when the language is chosen
    assert isinstance(e.value, DataError) and e.value.code == ProblemCode.CATALOG_SYNTAX
    assert f"fr.po, row {line}: not valid .po syntax" in str(e.value)
    assert "Fix:" in str(e.value)
    kpikit.set_language(None)


def test_a_catalog_that_is_not_utf8_names_its_line(tmp_path, monkeypatch):
    (tmp_path / "fr.po").write_bytes(b'msgid "a"\nmsgstr "b"\nmsgid "c"\nmsgstr "\xe9"\n')
    monkeypatch.setenv(messages.ENV_DIR, str(tmp_path))
    with pytest.raises(DataError, match=r"fr\.po, row 4: the catalog is not UTF-8"):
        kpikit.set_language("fr")
    with pytest.raises(messages.CatalogError) as e:  # the reader's own, language-free error
        messages.parse_po(tmp_path / "fr.po")
    assert (e.value.line, e.value.reason) == (4, "encoding")


def test_a_catalog_that_is_a_folder_or_too_large_is_refused(tmp_path, monkeypatch):
    (tmp_path / "fr.po").mkdir()
    monkeypatch.setenv(messages.ENV_DIR, str(tmp_path))
    assert "fr" not in kpikit.i18n.lang.LANGS  # a folder named fr.po is no catalog
    monkeypatch.setattr(messages, "_MAX_PO_BYTES", 10)
    (tmp_path / "de.po").write_text('msgid "a"\nmsgstr "b"\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"de\.po: is too large to be a catalog"):
        kpikit.set_language("de")


def test_the_reader_keeps_contexts_plurals_escapes_and_skips_fuzzy_and_obsolete(tmp_path):
    po = tmp_path / "xx.po"
    po.write_text(
        '# comment\n'
        'msgctxt "menu"\nmsgid "Open"\nmsgstr "Mở"\n\n'
        'msgid "Open"\nmsgstr "Mở ra"\n\n'
        'msgid ""\n"two "\n"lines\\n"\nmsgstr "hai \\"dòng\\"\\n"\n\n'
        '#, fuzzy\nmsgid "guess"\nmsgstr "đoán"\n\n'
        'msgid "{n} file"\nmsgid_plural "{n} files"\nmsgstr[0] "{n} tệp"\n\n'
        'msgid "empty"\nmsgstr ""\n\n'
        '#~ msgid "gone"\n#~ msgstr "đã bỏ"\n', encoding="utf-8")
    entries, _ = messages.parse_po(po)
    assert entries == {("menu", "Open"): "Mở", (None, "Open"): "Mở ra",
                       (None, "two lines\n"): 'hai "dòng"\n',
                       (None, "{n} file"): ("{n} tệp",)}


def test_the_catalog_reader_imports_nothing_of_kpikit():
    # the language channel sits on the ground floor: kpikit.i18n.lang imports the reader, the
    # reader imports no kpikit module, so the two never import each other
    tree = ast.parse(Path(messages.__file__).read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                and (n.level or (n.module or "").startswith("kpikit"))]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import)
                 for a in n.names if a.name.startswith("kpikit")]
    assert imported == []


def test_extraction_finds_new_forms_and_skips_the_old_pairs():
    from kpikit.i18n.extract import messages_in

    tree = ast.parse('tr("{n} rows", n=n)\ntr(f"{n} rows", f"{n} dòng")\nN_("Revenue")\n'
                     'ntr("{n} day", "{n} days", n)\ntr(name)\n')
    assert messages_in(tree) == [("{n} rows", True, 1, None), ("Revenue", False, 3, None),
                                 ("{n} day", True, 4, "{n} days")]


def test_extract_writes_the_template_and_merges_every_catalog(tmp_path):
    from babel.messages.pofile import read_po

    from kpikit.i18n.extract import update

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text('tr("{n} rows", n=n)\nN_("Revenue")\nN_("file: {header: column}")\n'
                              'tr("{v} is above 100% for {k}", v=v, k=k)\n', encoding="utf-8")
    loc = tmp_path / "locale"
    loc.mkdir()
    (loc / "vi.po").write_text('msgid ""\nmsgstr ""\n"Language: vi_VN\\n"\n\n'
                               'msgid "Revenue"\nmsgstr "Doanh thu"\n\n'
                               'msgid "gone"\nmsgstr "đã bỏ"\n', encoding="utf-8")
    update(loc, pkg)
    pot = read_po((loc / "messages.pot").open("rb"))
    assert sorted(m.id for m in pot if m.id) == ["Revenue", "file: {header: column}",
                                                 "{n} rows", "{v} is above 100% for {k}"]
    assert "python-brace-format" in pot["{n} rows"].flags
    # the format is known from the call, not guessed from the text (as written in the file:
    # Babel's reader adds its own guess again)
    written = (loc / "messages.pot").read_text(encoding="utf-8")
    assert '#, no-python-brace-format\nmsgid "file: {header: column}"' in written
    assert '#, python-brace-format\nmsgid "{v} is above 100% for {k}"' in written
    vi = read_po((loc / "vi.po").open("rb"))
    assert vi["Revenue"].string == "Doanh thu" and vi["{n} rows"].string == ""
    assert "gone" in vi.obsolete  # kept for the translator, never used
    entries, _ = messages.parse_po(loc / "vi.po")
    assert entries == {(None, "Revenue"): "Doanh thu"}


def test_an_edited_catalog_is_read_again(third_language, monkeypatch):
    monkeypatch.setattr(messages, "_RECHECK", 0.0)  # normally: at most a second later
    with kpikit.using_language("fr"):
        assert get_kpi("revenue").label() == "Chiffre d'affaires"
        po = third_language / "fr.po"
        po.write_text('msgid "Revenue"\nmsgstr "Recettes"\n', encoding="utf-8")
        import os

        st = po.stat()
        os.utime(po, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        assert get_kpi("revenue").label() == "Recettes"


def test_langs_stays_a_tuple_for_older_callers(third_language):
    import json
    import pickle

    assert isinstance(_lang.LANGS, tuple) and _lang.LANGS == ("en", "fr", "vi")
    assert ", ".join(_lang.LANGS) == "en, fr, vi" and _lang.LANGS.index("vi") == 2
    assert pickle.loads(pickle.dumps(_lang.LANGS)) == ("en", "fr", "vi")
    assert json.loads(json.dumps(list(_lang.LANGS))) == ["en", "fr", "vi"]
    assert dict(_lang.LOCALES) == {"en": "en", "fr": "fr_FR", "vi": "vi_VN"}


def test_a_third_language_reaches_the_command_line_and_a_report_table(tmp_path, monkeypatch,
                                                                      capsys):
    # five French messages in a folder of their own: translated words show, the rest falls
    # back to English (never Vietnamese), numbers, money and days follow CLDR's fr_FR
    (tmp_path / "fr.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: fr_FR\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '\nmsgid "usage: "\nmsgstr "utilisation : "\n'
        '\nmsgid "list the KPI catalog"\nmsgstr "lister le catalogue des KPI"\n'
        '\nmsgid "owner"\nmsgstr "responsable"\n'
        '\nmsgid "Status"\nmsgstr "Statut"\n'
        '\nmsgid "off track"\nmsgstr "hors trajectoire"\n', encoding="utf-8")
    monkeypatch.setenv(messages.ENV_DIR, str(tmp_path))
    from kpikit.cli import main
    from kpikit.data_in.sample import sample_path

    with pytest.raises(SystemExit):
        main(["--help", "--lang", "fr"])
    out = capsys.readouterr().out
    assert out.startswith("utilisation : kpikit")  # argparse's own word, from fr.po
    assert "lister le catalogue des KPI" in out  # a help text, from fr.po
    assert "compute KPIs by any grouping and period" in out  # untranslated: English
    assert "liệt kê" not in out and "tham số" not in out

    data = sample_path()
    plan = data.parent / "plan_tet_sale.yaml"
    assert main(["evaluate", str(data), str(plan), "--as-of", "2027-01-25", "--lang", "fr"]) == 0
    text = capsys.readouterr().out
    # the plan says 2027-01-01 to 2027-02-28: CLDR's French medium dates
    assert text.startswith("Tết Sale 2027: 1 janv. 2027 to 28 févr. 2027, as of 25 janv. 2027")
    head = text.splitlines()[2].split()
    assert "responsable" in head and "status" in head and "owner" not in head
    revenue = next(line for line in text.splitlines() if line.startswith("revenue "))
    # the sample's Tết Sale rows, 1 to 25 January 2027, sum to 14,348,926,000 VND of revenue
    assert "hors trajectoire" in revenue
    assert f"14{NNBSP}348{NNBSP}926{NNBSP}000 ₫" in revenue.replace("\xa0", NNBSP)

    from kpikit import load
    from kpikit.analysis.evaluate import evaluate
    from kpikit.plans import Plan
    from kpikit.views.notebook_tables import scorecard_table

    ev = evaluate(load(data), Plan.from_yaml(plan), as_of="2027-01-25")
    table = scorecard_table(ev, lang="fr", currency="VND")
    assert "Statut" in table.columns and "Actual" in table.columns  # fr.po, then English
    row = table.iloc[0]
    assert row["Statut"] == "hors trajectoire"
    assert row["Actual"].replace("\xa0", NNBSP) == f"14{NNBSP}348{NNBSP}926{NNBSP}000 ₫"
    assert kpikit.language() == "en"  # --lang fr spoke for the command only


def test_a_plans_number_format_may_be_any_language_spoken(third_language):
    from kpikit.plans.numbers import NUMBER_FORMATS, convention
    from kpikit.plans.targets import parse_target

    assert "fr" in NUMBER_FORMATS and "de" not in NUMBER_FORMATS  # the one list, from i18n
    assert convention("fr") == "vi" and convention("en") == "en"  # French: a decimal comma
    assert parse_target("1.234", number_format="fr").value == 1234  # the point groups
    assert parse_target("2,5%", number_format="fr").value == pytest.approx(0.025)
    assert parse_target("1.234", number_format="en").value == pytest.approx(1.234)
    with pytest.raises(ParameterError, match="number_format='de'|number_format=de"):
        parse_target("1.234", number_format="de")


def test_a_context_tells_apart_one_english_word_said_two_ways():
    from kpikit.i18n.extract import key, messages_in

    with kpikit.using_language("vi"):
        assert _lang.tr("ok") == "xong"  # a step that is done
        assert _lang.tr("ok", context="availability") == "đủ"  # data that is all there
        assert _lang.tr("spend", context="pacing") == "theo chi phí"
    assert _lang.tr("ok", context="availability") == "ok"
    tree = ast.parse('tr("ok", context="availability")\ntr("ok")\n'
                     'ntr("{n} day", "{n} days", n, context="age")\n')
    assert messages_in(tree, contexts=True) == [("ok", True, 1, None, "availability"),
                                                ("ok", True, 2, None, None),
                                                ("{n} day", True, 3, "{n} days", "age")]
    found = find_messages(PACKAGE)
    assert found[key("ok", "availability")].context == "availability"
    assert found["ok"].context is None
