import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Procedure


def test_home_page_is_vietnamese_with_search(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Cổng Dịch vụ công" in html
    assert 'role="search"' in html
    assert 'href="#main"' in html  # skip link for keyboard users


def test_catalogue_lists_all_30(client):
    html = client.get("/thu-tuc?page=1").get_data(as_text=True)
    assert "Tìm thấy 30 thủ tục" in html


@pytest.mark.parametrize("query", ["giấy phép xây dựng", "giay phep xay dung", "GIẤY PHÉP  xây"])
def test_search_ignores_case_and_diacritics(client, query):
    html = client.get("/thu-tuc", query_string={"q": query}).get_data(as_text=True)
    assert "Tìm thấy 0 thủ tục" not in html
    assert "xây dựng" in html.lower()


def test_search_with_like_wildcards_is_literal(client):
    html = client.get("/thu-tuc", query_string={"q": "%_%"}).get_data(as_text=True)
    assert "Tìm thấy 0 thủ tục" in html


def test_filters_by_field_agency_and_level(client, app):
    p = db.session.scalars(select(Procedure).order_by(Procedure.seed_item)).first()
    expected_field = db.session.scalars(select(Procedure).where(Procedure.field_id == p.field_id)).all()
    html = client.get("/thu-tuc", query_string={"field": p.field.code}).get_data(as_text=True)
    assert f"Tìm thấy {len(expected_field)} thủ tục" in html
    expected_agency = db.session.scalars(select(Procedure).where(Procedure.agency_id == p.agency_id)).all()
    html = client.get("/thu-tuc", query_string={"agency": p.agency.code}).get_data(as_text=True)
    assert f"Tìm thấy {len(expected_agency)} thủ tục" in html
    level4 = db.session.scalars(select(Procedure).where(Procedure.level == 4)).all()
    html = client.get("/thu-tuc", query_string={"level": "4"}).get_data(as_text=True)
    assert f"Tìm thấy {len(level4)} thủ tục" in html


def test_bad_filter_values_do_not_break_the_page(client):
    response = client.get("/thu-tuc", query_string={"level": "9", "page": "abc", "field": "<script>"})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]


def test_procedure_detail_shows_documents_time_fee_steps_and_legal_basis(client):
    p = db.session.scalars(select(Procedure).order_by(Procedure.seed_item)).first()
    html = client.get(f"/thu-tuc/{p.code}").get_data(as_text=True)
    assert p.name_vi in html
    assert "Thành phần hồ sơ" in html and p.documents[0]["name_vi"] in html
    assert f"{p.processing_days} ngày làm việc" in html
    assert "Quy trình giải quyết" in html and p.steps[0]["name_vi"] in html
    assert p.legal_basis[0] in html


def test_unknown_procedure_is_a_clear_404(client):
    response = client.get("/thu-tuc/khong-co")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.get_data(as_text=True)


def test_english_switch(client):
    response = client.get("/ngon-ngu/en?next=/thu-tuc")
    assert response.status_code == 302 and response.headers["Location"].endswith("/thu-tuc")
    html = client.get("/thu-tuc").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Administrative procedures" in html


def test_language_switch_refuses_open_redirects(client):
    response = client.get("/ngon-ngu/en?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_load_nothing_from_outside(client):
    html = client.get("/").get_data(as_text=True)
    assert "http://" not in html and "https://" not in html


def test_every_page_footer_gives_a_phone_line(client, app, monkeypatch):
    html = client.get("/").get_data(as_text=True)
    assert 'href="tel:18001096"' in html and "Đường dây nóng" not in html
    monkeypatch.setitem(app.config, "SUPPORT_HOTLINE", "0213 3 800 000")
    html = client.get("/thu-tuc").get_data(as_text=True)
    assert 'Đường dây nóng: <a href="tel:02133800000">0213 3 800 000</a>' in html


def test_the_style_sheet_is_addressed_by_content_and_cached_for_a_year(client):
    import re

    html = client.get("/").get_data(as_text=True)
    href = re.search(r'href="(/static/css/portal\.css\?v=[0-9a-f]{12})"', html).group(1)
    sheet = client.get(href)
    assert sheet.status_code == 200 and "immutable" in sheet.headers["Cache-Control"]
    assert "immutable" not in client.get("/static/css/portal.css").headers.get("Cache-Control", "")


def test_the_offline_reader_is_served_from_the_root(client):
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache" and b"request.method !== \"GET\"" in worker.data
    # Its background requests never carry the session (they would overwrite a sign-in's state).
    assert b'credentials: "omit"' in worker.data and b"cache.addAll(FIRST_PAGES)" in worker.data
    assert client.get("/ngoai-tuyen").status_code == 200
    manifest = client.get("/static/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json" and manifest.get_json(force=True)["lang"] == "vi"
