"""The language channel: message catalogs (``locale/<lang>.po``) and their tools.

:mod:`kpikit.i18n.messages` reads the catalogs; ``python -m kpikit.i18n.extract``
writes them. Nothing heavy is imported here (``import kpikit`` stays light).
"""
