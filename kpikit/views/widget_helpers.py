"""What every kpikit widget shares: readouts in the reader's language, charts drawn into an
Output, and the static mode in which a batch report shows HTML instead of live widgets.

Importing this module loads ipywidgets; ``import kpikit`` does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import ipywidgets as w

from kpikit.errors import KpikitError

__all__ = ["plot_into", "show_widget", "static_mode", "with_readout"]


def static_mode() -> bool:
    """Whether widgets are shown as static HTML (batch reports: no live kernel)."""
    import os

    return bool(os.environ.get("KPIKIT_STATIC"))


def with_readout(slider: w.IntSlider | w.FloatSlider,
                 show: Callable[[float], str],
                 parse: Callable[[str], float] | None = None) -> w.HBox:
    """``slider`` beside its value written by ``show`` (``1.234.567 ₫`` in Vietnamese).

    A slider's own readout knows only English separators (``5,000,000``); this one is
    turned off and a label that follows the value takes its place. With ``parse`` the
    readout is a text field: what a person types there is read in the same language
    (``2,5`` is 2.5 in Vietnamese) and moves the slider, its range widened if needed;
    text that is not a number is put back and the reason shown as the field's tooltip.
    """
    slider.readout = False
    if parse is None:
        label: w.Widget = w.Label(show(slider.value), layout=w.Layout(min_width="110px"))
    else:
        label = w.Text(show(slider.value), continuous_update=False,
                       layout=w.Layout(width="150px"))

        def typed(change: dict) -> None:
            if change["new"] == show(slider.value):
                return
            try:
                value = parse(change["new"])
            except KpikitError as e:
                label.tooltip = str(e)
                label.value = show(slider.value)
                return
            label.tooltip = None
            if value > slider.max:
                slider.max = value
            if value < slider.min:
                slider.min = value
            slider.value = value
            label.value = show(slider.value)  # the value as the slider's step keeps it

        label.observe(typed, names="value")
    label.add_class("kpikit-readout")
    slider.observe(lambda change: setattr(label, "value", show(change["new"])), names="value")
    return w.HBox([slider, label])


def plot_into(output: w.Output, *figures: object) -> None:
    """Replace what an Output widget shows with plotly figures.

    The widget's ``outputs`` are set in one state update, with only the plotly mime bundle
    (JupyterLab and Voila draw it; no copy of plotly.js per chart). No ``clear_output``
    and no capture context: a headless executor (Voila runs the notebook through nbclient)
    can hang on those now and then (jupyter/nbclient#312).
    """
    output.outputs = tuple(
        {"output_type": "display_data", "metadata": {},
         "data": {"application/vnd.plotly.v1+json": json.loads(fig.to_json())}}  # type: ignore[attr-defined]
        for fig in figures)


def show_widget(widget: w.Widget, static: object) -> None:
    """Display a widget, or its static view when kpikit runs a batch (no live kernel)."""

    from IPython.display import HTML, display

    if static_mode():
        display(HTML(static()))  # type: ignore[operator]
    else:
        display(widget)
