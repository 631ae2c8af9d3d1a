"""The population-database simulator (``simulators.population_registry``) as its own process.

``population_registry`` (session scope) starts ``python -m simulators.population_registry`` on a
free port and stops it at the end; ``registry`` (per test) resets it (its seeded people, no
failure planned) and points the application's POPULATION_REGISTRY_* settings at it."""

from __future__ import annotations

import pytest
import requests

from tests.integration.national_helpers import simulator_process

SECRET = "bi-mat-cua-csdl-dan-cu"
NHUNG = {"id_number": "012190123456", "full_name": "Nguyễn Thị Hồng Nhung", "date_of_birth": "1990-05-14",
         "permanent_address": "Số 12 đường Trần Phú, phường Tân Phong, tỉnh Lai Châu"}


class Registry:
    def __init__(self, url: str):
        self.url = url

    def control(self, **orders) -> None:
        requests.post(f"{self.url}/_sim/control", json=orders, timeout=10).raise_for_status()

    def lookups(self) -> list[dict]:
        return requests.get(f"{self.url}/_sim/lookups", timeout=10).json()["items"]

    def refused_signatures(self) -> int:
        return requests.get(f"{self.url}/_sim/lookups", timeout=10).json()["refused_signature"]

    def add_person(self, **person) -> None:
        requests.post(f"{self.url}/_sim/people", json=person, timeout=10).raise_for_status()


@pytest.fixture(scope="session")
def population_registry():
    with simulator_process("population_registry", "--secret", SECRET,
                           name="the population-database simulator") as url:
        yield Registry(url)


@pytest.fixture
def registry(app, population_registry, monkeypatch):
    population_registry.control(reset=True)
    monkeypatch.setitem(app.config, "POPULATION_REGISTRY_URL", population_registry.url)
    monkeypatch.setitem(app.config, "POPULATION_REGISTRY_SECRET", SECRET)
    monkeypatch.setitem(app.config, "POPULATION_REGISTRY_TIMEOUT_SECONDS", 2)
    return population_registry
