"""Metrics: the KPI catalog, the compute core and the two engines (pandas, DuckDB).

:func:`kpikit.compute` (in :mod:`kpikit.compute`) picks the engine;
:mod:`kpikit.metrics.core` holds what both engines share, so that neither
engine imports the other.
"""
