"""The province catalogue as the denominator of the coverage targets; plan targets with their
decision and scope, measured at that scope only; leaders read them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, AuditEntry, CatalogueEntry, PlanTarget, Procedure
from portal.operations import province_catalogue
from portal.operations.statistics import import_catalogue
from portal.statistics import catalogue, periods
from portal.statistics.targets import evaluate, load_targets
from tests.conftest import PASSWORD

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "danh-muc-tthc-tinh-mau.csv"


@pytest.fixture
def loaded(app):
    rows = province_catalogue.read_catalogue(SAMPLE.name, SAMPLE.read_bytes())
    report = import_catalogue(rows, source=SAMPLE.name)
    load_targets()
    finance = db.session.scalar(select(Agency).where(Agency.code == "so-tai-chinh"))
    db.session.add(PlanTarget(code="so-tai-chinh-muc-do-4", name_vi="Toàn bộ thủ tục của Sở Tài chính ở mức độ 4",
                              name_en="All procedures of the Department of Finance at level 4",
                              metric="catalogue_level4_share", comparator=">=", target_value=Decimal(100),
                              unit="percent", deadline_year=2025, source="(kiểm thử)", scope="agency",
                              agency_id=finance.id, decision_number="1/QĐ-STC"))
    db.session.add(PlanTarget(code="cap-xa-muc-do-3", name_vi="75% thủ tục cấp xã ở mức độ 3 trở lên",
                              name_en="75% of commune procedures at level 3 or above",
                              metric="catalogue_level3_share", comparator=">=", target_value=Decimal(75),
                              unit="percent", deadline_year=2025, source="(kiểm thử)", scope="commune"))
    db.session.commit()
    return report


def test_the_catalogue_file_is_read_and_linked(loaded):
    assert loaded == {"created": 9, "updated": 0, "unchanged": 0, "linked": 1}
    tiers = dict(db.session.execute(select(CatalogueEntry.code, CatalogueEntry.tier)).all())
    assert tiers["9.900006"] == "commune" and tiers["9.900007"] == "vertical" and tiers["9.900003"] == "province"
    permit = db.session.scalar(select(CatalogueEntry).where(CatalogueEntry.code == "LC-02"))
    procedure = db.session.scalar(select(Procedure).where(Procedure.code == "LC-02"))
    assert permit.procedure_id == procedure.id and permit.level == 3 and permit.full_online_eligible is False
    assert db.session.get(Agency, permit.agency_id).code == "ubnd-phuong-tan-phong"
    # A second run of the same file changes nothing.
    again = import_catalogue(province_catalogue.read_catalogue(SAMPLE.name, SAMPLE.read_bytes()), source=SAMPLE.name)
    assert again == {"created": 0, "updated": 0, "unchanged": 9, "linked": 1}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "catalogue_entries.import")) is not None


def test_coverage_by_scope_hand_computed(loaded):
    # Province: 9 entries; level >= 3: rows 1, 2, 4, 6, 8, 9; level 4: 1, 4, 9; eligible: 1, 2, 4, 6, 9.
    assert catalogue.coverage() == catalogue.Coverage(9, 6, 3, 5, 3)
    # Commune tier: rows 4, 5, 6 (former district), 8.
    assert catalogue.coverage("commune") == catalogue.Coverage(4, 3, 1, 2, 1)
    finance = db.session.scalar(select(Agency).where(Agency.code == "so-tai-chinh"))
    assert catalogue.coverage("agency", finance.id) == catalogue.Coverage(1, 1, 1, 1, 1)
    assert [e.code for e in db.session.scalars(catalogue.entries_behind("level4"))] == ["9.900001", "9.900004",
                                                                                        "9.900009"]


def test_targets_are_measured_at_their_own_scope(loaded):
    results = {r.target.code: r for r in evaluate(periods.year(2025))}
    expected = {
        "dvc-muc-do-3-2020": ("6", "chua_dat"),  # 6 < 30 online procedures
        "dvc-muc-do-3-ty-le-2020": ("6/9 đạt 66,67%", "chua_dat"),  # < 70%
        "dvc-muc-do-4-ty-le-2020": ("3/9 đạt 33,33%", "vuot"),  # > 30%
        "dvc-muc-do-4-ty-le-2025": ("3/9 đạt 33,33%", "chua_dat"),  # < 50%
        "dvc-muc-do-4-2025": ("3/5 đạt 60%", "chua_dat"),  # eligible at level 4 < 100%
        "so-tai-chinh-muc-do-4": ("1/1 đạt 100%", "dat"),
        "cap-xa-muc-do-3": ("3/4 đạt 75%", "dat"),
    }
    for code, (text, verdict) in expected.items():
        assert (results[code].actual.text, results[code].verdict) == (text, verdict), code
    target = results["dvc-muc-do-3-ty-le-2020"].target
    assert target.decision_text() == "Quyết định số 1520/QĐ-UBND ngày 22/11/2017"
    assert "Seed" not in target.source and target.scope == "province"
    # A leader of another agency does not see the finance department's own target; the
    # province's targets keep their province-wide figures whatever the reader's agency.
    works = db.session.scalar(select(Agency).where(Agency.code == "so-xay-dung"))
    theirs = {r.target.code: r for r in evaluate(periods.year(2025), works.id, sees_all=False)}
    assert "so-tai-chinh-muc-do-4" not in theirs and theirs["dvc-muc-do-3-ty-le-2020"].actual.text == "6/9 đạt 66,67%"


def test_without_a_catalogue_the_coverage_targets_have_no_data(app):
    load_targets()
    db.session.commit()
    results = {r.target.code: r for r in evaluate(periods.year(2025))}
    assert results["dvc-muc-do-3-2020"].verdict == "chua_co_so_lieu"
    assert results["dvc-muc-do-4-2025"].verdict == "chua_co_so_lieu"


def test_leaders_read_their_targets(client, pages, make_user, loaded, runner):
    make_user(role="agency_leader", agency="so-tai-chinh", username="lanhdao")
    pages.login("lanhdao", PASSWORD)
    page = client.get("/thong-ke/chi-tieu")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Quyết định số 1520/QĐ-UBND" in html and "ngày 22/11/2017" in html and "Toàn bộ thủ tục của Sở Tài chính" in html
    assert "3/9 đạt 33,33%" in html and 'name="t1-target_value"' not in html and "target_value" not in html
    target = db.session.scalar(select(PlanTarget).where(PlanTarget.code == "dvc-muc-do-3-2020"))
    assert client.post(f"/thong-ke/chi-tieu/{target.id}", data={}).status_code in (400, 403)
    dashboard = client.get("/thong-ke/?kind=year&year=2025").get_data(as_text=True)
    # The page's coverage follows the reader's agency; the province targets stay province-wide.
    assert "Quyết định số 983/QĐ-UBND" in dashboard and "1 thủ tục;" in dashboard and "3/9 đạt 33,33%" in dashboard


def test_the_cli_imports_the_catalogue(runner, app):
    result = runner.invoke(args=["stats", "import-catalogue", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "9 mới" in result.output and "1 thủ tục có trên Cổng" in result.output
    assert db.session.scalar(select(db.func.count()).select_from(CatalogueEntry)) == 9


def test_the_permit_share_from_the_day_counts_equals_the_direct_count(app):
    from portal.statistics.indicators import permit_online_ratio, permit_online_ratio_direct
    from tests.integration.test_statistics import random_dossiers

    random_dossiers(5, n=150)
    for period in (periods.year(2025), periods.quarter(2025, 1), periods.build("month", 2025, 2, basis="nd09")):
        ours, direct = permit_online_ratio(period), permit_online_ratio_direct(period)
        assert (ours.numerator, ours.denominator) == (direct.numerator, direct.denominator)
    assert permit_online_ratio(periods.year(2025)).denominator > 0
