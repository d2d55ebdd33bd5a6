"""The ``kpikit`` command's help in every language (``--lang vi`` or ``KPIKIT_LANG=vi``).

The English help text of each argument, sub-command and description is a message id of
the catalogs (``kpikit/i18n/locale/<lang>.po``); so are argparse's own words (usage,
options), which it asks gettext for. :func:`help_words` and :func:`argparse_words` give
them in a language; ``HELP_VI`` and ``ARGPARSE_VI`` are those for Vietnamese, kept for
the command line's hooks (``HELP_VI.get(english, english)``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kpikit.i18n.lang import N_, translate

#: the English help texts of the command line (marked for extraction into the catalogs)
HELP_TEXTS: tuple[str, ...] = (
    N_("Marketing KPIs, computed right."),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("check an export and report every problem"),
    N_("list the KPI catalog"),
    N_("compute KPIs by any grouping and period"),
    N_("generate the sample data set"),
    N_("suggest or check a KPI plan"),
    N_("judge a plan's KPIs against the data as of a date"),
    N_("fit response curves and allocate a budget"),
    N_("run notebooks per campaign from a spec (YAML)"),
    N_("run the demo batch on the bundled sample data"),
    N_("serve the KPI basics lesson for a class (Voila)"),
    N_("export file (CSV/TSV/XLSX/Parquet), or for compute a folder of canonical Parquet/CSV "
       "files"),
    N_("auto, google_ads, meta, ga4, tiktok or canonical (default: auto)"),
    N_("YAML or JSON file: {source header: canonical column}"),
    N_("ISO currency code when the file does not say (VND)"),
    N_("channel for every row when the file has none"),
    N_("force the decimal separator"),
    N_("read 03/04/2026 as 3 April"),
    N_("read 03/04/2026 as 4 March"),
    N_("KPIs you will compute, e.g. ctr,cpa (checks their columns)"),
    N_("grouping you will use, e.g. campaign,month"),
    N_("text (default), or json: every problem with its stable code "
       "(kpikit.errors.ProblemCode), exit code 0 when usable, 1 when not"),
    N_("en or vi: language of the output and messages (default: $KPIKIT_LANG, else en)"),
    N_("sales, leads, awareness, engagement, traffic, retention"),
    N_("print JSON"),
    N_("columns and a period word: campaign,channel,month (default: campaign)"),
    N_("comma-separated KPI names (default: all computable)"),
    N_("also write the aggregated measures"),
    N_("out.csv, out.xlsx or out.parquet (default: stdout)"),
    N_("auto: DuckDB for canonical Parquet/CSV files and folders (any size, only the needed "
       "columns read), pandas for platform exports"),
    N_("suggest a starting plan from the data"),
    N_("check a plan against the data"),
    N_("sales, leads, awareness, engagement, traffic or retention"),
    N_("campaign the plan is for (default: all)"),
    N_("2027Q1, 2027-01, 2027 or 2027-01-01:2027-02-28 (default: the quarter after the data)"),
    N_("how many KPIs (default 5)"),
    N_("plan.yaml (default: stdout)"),
    N_("plan YAML"),
    N_("last day of data to judge (yyyy-mm-dd)"),
    N_("campaign (default), 2027-01, 2027Q1 or a range"),
    N_("narrow the plan to one campaign"),
    N_("expected path to the target (default: seasonal)"),
    N_("write results.json here"),
    N_("spend per period to allocate (default: current)"),
    N_("outcome, CPA or ROAS target of the mode"),
    N_("YAML: channel: [min, max] per period"),
    N_("campaign whose channels are optimised"),
    N_("period of the curves"),
    N_("write the result as JSON here"),
    N_("batch spec YAML"),
    N_("parallel runs (default: the cores)"),
    N_("webhook (Slack, Teams) that gets one JSON message per new or resolved alert"),
    N_("exit with code 3 when an alert of this severity or worse is active"),
    N_("rerun complete runs too"),
    N_("stop a run that takes longer (default: the spec's timeout, else 1800); the run is "
       "marked failed with the cell that hung"),
    N_("if another batch is running on the output folder, wait this long for it (default: "
       "refuse at once, naming it)"),
    N_("local processes (default) or a Dask distributed cluster"),
    N_("Dask scheduler address, e.g. tcp://10.0.0.5:8786"),
    N_("en or vi: language of the output and messages (default: $KPIKIT_LANG, else en); "
       "default for batch: the spec's lang"),
    N_("where the reports go"),
    N_("only print the KPI table"),
    N_("local port (default 8866)"),
    N_("do not open a browser"),
)

#: argparse's own words (it asks gettext for them)
ARGPARSE_TEXTS: tuple[str, ...] = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("the following arguments are required: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unrecognized arguments: %s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("expected one argument"),
    N_("invalid %(type)s value: %(value)r"),
)


class _Words(Mapping[str, str]):
    """English text -> its translation in one language, for the texts of ``keys`` only
    (so ``.get(text, default)`` keeps argparse's own answer for anything else)."""

    def __init__(self, keys: tuple[str, ...], lang: str):
        self._keys = frozenset(keys)
        self._order = keys
        self._lang = lang

    def __getitem__(self, english: str) -> str:
        if english not in self._keys:
            raise KeyError(english)
        return translate(english, self._lang)

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


def help_words(lang: str | None = None) -> Mapping[str, str]:
    """The command line's help texts in ``lang`` (default: current), keyed by English."""
    return _Words(HELP_TEXTS, _resolved(lang))


def argparse_words(lang: str | None = None) -> Mapping[str, str]:
    """argparse's own words in ``lang`` (default: current), keyed by English."""
    return _Words(ARGPARSE_TEXTS, _resolved(lang))


def _resolved(lang: str | None) -> str:
    from kpikit.i18n.lang import resolve_lang

    return resolve_lang(lang)


HELP_VI: Mapping[str, str] = _Words(HELP_TEXTS, "vi")
ARGPARSE_VI: Mapping[str, str] = _Words(ARGPARSE_TEXTS, "vi")
