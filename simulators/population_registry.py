"""A population-database simulator (Cơ sở dữ liệu quốc gia về dân cư), run as its own process
(docs/population-registry.md).

    python -m simulators.population_registry --port 8767 --secret S

It answers the province's signed identity checks (``POST /v1/citizens/verify``) from a small set of
seeded demo people: given a personal identification number and a full name it says ``match``
(with the registered date of birth and permanent address), ``mismatch`` (the number exists, the
name is not the registered one: nothing else is said) or ``not_found``. A request without a valid
signature, or too old, is refused (401); every answer is signed back with the same secret, so the
province can tell it came from the registry. Nothing here imports ``portal``: it only shares the
signature rule (``signatures.webhook``).

Control and reading endpoints (unsigned: a test and demo tool, bind it to localhost):

- ``GET /_sim/health``
- ``GET /_sim/lookups``: the checks received, in arrival order (number, name, purpose, requester)
- ``POST /_sim/people`` ``{"id_number", "full_name", "date_of_birth", "permanent_address"}``: one
  more person (replaces the same number)
- ``POST /_sim/control`` ``{"fail_next": K, "fail_status": 503, "sleep_next": K, "sleep_seconds": S,
  "bad_signature_next": K, "reset": true}``
"""

from __future__ import annotations

import argparse
import copy
import json
import threading
import time
import unicodedata

from flask import Flask, Response, jsonify, request

from signatures.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, is_authentic, signed_headers

VERIFY_PATH = "/v1/citizens/verify"

#: The demo people (the demo citizen account, the test VNeID identities, the national portal's
#: default applicant, and a few more of Lai Châu).
PEOPLE = [
    {"id_number": "012190123456", "full_name": "Nguyễn Thị Hồng Nhung", "date_of_birth": "1990-05-14",
     "permanent_address": "Số 12 đường Trần Phú, phường Tân Phong, tỉnh Lai Châu"},
    {"id_number": "012190000101", "full_name": "Lò Văn Minh", "date_of_birth": "1990-03-02",
     "permanent_address": "Bản Hon, xã Bản Hon, tỉnh Lai Châu"},
    {"id_number": "012195000202", "full_name": "Tòng Thị Hoa", "date_of_birth": "1995-11-20",
     "permanent_address": "Bản Nà Khuầy, xã Tam Đường, tỉnh Lai Châu"},
    {"id_number": "012190000777", "full_name": "Lò Thị Mai", "date_of_birth": "1990-08-08",
     "permanent_address": "Bản Hon, xã Bản Hon, tỉnh Lai Châu"},
    {"id_number": "012088001234", "full_name": "Giàng A Páo", "date_of_birth": "1988-01-25",
     "permanent_address": "Bản Sín Chải, xã Sìn Hồ, tỉnh Lai Châu"},
    {"id_number": "012301005678", "full_name": "Vàng Thị Dung", "date_of_birth": "2001-06-30",
     "permanent_address": "Tổ dân phố số 3, phường Đoàn Kết, tỉnh Lai Châu"},
]


def same_name(given: str, registered: str) -> bool:
    """Names compare as written (diacritics count), ignoring case, spacing and Unicode form."""
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()

    return norm(given) == norm(registered)


class Registry:
    """The people, the checks received, and what the simulator was told to do next."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.people = {p["id_number"]: copy.deepcopy(p) for p in PEOPLE}
        self.lookups: list[dict] = []
        self.refused_signature = 0
        self.fail_next, self.fail_status, self.sleep_next, self.sleep_seconds = 0, 503, 0, 0.0
        self.bad_signature_next = 0

    def planned(self) -> tuple[int | None, float, bool]:
        """(status to fail with or None, seconds to sleep first, sign the answer wrongly)."""
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_status, 0.0, False
            pause = 0.0
            if self.sleep_next > 0:
                self.sleep_next -= 1
                pause = self.sleep_seconds
            forged = self.bad_signature_next > 0
            if forged:
                self.bad_signature_next -= 1
            return None, pause, forged


def create_app(secret: str) -> Flask:
    app = Flask("population_registry_simulator")
    app.json.ensure_ascii = False
    registry = Registry()
    app.extensions["registry"] = registry

    def signed(status: int, payload: dict, forged: bool = False) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = signed_headers("not-the-secret" if forged else secret, body)
        return Response(body, status=status, headers=headers)

    @app.post(VERIFY_PATH)
    def verify():
        body = request.get_data()
        if not is_authentic(secret, request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER), body):
            with registry.lock:
                registry.refused_signature += 1
            return signed(401, {"error": "bad signature"})
        failure, pause, forged = registry.planned()
        if failure:
            return jsonify({"error": "unavailable (simulated)"}), failure
        try:
            asked = json.loads(body)
        except ValueError:
            return signed(400, {"error": "not JSON"})
        if not isinstance(asked, dict) or not asked.get("id_number") or not asked.get("purpose"):
            return signed(422, {"error": "id_number, full_name and purpose are required"})
        number = str(asked["id_number"])
        with registry.lock:
            registry.lookups.append({"id_number": number, "full_name": asked.get("full_name"),
                                     "purpose": asked.get("purpose"), "requester": asked.get("requester"),
                                     "request_id": asked.get("request_id")})
            person = copy.deepcopy(registry.people.get(number))
        if pause:  # after the lookup is noted: a reset meanwhile does not get a late entry
            time.sleep(pause)
        if person is None:
            return signed(200, {"result": "not_found", "request_id": asked.get("request_id")}, forged)
        if not same_name(str(asked.get("full_name") or ""), person["full_name"]):
            return signed(200, {"result": "mismatch", "request_id": asked.get("request_id")}, forged)
        return signed(200, {"result": "match", "request_id": asked.get("request_id"), "citizen": person}, forged)

    @app.get("/_sim/health")
    def health():
        return jsonify({"ok": True})

    @app.get("/_sim/lookups")
    def lookups():
        with registry.lock:
            return jsonify({"items": list(registry.lookups), "refused_signature": registry.refused_signature})

    @app.post("/_sim/people")
    def add_person():
        person = request.get_json(force=True) or {}
        with registry.lock:
            registry.people[str(person["id_number"])] = {
                "id_number": str(person["id_number"]), "full_name": person["full_name"],
                "date_of_birth": person.get("date_of_birth"), "permanent_address": person.get("permanent_address")}
        return jsonify({"ok": True}), 201

    @app.post("/_sim/control")
    def control():
        orders = request.get_json(force=True) or {}
        with registry.lock:
            if orders.get("reset"):
                registry.reset()
            registry.fail_next = int(orders.get("fail_next", registry.fail_next))
            registry.fail_status = int(orders.get("fail_status", registry.fail_status))
            registry.sleep_next = int(orders.get("sleep_next", registry.sleep_next))
            registry.sleep_seconds = float(orders.get("sleep_seconds", registry.sleep_seconds))
            registry.bad_signature_next = int(orders.get("bad_signature_next", registry.bad_signature_next))
        return jsonify({"fail_next": registry.fail_next, "sleep_next": registry.sleep_next})

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Population database (CSDL quốc gia về dân cư) simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--secret", required=True, help="the shared POPULATION_REGISTRY_SECRET")
    args = parser.parse_args(argv)
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, create_app(args.secret), threaded=True)


if __name__ == "__main__":
    main()
