"""Loading the catalogue of procedures from the versioned data under portal/catalogue/data.

The whole catalogue is validated before anything is written; reloading unchanged data
changes nothing (each row keeps the hash of its entry).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Field, Procedure, ProcedureVersion, User
from portal.models.agency import AGENCY_LEVELS
from portal.models.types import utcnow
from portal.operations import audit
from portal.operations.agencies import IDENTIFIER, PARENT_LEVELS
from portal.text import fold
from workflow.deadlines import ClockRules
from workflow.states import DeliveryMethod, Role

DATA_DIR = Path(__file__).resolve().parent.parent / "catalogue" / "data"

PROCEDURE_KEYS = {
    "code", "seed_item", "seed_name", "name_vi", "name_en", "field", "agency", "level",
    "processing_days", "online_processing_days", "fee", "legal_basis", "conditions_vi",
    "conditions_en", "applicants_vi", "documents", "form", "steps", "result_vi", "result_en",
    "result_delivery", "source",
}
AGENCY_OPTIONAL_KEYS = ("governing_body", "printed_name", "phone", "email", "address", "place_name", "document_symbol",
                        "remote_area")
#: Keys a procedure's entry may leave out (written back only when they differ from the default).
PROCEDURE_OPTIONAL = {"remote_processing_days": None, "clock_rules": None, "permit": False}
DOCUMENT_KEYS = {"key", "name_vi", "original", "quantity", "required"}
FORM_TYPES = {"string", "text", "integer", "date", "email", "phone", "id_number", "select", "money"}
STEP_ROLES = {r.value for r in Role} - {Role.CITIZEN.value, Role.ADMIN.value}
DELIVERY = {m.value for m in DeliveryMethod}
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


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
        problems.extend(f"{where}: {problem}" for problem in procedure_problems(p, field_codes, agency_codes))
    return problems


class Problem(str):
    """One thing wrong with a catalogue entry: the English sentence the command line prints, with
    a stable ``code`` and ``params`` that ``portal.messages`` words for the administration pages."""

    code: str
    params: dict

    def __new__(cls, code: str, text: str, **params):
        problem = super().__new__(cls, text)
        problem.code, problem.params = code, params
        return problem


MAX_DAYS = 365
MAX_FEE = 1_000_000_000  # VND; also keeps the value inside the INTEGER column


def _count(value, low: int, high: int | None = None) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and value >= low
            and (high is None or value <= high))


def procedure_problems(p: dict, field_codes: set, agency_codes: set) -> list[Problem]:
    """What is wrong with the catalogue entry ``p`` (a procedure's YAML mapping): the one rule set
    of the catalogue file and of the administration pages."""
    problems: list[Problem] = []
    if p["field"] not in field_codes:
        problems.append(Problem("catalogue_unknown_field", f"unknown field {p['field']!r}", code=p["field"]))
    if p["agency"] not in agency_codes:
        problems.append(Problem("catalogue_unknown_agency", f"unknown agency {p['agency']!r}", code=p["agency"]))
    for key in ("name_vi", "name_en"):
        if not isinstance(p[key], str) or not p[key].strip():
            problems.append(Problem("catalogue_name_required", f"{key} must be a non-empty text"))
    if p["level"] not in (2, 3, 4):
        problems.append(Problem("catalogue_bad_level", "level must be 2, 3 or 4"))
    if not _count(p["processing_days"], 1, MAX_DAYS):
        problems.append(Problem("catalogue_bad_days", f"processing_days must be an integer from 1 to {MAX_DAYS}",
                                max=MAX_DAYS))
    online = p["online_processing_days"]
    if online is not None and not _count(online, 1, MAX_DAYS):
        problems.append(Problem("catalogue_bad_online_days",
                                f"online_processing_days must be empty or an integer from 1 to {MAX_DAYS}", max=MAX_DAYS))
    fee = p["fee"]
    if not isinstance(fee, dict) or not isinstance(fee.get("text_vi"), str) or not fee["text_vi"].strip():
        problems.append(Problem("catalogue_fee_text_required", "fee needs text_vi"))
    elif fee.get("amount") is not None and not _count(fee["amount"], 0, MAX_FEE):
        problems.append(Problem("catalogue_bad_fee", f"fee amount must be an integer from 0 to {MAX_FEE}",
                                max=f"{MAX_FEE:,}".replace(",", ".")))
    if not isinstance(p["legal_basis"], list) or not all(isinstance(x, str) and x.strip() for x in p["legal_basis"]):
        problems.append(Problem("catalogue_bad_legal_basis", "legal_basis must be a list of texts"))
    national = p.get("national_code")
    if national is not None and (not isinstance(national, str) or not 0 < len(national) <= 32):
        problems.append(Problem("catalogue_bad_national_code", "national_code must be a text of at most 32 characters"))
    problems += _optional_problems(p)
    problems += _document_problems(p["documents"])
    problems += _form_problems(p["form"])
    problems += _step_problems(p["steps"], p["processing_days"])
    problems += _step_agency_problems(p["steps"], p.get("agency"), agency_codes)
    if not isinstance(p["result_delivery"], list) or not set(p["result_delivery"]) <= DELIVERY:
        problems.append(Problem("catalogue_bad_delivery", f"unknown result delivery {p['result_delivery']!r}"))
    return problems


def _optional_problems(p: dict) -> list[Problem]:
    """The optional keys: the longer limit of remote areas, the clock rules, the permit flag."""
    problems: list[Problem] = []
    remote = p.get("remote_processing_days")
    if remote is not None and not (_count(remote, 1, MAX_DAYS) and _count(p["processing_days"], 1)
                                   and remote >= p["processing_days"]):
        problems.append(Problem("catalogue_bad_remote_days",
                                "remote_processing_days must be empty or an integer from processing_days to "
                                f"{MAX_DAYS}", max=MAX_DAYS))
    try:
        ClockRules.from_mapping(p.get("clock_rules") if isinstance(p.get("clock_rules"), dict | None) else {"?": 0})
    except ValueError:
        problems.append(Problem("catalogue_bad_clock_rules",
                                "clock_rules may only set supplement_pauses and fee_pauses to true or false"))
    if not isinstance(p.get("permit", False), bool):
        problems.append(Problem("catalogue_bad_permit", "permit must be true or false"))
    return problems


def _document_problems(documents) -> list[Problem]:
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        return [Problem("catalogue_not_a_list", "documents must be a list of mappings", what="documents")]
    problems: list[Problem] = []
    keys = [d.get("key") for d in documents]
    if len(keys) != len(set(keys)):
        problems.append(Problem("catalogue_document_keys_repeat", "document keys repeat"))
    for d in documents:
        if not DOCUMENT_KEYS <= d.keys():
            problems.append(Problem("catalogue_document_incomplete",
                                    f"document {d.get('key')!r} needs {', '.join(sorted(DOCUMENT_KEYS))}",
                                    key=d.get("key"), keys=", ".join(sorted(DOCUMENT_KEYS))))
        elif (not isinstance(d["key"], str) or not KEY_PATTERN.match(d["key"]) or not _count(d["quantity"], 1)
              or not isinstance(d["required"], bool) or not str(d["name_vi"] or "").strip()):
            problems.append(Problem("catalogue_bad_document", f"document {d.get('key')!r} has a bad key, name, "
                                    "quantity or required flag", key=d.get("key")))
        template_file = d.get("template_file")
        if template_file is not None and (not isinstance(template_file, dict)
                                          or not {"name", "sha256", "content_type"} <= template_file.keys()):
            problems.append(Problem("catalogue_bad_template_file", f"document {d.get('key')!r}: bad template_file",
                                    key=d.get("key")))
    return problems


def _form_problems(form) -> list[Problem]:
    if not isinstance(form, list) or not all(isinstance(f, dict) for f in form):
        return [Problem("catalogue_not_a_list", "form must be a list of mappings", what="form")]
    problems: list[Problem] = []
    names = [f.get("name") for f in form]
    if len(names) != len(set(names)):
        problems.append(Problem("catalogue_form_names_repeat", "form field names repeat"))
    for f in form:
        if not str(f.get("name", "")).isidentifier() or f.get("type") not in FORM_TYPES:
            problems.append(Problem("catalogue_bad_form_field", f"form field {f.get('name')!r} has a bad name or type",
                                    name=f.get("name"), types=", ".join(sorted(FORM_TYPES))))
        if f.get("type") == "select" and not f.get("options"):
            problems.append(Problem("catalogue_select_without_options", f"select field {f.get('name')!r} has no options",
                                    name=f.get("name")))
    return problems


def _step_problems(steps, processing_days) -> list[Problem]:
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        return [Problem("catalogue_not_a_list", "steps must be a list of mappings", what="steps")]
    problems: list[Problem] = []
    if not steps:
        problems.append(Problem("catalogue_no_steps", "no internal process steps"))
    for s in steps:
        if s.get("role") not in STEP_ROLES or not isinstance(s.get("hours"), (int, float)) or s["hours"] <= 0:
            problems.append(Problem("catalogue_bad_step", f"step {s.get('key')!r} has a bad role or duration",
                                    key=s.get("key"), roles=", ".join(sorted(STEP_ROLES))))
    total = sum(s.get("hours", 0) for s in steps if isinstance(s.get("hours"), (int, float)))
    if _count(processing_days, 1, MAX_DAYS) and total != processing_days * 8:
        problems.append(Problem("catalogue_step_hours", f"steps add up to {total} h, processing time is "
                                f"{processing_days * 8} h", total=total, expected=processing_days * 8))
    return problems


def _step_agency_problems(steps, home_agency, agency_codes: set) -> list[Problem]:
    """Link-up steps name another agency of the catalogue (never the procedure's own)."""
    if not isinstance(steps, list):
        return []
    return [Problem("catalogue_bad_step_agency", f"step {s.get('key')!r}: bad agency {s.get('agency')!r}",
                    key=s.get("key"), agency=s.get("agency"))
            for s in steps if isinstance(s, dict) and s.get("agency") is not None
            and (s["agency"] not in agency_codes or s["agency"] == home_agency)]


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


ENTRY_ORDER = (
    "code", "seed_item", "seed_name", "name_vi", "name_en", "national_code", "field", "agency", "level",
    "processing_days", "online_processing_days", "remote_processing_days", "clock_rules", "permit", "fee",
    "legal_basis", "conditions_vi", "conditions_en", "applicants_vi", "documents", "form", "steps", "result_vi",
    "result_en", "result_delivery", "source",
)
CATALOGUE_FILE = "catalogue file"  # the reason of a version made by the catalogue loader


def catalogue_entry(row: Procedure) -> dict:
    """The procedure as its catalogue file says it: the mapping ``flask catalogue load`` reads
    (``national_code`` only when set), the snapshot of a version and what the export writes."""
    entry = {
        "code": row.code, "seed_item": row.seed_item, "seed_name": row.seed_name, "name_vi": row.name_vi,
        "name_en": row.name_en, "national_code": row.national_code, "field": row.field.code,
        "agency": row.agency.code, "level": row.level, "processing_days": row.processing_days,
        "online_processing_days": row.online_processing_days,
        "fee": {"amount": row.fee_amount, "text_vi": row.fee_text_vi, "text_en": row.fee_text_en,
                "basis": row.fee_basis},
        "legal_basis": row.legal_basis, "conditions_vi": row.conditions_vi, "conditions_en": row.conditions_en,
        "applicants_vi": row.applicants_vi, "documents": row.documents, "form": row.form_schema,
        "steps": row.steps, "result_vi": row.result_vi, "result_en": row.result_en,
        "result_delivery": row.result_delivery, "source": row.source,
    }
    if entry["national_code"] is None:
        del entry["national_code"]
    for key, default in PROCEDURE_OPTIONAL.items():
        value = getattr(row, key)
        if value not in (default, {}):
            entry[key] = value
    return entry


def version_snapshot(row: Procedure) -> dict:
    return {**catalogue_entry(row), "is_published": row.is_published}


def _entry_values(p: dict, field_row: Field, agency_row: Agency) -> dict:
    return dict(
        code=p["code"], seed_item=p["seed_item"], seed_name=p["seed_name"],
        name_vi=p["name_vi"], name_en=p["name_en"], national_code=p.get("national_code"), field=field_row,
        agency=agency_row, level=p["level"],
        processing_days=p["processing_days"], online_processing_days=p["online_processing_days"],
        remote_processing_days=p.get("remote_processing_days"), clock_rules=p.get("clock_rules") or None,
        permit=bool(p.get("permit", False)),
        fee_amount=int(p["fee"].get("amount") or 0), fee_text_vi=p["fee"]["text_vi"],
        fee_text_en=p["fee"].get("text_en") or p["fee"]["text_vi"], fee_basis=p["fee"].get("basis"),
        legal_basis=p["legal_basis"], conditions_vi=p["conditions_vi"],
        conditions_en=p["conditions_en"], applicants_vi=p["applicants_vi"],
        documents=p["documents"], form_schema=p["form"], steps=p["steps"],
        result_vi=p["result_vi"], result_en=p["result_en"], result_delivery=p["result_delivery"],
        source=p["source"], content_hash=_hash(p), updated_at=utcnow(),
        search_text=fold(" ".join([p["code"], p["name_vi"], p["name_en"], field_row.name_vi, p["seed_name"] or ""])),
    )


def apply_entry(row: Procedure, entry: dict, field_row: Field, agency_row: Agency) -> None:
    """Make the live row say ``entry`` (a valid catalogue entry); the e-form's version moves
    only when the e-form changed."""
    values = _entry_values(entry, field_row, agency_row)
    if row.form_schema is not None and row.form_schema != entry["form"]:
        values["form_version"] = row.form_version + 1
    for k, v in values.items():
        setattr(row, k, v)


def _ensure_current_version(row: Procedure) -> None:
    """A procedure loaded before versions existed has no row for its live version: write it
    before the first change, so that dossiers filed under it keep it."""
    exists = db.session.scalar(select(ProcedureVersion.id).where(
        ProcedureVersion.procedure_id == row.id, ProcedureVersion.number == row.version))
    if exists is None:
        db.session.add(ProcedureVersion(procedure_id=row.id, number=row.version, snapshot=version_snapshot(row),
                                        author_id=None, reason=CATALOGUE_FILE))


def new_version(row: Procedure, entry: dict, is_published: bool, field_row: Field, agency_row: Agency, *,
                author: User | None, reason: str) -> ProcedureVersion:
    """Change the live row to ``entry`` as a new version by ``author`` (None: the catalogue file)."""
    _ensure_current_version(row)
    apply_entry(row, entry, field_row, agency_row)
    row.is_published = is_published
    row.version += 1
    version = ProcedureVersion(procedure_id=row.id, number=row.version, snapshot=version_snapshot(row),
                               author_id=author.id if author is not None else None, reason=reason)
    db.session.add(version)
    db.session.flush()
    return version


def _last_loaded_hash(row: Procedure) -> str | None:
    """The hash of the catalogue file's entry as it was last loaded (its newest version by the
    catalogue file)."""
    snapshot = db.session.scalar(
        select(ProcedureVersion.snapshot).where(ProcedureVersion.procedure_id == row.id,
                                                ProcedureVersion.author_id.is_(None),
                                                ProcedureVersion.reason == CATALOGUE_FILE)
        .order_by(ProcedureVersion.number.desc()).limit(1))
    if snapshot is None:
        return None
    return _hash({k: v for k, v in snapshot.items() if k != "is_published"})


def _load_procedure(p: dict, fields_by_code, agencies_by_code, report: LoadReport) -> None:
    row = db.session.scalar(select(Procedure).where(Procedure.code == p["code"]))
    if row is not None and _hash(p) in (row.content_hash, _last_loaded_hash(row)):
        # the same as the live row, or the file has not changed since it was last loaded (the
        # administrators' changes made since then stay)
        report.unchanged["procedures"] += 1
        return
    field_row, agency_row = fields_by_code[p["field"]], agencies_by_code[p["agency"]]
    if row is None:
        row = Procedure(form_version=1, version=1, is_published=True,
                        **_entry_values(p, field_row, agency_row))
        db.session.add(row)
        db.session.flush()
        db.session.add(ProcedureVersion(procedure_id=row.id, number=1, snapshot=version_snapshot(row),
                                        author_id=None, reason=CATALOGUE_FILE))
        report.created["procedures"] += 1
        return
    new_version(row, p, row.is_published, field_row, agency_row, author=None, reason=CATALOGUE_FILE)
    report.updated["procedures"] += 1


# ---------------------------------------------------------------------------------------------
# Export: the catalogue files again, from the database


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def _file_name(row: Procedure) -> str:
    words = "-".join(re.sub(r"[^a-z0-9 ]", " ", fold(row.name_vi)).split())[:60].rstrip("-")
    return f"{row.seed_item:02d}-{words}.yaml" if row.seed_item is not None else f"{row.code}-{words}.yaml"


def export_catalogue() -> dict[str, str]:
    """The catalogue as files (path under the data directory -> YAML text), in the layout and
    schema of ``portal/catalogue/data``: loading them back changes nothing."""
    files = {
        "fields.yaml": _dump([{"code": f.code, "name_vi": f.name_vi, "name_en": f.name_en}
                              for f in db.session.scalars(select(Field).order_by(Field.id))]),
    }
    agencies = db.session.scalars(select(Agency).order_by(Agency.id)).all()
    codes = {a.id: a.code for a in agencies}
    files["agencies.yaml"] = _dump([
        {"code": a.code, "identifier": a.identifier, "name_vi": a.name_vi, "name_en": a.name_en, "level": a.level,
         "parent": codes.get(a.parent_id)} for a in agencies])
    for row in db.session.scalars(select(Procedure).order_by(Procedure.seed_item, Procedure.code)):
        entry = catalogue_entry(row)
        files[f"procedures/{_file_name(row)}"] = _dump({k: entry[k] for k in ENTRY_ORDER if k in entry})
    return files


def write_export(target: Path) -> int:
    """Write the export under ``target`` (created if needed); the number of files written."""
    files = export_catalogue()
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return len(files)
