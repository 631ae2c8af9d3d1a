"""Every GET page and endpoint answers without a server error, for every kind of visitor,
including with ids that do not exist or belong to someone else."""

import pytest

from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn

SAMPLE_VALUES = {"code": ["LC-02", "khong-co"], "lang": ["en", "xx"], "form": ["receipt", "khong-co"],
                 "transaction_id": ["khong-co"], "key": ["khong-co"], "action": ["accept"]}


def _urls(app, dossier_id):
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {}
        for arg in rule.arguments:
            if arg in SAMPLE_VALUES:
                values[arg] = SAMPLE_VALUES[arg]
            elif "id" in arg:
                values[arg] = [dossier_id, 999999]
            else:
                values[arg] = ["x"]
        combos = [{}]
        for arg, options in values.items():
            combos = [{**c, arg: option} for c in combos for option in options]
        for combo in combos:
            path = rule.rule
            for arg, value in combo.items():
                path = path.replace(f"<int:{arg}>", str(value)).replace(f"<path:{arg}>", str(value))
                path = path.replace(f"<{arg}>", str(value))
            urls.append(path)
    return sorted(set(urls))


@pytest.mark.parametrize("who", ["anonymous", "citizen", "stranger", "one_stop_officer", "agency_leader", "admin"])
def test_no_page_answers_with_a_server_error(app, client, pages, make_user, who):
    office = build_office(make_user)
    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    act(dossier.id, "accept", office.officer, vn(2026, 11, 23, 9, 0))
    if who == "citizen":
        pages.login(office.citizen.username, PASSWORD)
    elif who == "stranger":
        make_user(username="nguoila")
        pages.login("nguoila", PASSWORD)
    elif who in ("one_stop_officer", "agency_leader"):
        pages.login(office.by_role(who).username, PASSWORD)
    elif who == "admin":
        make_user(role="admin", username="quantri")
        pages.login("quantri", PASSWORD)
    failures = []
    for url in _urls(app, dossier.id):
        if url in ("/dang-xuat",):
            continue
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert failures == []
