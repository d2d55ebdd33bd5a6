"""Data in: reading platform exports into the canonical table.

:func:`kpikit.load` (in :mod:`kpikit.data_in.load`) runs the steps; the
sibling modules each do one of them (reading files, finding the header,
mapping columns, parsing cells, dropping summary rows, checking the table).
"""
