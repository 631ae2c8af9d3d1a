"""Statistics for leaders: every figure defined once as an SQL aggregate (see queries.py).

docs/statistics.md describes each figure, the period rule, the QĐ 766 indicators and the plan
targets. The dashboard pages, the API and the CSV/XLSX exports all call these modules.
"""
