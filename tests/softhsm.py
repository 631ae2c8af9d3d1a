"""A fresh softhsm2 token per test (Debian's ``softhsm2``: a real PKCS#11 module backed by files).

Each token lives in its own directory under the test's ``tmp_path`` with its own
``SOFTHSM2_CONF``, so tests never see each other's keys; the module is initialised again for
each (``signatures.token.reset``). Without softhsm2 the tests skip and say why (they fail under
``CI=true``: ``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from signatures import token
from tests.conftest import IN_CI, require_tool

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
)
LABEL = "con-dau-so"
PIN = "246810"
SO_PIN = "13579135"


def softhsm_module() -> str:
    for path in MODULE_CANDIDATES:
        if os.path.isfile(path):
            return path
    message = "the softhsm2 PKCS#11 module (libsofthsm2.so) is not installed (apt-get install softhsm2)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def make_token(directory: Path, monkeypatch, label: str = LABEL, pin: str = PIN) -> token.TokenConfig:
    """Initialise an empty token labelled ``label`` in ``directory`` and point softhsm2 at it."""
    util = require_tool("softhsm2-util")
    module = softhsm_module()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
                    "slots.removable = false\n", encoding="ascii")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run([util, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", SO_PIN],
                   check=True, capture_output=True, timeout=60)
    token.reset()  # the module reads SOFTHSM2_CONF when it is initialised
    return token.TokenConfig(module, token_label=label, pin=pin)
