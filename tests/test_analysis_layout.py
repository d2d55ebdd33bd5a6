"""The analysis layer's rooms: layers respected, no circles, one job of bounded size each,
and every text pair ready for a message catalog (both languages use the same values)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "kpikit"
ANALYSIS = sorted((ROOT / "analysis").glob("*.py"))
MINE = [*ANALYSIS, ROOT / "views" / "prose.py"]















def _fields(node: ast.expr) -> list[str] | None:
    """The placeholder expressions of an f-string (None for anything but a string)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return []
    if isinstance(node, ast.JoinedStr):
        return sorted(ast.unparse(v.value) for v in node.values
                      if isinstance(v, ast.FormattedValue))
    return None


def _pairs(path: Path) -> list[tuple[int, list[str] | None, list[str] | None]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.lineno, _fields(node.args[0]), _fields(node.args[1]))
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "tr" and len(node.args) == 2]


@pytest.mark.parametrize("path", MINE, ids=lambda p: p.name)
def test_tr_pairs_use_the_same_values_in_both_languages(path):
    pairs = _pairs(path)
    for line, en, vi in pairs:
        assert en is not None and vi is not None, f"{path.name}:{line}: tr() of a non-string"
        assert en == vi, f"{path.name}:{line}: English uses {en}, Vietnamese {vi}"


def test_the_pair_walker_sees_a_mismatch(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('tr(f"{n} item{\'s\' if n != 1 else \'\'}", f"{n} mục")\n', encoding="utf-8")
    [(_, en, vi)] = _pairs(bad)
    assert en != vi


@pytest.mark.parametrize("path", MINE, ids=lambda p: p.name)
def test_no_language_dicts_or_indexed_tuples(path):
    """Translations come as tr pairs made when the text is needed, never as tables."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            assert not {"en", "vi"} <= keys, f"{path.name}:{node.lineno}: a language dict"
    tests = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Compare)
             and any(isinstance(c, ast.Constant) and c.value == "vi" for c in node.comparators)]
    # one exception: the day in a summary, which chooses a date format, not a translation
    assert len(tests) <= (1 if path.name == "prose.py" else 0), (
        f"{path.name}: a language test outside tr() at lines {tests}")
