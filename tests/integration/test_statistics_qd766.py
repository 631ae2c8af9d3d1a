"""The QĐ 766 index by sub-criterion on a small hand-computed data set; digitisation counts desk
scans, not "any file"; the day counts of the new figures stay exact and ``flask stats verify``
checks them."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierFile, FileBlob, Payment, Procedure, Rating
from portal.statistics import daily, periods, qd766
from portal.statistics.queries import Scope, direct_table, period_table
from tests.integration.lifecycle_helpers import vn
from tests.integration.test_statistics import day_counts_rows, put, random_dossiers

NOW = vn(2026, 1, 2, 9)
YEAR = periods.year(2025)


def _file(dossier_id: int, kind: str) -> None:
    if db.session.get(FileBlob, "b" * 64) is None:
        db.session.add(FileBlob(sha256="b" * 64, size=1, content_type="application/pdf"))
        db.session.flush()
    db.session.add(DossierFile(dossier_id=dossier_id, kind=kind, blob_sha256="b" * 64, original_name="x.pdf"))
    db.session.flush()


@pytest.fixture
def small(app, make_user):
    """Two procedures of one agency (levels 3 and 4), five dossiers of 2025."""
    p4 = db.session.scalars(select(Procedure).where(Procedure.level == 4).order_by(Procedure.code)).first()
    p3 = db.session.scalars(select(Procedure).where(Procedure.level == 3, Procedure.agency_id == p4.agency_id)
                            .order_by(Procedure.code)).first()
    if p3 is None:  # the catalogue has no level-3 procedure in that agency: move one there
        p3 = db.session.scalars(select(Procedure).where(Procedure.level == 3).order_by(Procedure.code)).first()
        p3.agency_id = p4.agency_id
        db.session.flush()
    citizen = make_user(role="citizen")
    d1 = put(p4, status="processed", channel="online", received_at=vn(2025, 2, 1, 8), due_at=vn(2025, 2, 20, 17),
             finished_at=vn(2025, 2, 5, 9), timeliness="early", result_signed=True, fee_amount=50000,
             fee_paid_at=vn(2025, 2, 1, 9))
    d2 = put(p4, status="processed", channel="in_person", received_at=vn(2025, 2, 2, 8), due_at=vn(2025, 2, 20, 17),
             finished_at=vn(2025, 2, 25, 9), timeliness="late", result_signed=False, fee_amount=50000,
             fee_paid_at=vn(2025, 2, 2, 9))
    d3 = put(p3, status="in_process", channel="in_person", received_at=vn(2025, 3, 1, 8), due_at=vn(2099, 1, 1))
    put(p3, status="in_process", channel="post", received_at=vn(2025, 3, 2, 8), due_at=vn(2025, 4, 1, 17))
    d5 = put(p3, status="in_process", channel="online", received_at=vn(2025, 3, 3, 8), due_at=vn(2099, 1, 1))
    _file(d2, "scan")  # digitised at the desk
    _file(d2, "form")
    _file(d3, "form")  # only the receipt: not digitisation
    _file(d5, "document")  # an online upload
    db.session.add(Payment(dossier_id=d1, user_id=citizen.id, provider="sandbox", reference="R-1", amount=50000,
                           status="paid", completed_at=vn(2025, 2, 1, 9)))
    db.session.add(Rating(dossier_id=d1, user_id=citizen.id, level="very_satisfied", created_at=vn(2025, 2, 6)))
    db.session.add(Rating(dossier_id=d2, user_id=citizen.id, level="unsatisfied", created_at=vn(2025, 2, 26)))
    db.session.commit()
    return p3, p4, Scope(agency_id=p4.agency_id)


def test_every_sub_criterion_hand_computed(small):
    p3, p4, scope = small
    result = qd766.evaluate(YEAR, scope, period_table(YEAR, scope, now=NOW))
    published = select(func.count()).select_from(Procedure).where(Procedure.is_published.is_(True),
                                                                   Procedure.agency_id == p4.agency_id)
    offered = db.session.scalar(published.where(Procedure.level >= 3))
    with_fee = db.session.scalar(published.where(Procedure.fee_amount > 0))
    with_fee_online = db.session.scalar(published.where(Procedure.fee_amount > 0, Procedure.level >= 3))

    def numbers(code):
        c = result.criterion(code)
        return (c.ratio.numerator, c.ratio.denominator, c.score) if c.ratio is not None else (None, None, c.score)

    # Progress: (processed early/on time 1 + in process not yet due 2) / (processed 2 + in process 3) = 60%.
    assert numbers("progress.on_time") == (3, 5, Decimal("12.00"))
    # Online share: online d1, d5 / all five of level 3-4 = 40% of 6 points.
    assert numbers("online_services.online_share") == (2, 5, Decimal("2.40"))
    # Procedures with online dossiers: p3 and p4 / the agency's level 3-4 procedures.
    used = result.criterion("online_services.procedures_used")
    assert (used.ratio.numerator, used.ratio.denominator) == (2, offered)
    # No catalogue loaded: no data, not 0.
    assert result.criterion("online_services.coverage").state == "no_data"
    assert result.criterion("online_services.coverage").score is None
    # Payment: dossiers 1 online / 2 paid = 50% of 6; procedures 1/1 of 2; integration by counts.
    assert numbers("online_payment.dossiers") == (1, 2, Decimal("3.00"))
    assert numbers("online_payment.procedures_used") == (1, 1, Decimal("2.00"))
    assert numbers("online_payment.integrated")[:2] == (with_fee_online, with_fee)
    # Satisfaction: 1 satisfied of 2 ratings = 50% of 12; no feedback: no data.
    assert numbers("satisfaction.ratings") == (1, 2, Decimal("6.00"))
    assert result.criterion("satisfaction.feedback").state == "no_data"
    # Digitisation: d2 scanned of the 3 desk dossiers (d3's receipt is not digitisation, online d5 is
    # not counted): 33.33% of 8 = 2.67; electronic results 1 of 2 processed = 4.00; reuse unmeasured.
    assert numbers("digitisation.received") == (1, 3, Decimal("2.67"))
    assert numbers("digitisation.results") == (1, 2, Decimal("4.00"))
    assert result.criterion("digitisation.reuse").state == "unmeasured"
    assert result.criterion("transparency.publication").state == "unmeasured"
    assert [g.score for g in result.groups if g.group.key == "transparency"] == [None]
    assert sum(g.group.points for g in result.groups) == 100
    assert result.scored_points == 20 + 4 + 6 + 2 + 2 + 6 + 12 + 8 + 8  # all but coverage, feedback, unmeasured


def test_the_breakdown_is_data_and_checked(app, tmp_path):
    groups = qd766.load_index()
    assert {g.key: g.points for g in groups} == {"transparency": 18, "progress": 20, "online_services": 12,
                                                 "online_payment": 10, "satisfaction": 18, "digitisation": 22}
    assert [c.points for c in groups[2].criteria] == [2, 4, 6] and [c.points for c in groups[3].criteria] == [2, 2, 6]
    assert all(not c.checked for g in groups for c in g.criteria)  # nothing checked against the annex yet
    bad = tmp_path / "qd766.yaml"
    bad.write_text("groups:\n  - {key: x, name_vi: X, name_en: X, criteria: [{key: a, name_vi: A, name_en: A, "
                   "points: 5, measure: nothing, formula_vi: f, formula_en: f, source: s}]}\n", encoding="utf-8")
    with pytest.raises(qd766.IndexFileError):
        qd766.load_index(bad)
    criterion = groups[1].criteria[0]
    assert qd766.score(criterion, None) is None


def test_the_index_page_states_formulas_and_drills(client, pages, make_user, small):
    from tests.conftest import PASSWORD

    make_user(role="admin", username="quantri766")
    pages.login("quantri766", PASSWORD)
    page = client.get("/thong-ke/chi-so-766?kind=year&year=2025")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Không đo được từ hệ thống này" in html and "chưa đối chiếu với Phụ lục" in html
    assert "figure=received_scanned" in html and "figure=fee_paid_online" in html and "set=used_online" in html
    listing = client.get("/thong-ke/ho-so?figure=received_scanned&kind=year&year=2025")
    assert listing.status_code == 200 and "1 hồ sơ" in listing.get_data(as_text=True)
    paid = client.get("/thong-ke/ho-so?figure=fee_paid&kind=year&year=2025").get_data(as_text=True)
    assert "2 hồ sơ" in paid
    used = client.get("/thong-ke/chi-so-766/thu-tuc?set=used_online&kind=year&year=2025").get_data(as_text=True)
    assert "Thủ tục mức độ 3, 4 có hồ sơ tiếp nhận trực tuyến trong kỳ: 2" in used
    assert client.get("/thong-ke/chi-so-766/thu-tuc?set=bogus&kind=year&year=2025").status_code == 400
    dashboard = client.get("/thong-ke/?kind=year&year=2025").get_data(as_text=True)
    assert "Xem từng tiêu chí, công thức và nguồn" in dashboard


def test_scans_and_electronic_results_keep_the_day_counts_exact(app):
    """Scans, forms and uploads added and removed, channels and result_signed changed through
    the ORM: the new figures equal the direct count, and the table equals a rebuild."""
    random_dossiers(11, n=120)
    rng = random.Random(11)
    ids = list(db.session.scalars(select(Dossier.id)))
    files = []
    for _step in range(60):
        roll = rng.random()
        if files and roll < 0.3:
            db.session.delete(db.session.get(DossierFile, files.pop(rng.randrange(len(files)))))
        elif roll < 0.45:
            dossier = db.session.get(Dossier, rng.choice(ids))
            dossier.result_signed = not dossier.result_signed
        elif roll < 0.55:
            dossier = db.session.get(Dossier, rng.choice(ids))
            dossier.channel = rng.choice(["online", "in_person", "post"])
        else:
            _file(rng.choice(ids), rng.choice(["scan", "scan", "form", "document"]))
            files.append(db.session.scalar(select(func.max(DossierFile.id))))
        db.session.commit()
    scanned = set(db.session.scalars(select(DossierFile.dossier_id).where(DossierFile.kind == "scan")))
    assert set(db.session.scalars(select(Dossier.id).where(Dossier.has_scans.is_(True)))) == scanned
    for period in (YEAR, periods.quarter(2025, 1), periods.build("month", 2025, 2, basis="nd09")):
        ours, direct = period_table(period, now=NOW).total.counts, direct_table(period, now=NOW).total.counts
        for figure in ("received_paper", "received_scanned", "processed_e_result"):
            assert ours[figure] == direct[figure], (period, figure)
    assert period_table(YEAR, now=NOW).total["received_scanned"] > 0
    kept = day_counts_rows()
    daily.rebuild(db.session.connection())
    assert kept == day_counts_rows()


def test_verify_catches_a_scan_flag_written_around_the_orm(app, runner, small):
    assert runner.invoke(args=["stats", "verify", "--year", "2025"]).exit_code == 0
    db.session.execute(Dossier.__table__.update().values(has_scans=False))
    db.session.execute(DossierFile.__table__.update().where(DossierFile.kind == "form").values(kind="scan"))
    db.session.commit()
    broken = runner.invoke(args=["stats", "verify", "--year", "2025"])
    assert broken.exit_code == 1 and "received_scanned" in broken.output
    db.session.execute(Dossier.__table__.update().where(Dossier.id.in_(
        select(DossierFile.dossier_id).where(DossierFile.kind == "scan"))).values(has_scans=True))
    db.session.commit()
    assert runner.invoke(args=["stats", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["stats", "verify", "--year", "2025"]).exit_code == 0
