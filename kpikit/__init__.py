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
from kpikit.version import __version__

#: Public names whose modules load on first use, so that ``import kpikit`` stays light
#: (the analysis loads SciPy on demand, the batch its runner): name -> module.
_LAZY: dict[str, str] = {
    "Plan": "kpikit.plans", "PlanError": "kpikit.plans", "load_plan": "kpikit.plans",
    "check_plan": "kpikit.plans", "suggest_plan": "kpikit.plans",
    "recommend_kpis": "kpikit.plans",
    "evaluate": "kpikit.analysis.evaluate", "Evaluation": "kpikit.analysis.evaluate",
    "allocate": "kpikit.analysis.optimize", "fit_curves": "kpikit.analysis.optimize",
    "summary_lines": "kpikit.views.prose", "recommendations": "kpikit.views.prose",
    "accountability": "kpikit.views.prose",
    "run_batch": "kpikit.runs.batch", "load_spec": "kpikit.runs.batch",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        from kpikit.i18n.current import tr

        raise AttributeError(tr("module 'kpikit' has no attribute {name!r}", name=name))
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # found once; later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
    *_LAZY,
]
