"""The e-form of a procedure as a JSON Schema (draft 2020-12), for the API and other systems."""

from __future__ import annotations

FORMATS = {
    "string": {"type": "string"},
    "text": {"type": "string"},
    "integer": {"type": "integer"},
    "money": {"type": "integer", "minimum": 0, "description": "VND"},
    "date": {"type": "string", "format": "date"},
    "email": {"type": "string", "format": "email"},
    "phone": {"type": "string", "pattern": r"^(\+84|0)\d{9,10}$"},
    "id_number": {"type": "string", "pattern": r"^\d{12}$"},
    "select": {"type": "string"},
}


def form_json_schema(fields: list[dict], title: str) -> dict:
    properties: dict[str, dict] = {}
    for field in fields:
        prop = dict(FORMATS[field["type"]])
        prop["title"] = field.get("label_vi", field["name"])
        if field.get("label_en"):
            prop["x-title-en"] = field["label_en"]
        if field.get("max_length") and prop["type"] == "string":
            prop["maxLength"] = field["max_length"]
        if field["type"] == "select":
            prop["enum"] = [option["value"] for option in field.get("options", [])]
        if field.get("help_vi"):
            prop["description"] = field["help_vi"]
        if field.get("prefill"):
            prop["x-prefill"] = field["prefill"]
        properties[field["name"]] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "properties": properties,
        "required": [f["name"] for f in fields if f.get("required")],
        "additionalProperties": False,
    }
