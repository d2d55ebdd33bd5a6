"""Sample data and plans shipped with kpikit (importable as ``kpikit.data``)."""
