"""The KPI catalog: complete entries, variants, and helpful lookups."""

from __future__ import annotations

import pytest

import kpikit
from kpikit.catalog import KPIS, MEASURES, OBJECTIVES, get_kpi, kpis_for, resolve_kpis
from kpikit.i18n.formats import format_value


def test_at_least_thirty_complete_kpis():
    assert len(KPIS) >= 30
    for k in KPIS.values():
        assert k.label_en and k.label("vi") and k.description_en and k.description("vi"), k.name
        assert k.direction in ("higher", "lower")
        assert k.horizon in ("short", "long")
        assert set(k.objectives) <= set(OBJECTIVES) and k.objectives
        assert all(m in MEASURES for m in k.measures)


def test_every_objective_has_kpis_of_both_horizons_where_it_matters():
    for objective in OBJECTIVES:
        assert kpis_for(objective), objective
    assert {k.horizon for k in kpis_for("engagement")} == {"short", "long"}
    assert any(k.horizon == "long" for k in kpis_for("retention"))


def test_platform_variants_are_separate_entries():
    assert get_kpi("ctr").numerator != get_kpi("link_ctr").numerator
    assert get_kpi("engagement_rate_reach").denominator == (("reach", 1.0),)
    assert get_kpi("engagement_rate_impressions").denominator == (("impressions", 1.0),)
    assert get_kpi("roas").unit == "ratio" and get_kpi("roi").unit == "percent"


def test_directions():
    lower = {"cpa", "cpc", "cpm", "cpl", "cac", "bounce_rate", "unsubscribe_rate", "frequency"}
    for name in lower:
        assert not get_kpi(name).higher_is_better, name
    for name in ("ctr", "cvr", "roas", "roi", "aov", "follower_growth"):
        assert get_kpi(name).higher_is_better, name


def test_lookup_is_forgiving_about_case_and_lists_close_matches():
    assert get_kpi("ROAS").name == "roas"
    assert get_kpi("link-ctr").name == "link_ctr"
    with pytest.raises(kpikit.UnknownKPIError) as info:
        get_kpi("ctrr")
    msg = str(info.value)
    assert "Did you mean 'ctr'" in msg and "Choose from:" in msg and "roas" in msg
    assert [k.name for k in resolve_kpis("ctr, cpa,ctr")] == ["ctr", "cpa"]
    with pytest.raises(kpikit.UnknownKPIError, match="Unknown objective 'sale'.*sales"):
        kpis_for("sale")


def test_formula_text():
    assert get_kpi("cpm").formula() == "1000 * sum(spend) / sum(impressions)"
    assert get_kpi("roi").formula() == "(sum(revenue) - sum(spend)) / sum(spend)"
    assert get_kpi("frequency").formula() == "sum(impressions) / reach"


@pytest.mark.parametrize("value, kpi, lang, expected", [
    (1234567.4, "cpa", "vi", "1.234.567 ₫"),
    (1234567.4, "cpa", "en", "₫1,234,567"),
    (0.04523, "ctr", "vi", "4,52%"),
    (0.04523, "ctr", "en", "4.52%"),
    (4.061, "roas", "vi", "4,06x"),
    (float("nan"), "roas", "en", "–"),
])
def test_formatting(value, kpi, lang, expected):
    assert format_value(value, kpi, lang=lang, currency="VND") == expected


def test_word_for_names_kpis_and_measures_in_the_readers_language():
    from kpikit.catalog import word_for

    assert word_for("roas", "en") == "ROAS (return on ad spend)"
    assert word_for("roas", "en", short=True) == "ROAS"
    assert word_for("spend", "vi") == "Chi phí"
    assert word_for("<not a kpi>", "vi") == "<not a kpi>"
