"""Every figure of the leaders' dashboard, defined once, as SQL over stored dossier columns.

``figure_conditions(start, end, as_of)`` is the single definition: for each figure, the SQL
condition a dossier must meet to be counted in it for the period [start, end). Counted directly
(``direct_table``) the conditions are summed (``SUM(CASE WHEN ... THEN 1 ELSE 0 END)``) in one
GROUP BY over the period's dossiers; the drill-down (``dossiers_behind``) selects the dossiers
meeting the same condition. The table the page, the API and the CSV/XLSX exports read
(``period_table``) gives the same numbers from the per-day counts of ``dossier_day_counts``
(``portal.statistics.daily``); tests and ``flask stats verify`` check that both agree.

The import path of the dashboard, the API, the exports and the CLI; the code lives in:

- ``figures``: the figures, their definitions (``figure_conditions``) and the ``Scope``;
- ``tables``: ``StatTable`` by agency, field, procedure or month (``period_table`` from the
  day counts, ``direct_table`` over the dossiers);
- ``drilldown``: the dossiers behind a number (``dossiers_behind``, ``count_behind``);
- ``indicators``: service levels and the ratios of the plan targets and QĐ 766;
- ``verification``: the day counts checked against the dossiers (``day_count_differences``).
"""

from __future__ import annotations

from portal.statistics.drilldown import count_behind, dossiers_behind
from portal.statistics.figures import (
    ALL_FIGURES,
    DC,
    FIGURES,
    FINISHED_WITH_RESULT,
    GROUPS,
    RATE_FIGURES,
    RATES,
    STOCK_AT_END,
    STOCK_AT_START,
    D,
    P,
    Scope,
    figure_conditions,
    relevant,
    tally,
)
from portal.statistics.indicators import (
    PERMIT_WORDS,
    digitisation_ratio,
    digitisation_ratio_direct,
    feedback_answers,
    online_payment_ratio,
    online_payment_ratio_direct,
    permit_online_ratio,
    procedures_by_level,
    satisfaction_breakdown,
    satisfaction_ratio,
)
from portal.statistics.tables import (
    FLOW_FIGURES,
    LEVEL_FIGURES,
    ROW_GROUPS,
    STOCK_CHANGES,
    StatRow,
    StatTable,
    day_counts_statement,
    direct_table,
    group_column,
    grouped_statement,
    opening_statement,
    period_table,
    period_tables,
)
from portal.statistics.verification import day_count_differences

__all__ = [
    "ALL_FIGURES",
    "DC",
    "FIGURES",
    "FINISHED_WITH_RESULT",
    "FLOW_FIGURES",
    "GROUPS",
    "LEVEL_FIGURES",
    "PERMIT_WORDS",
    "RATES",
    "RATE_FIGURES",
    "ROW_GROUPS",
    "STOCK_AT_END",
    "STOCK_AT_START",
    "STOCK_CHANGES",
    "D",
    "P",
    "Scope",
    "StatRow",
    "StatTable",
    "count_behind",
    "day_count_differences",
    "day_counts_statement",
    "digitisation_ratio",
    "digitisation_ratio_direct",
    "direct_table",
    "dossiers_behind",
    "figure_conditions",
    "group_column",
    "grouped_statement",
    "online_payment_ratio",
    "online_payment_ratio_direct",
    "opening_statement",
    "period_table",
    "period_tables",
    "permit_online_ratio",
    "procedures_by_level",
    "relevant",
    "feedback_answers",
    "satisfaction_breakdown",
    "satisfaction_ratio",
    "tally",
]
