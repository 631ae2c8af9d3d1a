from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Agency, Field, Procedure
from portal.operations.catalogue import (
    CatalogueError,
    load_catalogue,
    read_catalogue,
    validate_catalogue,
)


def test_catalogue_has_the_30_procedures_of_annex_2(app):
    items = db.session.scalars(select(Procedure.seed_item)).all()
    assert sorted(items) == list(range(1, 31))
    assert db.session.scalar(select(func.count()).where(Procedure.level >= 3).select_from(Procedure)) >= 30


def test_reloading_the_catalogue_changes_nothing(app):
    before = {p.code: (p.content_hash, p.form_version, p.updated_at) for p in db.session.scalars(select(Procedure))}
    report = load_catalogue()
    assert not report.changed
    assert report.unchanged["procedures"] == 30
    after = {p.code: (p.content_hash, p.form_version, p.updated_at) for p in db.session.scalars(select(Procedure))}
    assert after == before


def test_a_changed_form_bumps_the_form_version_only_for_that_procedure(app, tmp_path):
    import shutil

    from portal.operations.catalogue import DATA_DIR

    shutil.copytree(DATA_DIR, tmp_path / "data")
    target = sorted((tmp_path / "data" / "procedures").glob("01-*.yaml"))[0]
    import yaml

    entry = yaml.safe_load(target.read_text(encoding="utf-8"))
    entry["form"].append({"name": "ghi_chu_them", "label_vi": "Ghi chú thêm", "label_en": "Extra note",
                          "type": "text", "required": False})
    target.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    old = db.session.scalar(select(Procedure).where(Procedure.code == entry["code"])).form_version
    report = load_catalogue(tmp_path / "data")
    assert report.updated["procedures"] == 1 and report.unchanged["procedures"] == 29
    assert db.session.scalar(select(Procedure).where(Procedure.code == entry["code"])).form_version == old + 1


def test_every_procedure_is_complete_and_consistent(app):
    data = read_catalogue()
    assert validate_catalogue(data) == []
    for _name, p in data.procedures:
        assert p["legal_basis"], p["code"]
        assert p["documents"], p["code"]
        assert sum(s["hours"] for s in p["steps"]) == p["processing_days"] * 8, p["code"]
        assert p["source"]["description_vi"], p["code"]


def test_vietnamese_diacritics_survive_the_round_trip(app):
    names = db.session.scalars(select(Procedure.name_vi)).all()
    assert any("Giấy phép xây dựng" in n or "giấy phép xây dựng" in n for n in names)
    assert db.session.scalar(select(Agency).where(Agency.level == "province")).name_vi.startswith("Ủy ban nhân dân")
    assert db.session.scalar(select(func.count()).select_from(Field)) >= 5


def test_an_invalid_catalogue_writes_nothing(app, tmp_path):
    import shutil

    from portal.operations.catalogue import DATA_DIR

    shutil.copytree(DATA_DIR, tmp_path / "data")
    target = sorted((tmp_path / "data" / "procedures").glob("02-*.yaml"))[0]
    target.write_text(target.read_text(encoding="utf-8").replace("processing_days:", "processing_days: 0\nxx_days:", 1),
                      encoding="utf-8")
    fields_before = db.session.scalar(select(func.count()).select_from(Field))
    try:
        load_catalogue(tmp_path / "data")
    except CatalogueError as error:
        assert any("02-" in problem for problem in error.problems)
    else:
        raise AssertionError("an invalid catalogue was accepted")
    assert db.session.scalar(select(func.count()).select_from(Field)) == fields_before


def test_cli_load_is_idempotent(runner):
    result = runner.invoke(args=["catalogue", "load"])
    assert result.exit_code == 0, result.output
    assert "procedures: 0 mới, 0 cập nhật, 30 không đổi" in result.output
