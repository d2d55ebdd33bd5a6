"""kpikit: marketing KPIs from real exports, computed right.

The public API lives here; deeper modules are implementation. ``import
kpikit`` loads pandas but never plotly or ipywidgets. Messages speak English or
Vietnamese: ``kpikit.set_language("vi")`` or ``KPIKIT_LANG=vi``.
"""

from __future__ import annotations

from kpikit.catalog import KPI, KPIS, MEASURES, OBJECTIVES, Measure, get_kpi, kpis_for, list_kpis
from kpikit.data_in.load import load, validate
from kpikit.data_in.sample import generate as generate_sample
from kpikit.data_in.sample import load_sample, sample_path
from kpikit.errors import (
    DataError,
    KpikitError,
    KpikitWarning,
    MissingColumnsError,
    NonAdditiveError,
    ParameterError,
    Problem,
    ProblemCode,
    UnknownKPIError,
)
from kpikit.i18n.lang import language, set_language, using_language
from kpikit.metrics.engines import compute

__version__ = "0.1.0"

__all__ = [
    "KPI",
    "KPIS",
    "MEASURES",
    "OBJECTIVES",
    "DataError",
    "KpikitError",
    "KpikitWarning",
    "Measure",
    "MissingColumnsError",
    "NonAdditiveError",
    "ParameterError",
    "Problem",
    "ProblemCode",
    "UnknownKPIError",
    "__version__",
    "compute",
    "generate_sample",
    "get_kpi",
    "kpis_for",
    "language",
    "list_kpis",
    "load",
    "load_sample",
    "sample_path",
    "set_language",
    "using_language",
    "validate",
]
