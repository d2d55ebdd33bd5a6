"""The texts of the KPI basics lesson, in the reader's language.

Every text is an English message id, ``tr("Exercises")``, made inside a function, so it
is read in the language current when it is asked for (:func:`text` sets it from ``lang``);
its translations are in the message catalogs (``kpikit/i18n/locale/<lang>.po``).
"""

from __future__ import annotations

from typing import Any

from kpikit.errors import ParameterError, ProblemCode
from kpikit.i18n.lang import resolve_lang, tr, using_language

__all__ = ["impossible_rate", "not_a_number", "playground_note", "say", "text", "text_keys"]


def _texts() -> dict[str, str]:
    """Every fixed text of the lesson, in the current language."""
    return {
        "intro": tr("This lesson walks through the **eight steps** of working with marketing KPIs "
                    "on a realistic sample: five campaigns of a Vietnamese retailer over two and "
                    "a half years, in VND. Every box below is live: change a value and the "
                    "numbers redraw."),
        "why_title": tr("Why KPIs matter"),
        "reasons": tr("- **Focus**: a few numbers tell the team what matters this quarter.\n- "
                      "**Better decisions**: budget moves follow evidence, not the loudest "
                      "voice.\n- **Tracking strategy**: KPIs show whether the plan works while "
                      "there is time to act.\n- **Accountability**: every KPI has an owner who "
                      "explains and acts.\n- **Motivation**: a visible target the team can beat."),
        "steps_title": tr("The eight steps"),
        "s1": tr("1 · Define the objective"),
        "s1_body": tr("Start from what the business wants: sales, leads, awareness, engagement, "
                      "traffic or retention. Pick an objective below and discuss the KPIs kpikit "
                      "suggests, and why."),
        "s2": tr("2 · Pick KPIs that fit, and compute them right"),
        "s2_body": tr("A KPI is a formula over raw counts. Move the sliders: each KPI moves with "
                      "the measures in its formula, and only with those."),
        "trap_body": tr("**The mean-of-ratios trap.** A rate over several days, channels or "
                        "campaigns is *total clicks / total impressions*, not the average of "
                        "their rates: the average gives a campaign with 3 million impressions the "
                        "same weight as one with 90 million. Move the slider (clicks of the "
                        "smallest campaign) and watch the wrong average jump while the right "
                        "number moves far less."),
        "s3": tr("3 · Make sure the data exists"),
        "s3_body": tr("Below is an export with gaps: missing days and empty cells. Before "
                      "promising a KPI, check that its measures are there for the whole period."),
        "s4": tr("4 · Tie KPIs to the business goal"),
        "s4_body": tr("Revenue is exactly impressions × CTR × conversion rate × value per "
                      "conversion. Move one driver and see the business goal move by the same "
                      "factor."),
        "s5": tr("5 · Set a review cadence"),
        "s5_body": tr("Choose how often to review and a day inside the month. *Expected by now* "
                      "follows last year's daily shape (seasonal pacing), so an early-month dip "
                      "is not a false alarm; the status comes from the projection to the period's "
                      "end."),
        "s6": tr("6 · Name owners"),
        "s6_body": tr("Every KPI of the Tết Sale plan has an owner, who reads this table in the "
                      "review and explains what moved."),
        "s7": tr("7 · Optimise when a KPI misses"),
        "s7_body": tr("When a KPI is off track, find the driver that moved (step 4's tree) and "
                      "act on it: notebook 02 attributes the gap to drivers and channels, "
                      "notebook 03 moves budget to the channels with the best marginal return."),
        "s8": tr("8 · Balance short- and long-term KPIs"),
        "s8_body": tr("Short-term KPIs move within a campaign; long-term ones (loyalty, new "
                      "customers) move slowly and protect next year. Judge a campaign on both."),
        "exercises": tr("Exercises"),
        "exercises_body": tr("Answer, then press *Check*."),
        "check": tr("Check"),
        "right": tr("Right."),
        "wrong": tr("Not quite."),
        "answer": tr("Your answer"),
        "objective": tr("Objective"),
        "kpi": tr("KPI"),
        "why": tr("Why"),
        "in_data": tr("In the data"),
        "yes": tr("yes"),
        "no": tr("no"),
        "mean_of_ratios": tr("Average of the rates (wrong)"),
        "sum_over_sum": tr("Total clicks / total impressions (right)"),
        "small_clicks": tr("Clicks, smallest"),
        "goal": tr("Business goal"),
        "baseline": tr("baseline"),
        "change": tr("change"),
        "cadence": tr("Cadence"),
        "day": tr("Day"),
        "growth": tr("Target vs last year"),
        "weekly": tr("weekly"),
        "monthly": tr("monthly"),
        "actual": tr("Actual to date"),
        "expected": tr("Expected by now"),
        "projection": tr("Projected at period end"),
        "target": tr("Target"),
        "status": tr("Status"),
        "campaign": tr("Campaign"),
        "channel": tr("Channel"),
        "date": tr("Day"),
        "short": tr("Short term"),
        "long": tr("Long term"),
        "step": tr("Step"),
        "step_question": tr("The question it answers"),
        "s1_q": tr("What does the business want from this campaign?"),
        "s2_q": tr("Which few numbers show that we are getting it, and how is each one counted?"),
        "s3_q": tr("Does our data record those numbers, every day?"),
        "s4_q": tr("How does each KPI move the business result?"),
        "s5_q": tr("How often do we look, and what should we expect by then?"),
        "s6_q": tr("Who answers for each KPI?"),
        "s7_q": tr("A KPI misses: what moved, and what do we change?"),
        "s8_q": tr("Are we buying this month's results at the cost of next year's?"),
        "formula": tr("How it is counted"),
        "s7_plain": tr("In plain words: which KPIs missed or are at risk, and by how much."),
        "s7_stats": tr("The statistics behind it (optional)"),
        "none": tr("none"),
        "choose": tr("Choose an answer first."),
        "title": tr("KPI basics"),
    }


def text_keys() -> tuple[str, ...]:
    """The names of the lesson's fixed texts."""
    return tuple(_texts())


def text(key: str, lang: str | None = None) -> str:
    """One lesson text in ``lang`` (``None``: the current language)."""
    lang = resolve_lang(lang)
    with using_language(lang):
        texts = _texts()
        if key not in texts:
            raise ParameterError(tr("no lesson text {key!r}.", key=key),
                                 code=ProblemCode.PARAMETER_UNKNOWN_NAME)
    return texts[key]


def say(key: str, lang: str | None = None, level: int = 0) -> Any:
    """A lesson text as Markdown for the notebook (a heading when ``level`` > 0)."""
    from IPython.display import Markdown

    s = text(key, lang)
    return Markdown(("#" * level + " " + s) if level else s)


def impossible_rate(*, num: str, den: str, n: str, d: str, kpi: str,
                    lang: str | None = None) -> str:
    """Why a rate cannot pass 100%: its numerator counts a subset of its denominator.

    ``num`` and ``den`` are the measures' labels, ``n`` and ``d`` their values as written
    in ``lang``, ``kpi`` the rate's short label.
    """
    num_l, den_l = num.lower(), den.lower()
    with using_language(resolve_lang(lang)):
        return tr("{num} ({n}) cannot be more than {den} ({d}): {num_l} are counted among the "
                  "{den_l}, so {kpi} cannot pass 100%. Lower {num_l} or raise {den_l}.", num=num,
                  n=n, den=den, d=d, num_l=num_l, den_l=den_l, kpi=kpi)


def not_a_number(example: str, lang: str | None = None) -> str:
    """The quiz's answer to a typed text that is no number; ``example`` as ``lang`` writes
    it."""
    with using_language(resolve_lang(lang)):
        return tr("Write a number, for example {example}.", example=example)


def playground_note(cur: str, lang: str | None = None) -> str:
    """The playground's footnote: the currency, and what a zero denominator shows."""
    with using_language(resolve_lang(lang)):
        return tr("Values in {cur}; a KPI whose denominator is 0 shows –, never 0 or infinity.",
                  cur=cur)
