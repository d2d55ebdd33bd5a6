"""Analysis: actual against target, why a KPI moved, and where budget should go.

This layer returns values (frames, frozen dataclasses, codes such as a status);
:mod:`kpikit.views` turns them into words and charts. It imports only from the
plans, metrics, data-in and ground layers.
"""
