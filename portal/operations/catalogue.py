"""Loading the catalogue of procedures from the versioned data under portal/catalogue/data.

The whole catalogue is validated before anything is written; reloading unchanged data
changes nothing (each row keeps the hash of its entry).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Field, Procedure
from portal.models.agency import AGENCY_LEVELS
from portal.models.types import utcnow
from portal.operations import audit
from portal.operations.agencies import IDENTIFIER, PARENT_LEVELS
from portal.text import fold
from workflow.states import DeliveryMethod, Role

DATA_DIR = Path(__file__).resolve().parent.parent / "catalogue" / "data"

PROCEDURE_KEYS = {
    "code", "seed_item", "seed_name", "name_vi", "name_en", "field", "agency", "level",
    "processing_days", "online_processing_days", "fee", "legal_basis", "conditions_vi",
    "conditions_en", "applicants_vi", "documents", "form", "steps", "result_vi", "result_en",
    "result_delivery", "source",
}
AGENCY_OPTIONAL_KEYS = ("governing_body", "printed_name", "phone", "email", "address")
DOCUMENT_KEYS = {"key", "name_vi", "original", "quantity", "required"}
FORM_TYPES = {"string", "text", "integer", "date", "email", "phone", "id_number", "select", "money"}
STEP_ROLES = {r.value for r in Role} - {Role.CITIZEN.value, Role.ADMIN.value}
DELIVERY = {m.value for m in DeliveryMethod}


class CatalogueError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=lambda: {"fields": 0, "agencies": 0, "procedures": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"fields": 0, "agencies": 0, "procedures": 0})
    unchanged: dict[str, int] = field(default_factory=lambda: {"fields": 0, "agencies": 0, "procedures": 0})

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


@dataclass
class CatalogueData:
    fields: list[dict]
    agencies: list[dict]
    procedures: list[tuple[str, dict]]


def read_catalogue(data_dir: Path = DATA_DIR) -> CatalogueData:
    def load(path: Path):
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)

    try:
        fields_ = load(data_dir / "fields.yaml") or []
        agencies = load(data_dir / "agencies.yaml") or []
        procedures = [(p.name, load(p)) for p in sorted((data_dir / "procedures").glob("*.yaml"))]
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError([f"cannot read the catalogue: {error}"]) from error
    return CatalogueData(fields_, agencies, procedures)


def validate_catalogue(data: CatalogueData) -> list[str]:
    problems: list[str] = []
    field_codes = {f.get("code") for f in data.fields if isinstance(f, dict)}
    for f in data.fields:
        if not isinstance(f, dict) or not {"code", "name_vi", "name_en"} <= f.keys():
            problems.append(f"fields.yaml: entry {f!r} needs code, name_vi, name_en")
    agency_codes = {a.get("code") for a in data.agencies if isinstance(a, dict)}
    levels = {a.get("code"): a.get("level") for a in data.agencies if isinstance(a, dict)}
    identifiers: set[str] = set()
    for a in data.agencies:
        if not isinstance(a, dict) or not {"code", "identifier", "name_vi", "name_en", "level"} <= a.keys():
            problems.append(f"agencies.yaml: entry {a!r} needs code, identifier, name_vi, name_en, level")
            continue
        if a["level"] not in AGENCY_LEVELS:
            problems.append(f"agencies.yaml: {a['code']}: unknown level {a['level']!r}")
        if a.get("parent") and a["parent"] not in agency_codes:
            problems.append(f"agencies.yaml: {a['code']}: unknown parent {a['parent']!r}")
        parent_level = levels.get(a.get("parent")) if a.get("parent") else None
        if a["level"] in PARENT_LEVELS and parent_level not in PARENT_LEVELS[a["level"]]:
            problems.append(f"agencies.yaml: {a['code']}: a {a['level']} cannot be under a {parent_level}")
        if not IDENTIFIER.match(str(a["identifier"])):
            problems.append(f"agencies.yaml: {a['code']}: identifier {a['identifier']!r} is not a dotted national code")
        if a.get("one_stop_unit") and levels.get(a["one_stop_unit"]) != "centre":
            problems.append(f"agencies.yaml: {a['code']}: one-stop unit {a['one_stop_unit']!r} is not a known centre")
        if a["identifier"] in identifiers:
            problems.append(f"agencies.yaml: identifier {a['identifier']} used twice")
        identifiers.add(a["identifier"])
    codes: set[str] = set()
    for name, p in data.procedures:
        where = f"procedures/{name}"
        if not isinstance(p, dict):
            problems.append(f"{where}: not a mapping")
            continue
        missing = PROCEDURE_KEYS - p.keys()
        if missing:
            problems.append(f"{where}: missing {', '.join(sorted(missing))}")
            continue
        if p["code"] in codes:
            problems.append(f"{where}: code {p['code']} used twice")
        codes.add(p["code"])
        if p["field"] not in field_codes:
            problems.append(f"{where}: unknown field {p['field']!r}")
        if p["agency"] not in agency_codes:
            problems.append(f"{where}: unknown agency {p['agency']!r}")
        if p["level"] not in (2, 3, 4):
            problems.append(f"{where}: level must be 2, 3 or 4")
        if not isinstance(p["processing_days"], int) or p["processing_days"] < 1:
            problems.append(f"{where}: processing_days must be a positive integer")
        keys = [d.get("key") for d in p["documents"]]
        if len(keys) != len(set(keys)):
            problems.append(f"{where}: document keys repeat")
        for d in p["documents"]:
            if not DOCUMENT_KEYS <= d.keys():
                problems.append(f"{where}: document {d.get('key')!r} needs {', '.join(sorted(DOCUMENT_KEYS))}")
        names = [f.get("name") for f in p["form"]]
        if len(names) != len(set(names)):
            problems.append(f"{where}: form field names repeat")
        for f in p["form"]:
            if not str(f.get("name", "")).isidentifier() or f.get("type") not in FORM_TYPES:
                problems.append(f"{where}: form field {f.get('name')!r} has a bad name or type")
            if f.get("type") == "select" and not f.get("options"):
                problems.append(f"{where}: select field {f.get('name')!r} has no options")
        if not p["steps"]:
            problems.append(f"{where}: no internal process steps")
        for s in p["steps"]:
            if s.get("role") not in STEP_ROLES or not isinstance(s.get("hours"), (int, float)) or s["hours"] <= 0:
                problems.append(f"{where}: step {s.get('key')!r} has a bad role or duration")
        total = sum(s.get("hours", 0) for s in p["steps"] if isinstance(s.get("hours"), (int, float)))
        if isinstance(p["processing_days"], int) and total != p["processing_days"] * 8:
            problems.append(f"{where}: steps add up to {total} h, processing time is {p['processing_days'] * 8} h")
        if not set(p["result_delivery"]) <= DELIVERY:
            problems.append(f"{where}: unknown result delivery {p['result_delivery']!r}")
    return problems


def _hash(entry: dict) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _upsert(model, kind: str, key: str, values: dict, report: LoadReport):
    row = db.session.scalar(select(model).where(getattr(model, key) == values[key]))
    if row is None:
        row = model(**values)
        db.session.add(row)
        report.created[kind] += 1
        return row
    if any(getattr(row, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(row, k, v)
        report.updated[kind] += 1
    else:
        report.unchanged[kind] += 1
    return row


def load_catalogue(data_dir: Path = DATA_DIR) -> LoadReport:
    """Validate the catalogue, then create or update fields, agencies and procedures."""
    data = read_catalogue(data_dir)
    problems = validate_catalogue(data)
    if problems:
        raise CatalogueError(problems)
    report = LoadReport()
    fields_by_code = {}
    for f in data.fields:
        fields_by_code[f["code"]] = _upsert(
            Field, "fields", "code", {k: f[k] for k in ("code", "name_vi", "name_en")}, report
        )
    agencies_by_code = {}
    for a in data.agencies:
        values = {k: a[k] for k in ("code", "identifier", "name_vi", "name_en", "level")}
        # The printed header and contacts only when the data states them: what administrators
        # set on the agency pages stays unless the data says otherwise.
        values.update({k: a[k] for k in AGENCY_OPTIONAL_KEYS if k in a})
        agencies_by_code[a["code"]] = _upsert(Agency, "agencies", "code", values, report)
    db.session.flush()
    for a in data.agencies:
        row = agencies_by_code[a["code"]]
        parent = agencies_by_code.get(a.get("parent")) if a.get("parent") else None
        if row.parent_id != (parent.id if parent else None):
            row.parent_id = parent.id if parent else None
        if "one_stop_unit" in a:
            unit = agencies_by_code.get(a["one_stop_unit"]) if a["one_stop_unit"] else None
            if row.one_stop_unit_id != (unit.id if unit else None):
                row.one_stop_unit_id = unit.id if unit else None
    for _name, p in data.procedures:
        _load_procedure(p, fields_by_code, agencies_by_code, report)
    db.session.flush()
    if report.changed:
        audit.record("catalogue.loaded", actor="system", created=report.created, updated=report.updated)
    return report


def _load_procedure(p: dict, fields_by_code, agencies_by_code, report: LoadReport) -> None:
    content_hash = _hash(p)
    row = db.session.scalar(select(Procedure).where(Procedure.code == p["code"]))
    if row is not None and row.content_hash == content_hash:
        report.unchanged["procedures"] += 1
        return
    field_row = fields_by_code[p["field"]]
    values = dict(
        code=p["code"], seed_item=p["seed_item"], seed_name=p["seed_name"],
        name_vi=p["name_vi"], name_en=p["name_en"], field=field_row,
        agency=agencies_by_code[p["agency"]], level=p["level"],
        processing_days=p["processing_days"], online_processing_days=p["online_processing_days"],
        fee_amount=int(p["fee"].get("amount") or 0), fee_text_vi=p["fee"]["text_vi"],
        fee_text_en=p["fee"].get("text_en") or p["fee"]["text_vi"], fee_basis=p["fee"].get("basis"),
        legal_basis=p["legal_basis"], conditions_vi=p["conditions_vi"],
        conditions_en=p["conditions_en"], applicants_vi=p["applicants_vi"],
        documents=p["documents"], form_schema=p["form"], steps=p["steps"],
        result_vi=p["result_vi"], result_en=p["result_en"], result_delivery=p["result_delivery"],
        source=p["source"], content_hash=content_hash, updated_at=utcnow(),
        search_text=fold(" ".join([p["code"], p["name_vi"], p["name_en"], field_row.name_vi, p["seed_name"] or ""])),
    )
    if row is None:
        db.session.add(Procedure(form_version=1, **values))
        report.created["procedures"] += 1
        return
    if row.form_schema != p["form"]:
        values["form_version"] = row.form_version + 1
    for k, v in values.items():
        setattr(row, k, v)
    report.updated["procedures"] += 1
