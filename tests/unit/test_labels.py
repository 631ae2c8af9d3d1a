"""One vocabulary: every label and refusal message is a translation, covers its identifiers, and
reads in English in the English catalogue (a label missing there, fuzzy or copied untranslated
fails here, not only a msgid missing from the catalogue)."""

from __future__ import annotations

import ast
from enum import Enum
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel, force_locale
from flask_babel.speaklater import LazyString

from portal import labels, messages
from portal.models.dossier import DossierSource
from portal.models.files import FileKind
from portal.models.filing import (
    FeedbackKind,
    FeedbackStatus,
    OutboxChannel,
    PaymentStatus,
    RatingLevel,
)
from portal.operations import notifications
from portal.payments.gateway import GatewayStatus
from workflow.states import Action, Channel, DeliveryMethod, ResultKind, Role, Status, Timeliness

ROOT = Path(__file__).resolve().parents[2]

#: Labels that are the same word in both languages.
SAME_IN_ENGLISH: set[str] = set()

ENUM_TABLES = [
    (labels.STATUS_LABELS, Status),
    (labels.CHANNEL_LABELS, Channel),
    (labels.TIMELINESS_LABELS, Timeliness),
    (labels.ACTION_LABELS, Action),
    (labels.ROLE_LABELS, Role),
    (labels.DELIVERY_LABELS, DeliveryMethod),
    (labels.RESULT_KIND_LABELS, ResultKind),
    (labels.FILE_KIND_LABELS, FileKind),
    (labels.PAYMENT_STATUS_LABELS, PaymentStatus),
    (labels.BANK_STATUS_LABELS, GatewayStatus),
    (labels.RATING_LABELS, RatingLevel),
    (labels.FEEDBACK_KIND_LABELS, FeedbackKind),
    (labels.FEEDBACK_STATUS_LABELS, FeedbackStatus),
    (labels.SOURCE_LABELS, DossierSource),
    (labels.OUTBOX_CHANNEL_LABELS, OutboxChannel),
]


def all_tables() -> dict[str, dict]:
    return {
        **{f"labels.{name}": table for name, table in labels.TABLES.items()},
        "messages.MESSAGES": messages.MESSAGES,
        "messages.CITIZEN_ID_MESSAGES": messages.CITIZEN_ID_MESSAGES,
        "messages.GENERIC_MESSAGE": {"": messages.GENERIC_MESSAGE},
        "notifications.TITLES": notifications.TITLES,
        "notifications.BODIES": notifications.BODIES,
    }


def entries():
    return [(f"{name}[{key!r}]", value) for name, table in all_tables().items() for key, value in table.items()]


def source_text(value: LazyString) -> str:
    """The Vietnamese msgid of a lazy translation."""
    return value._args[0]


def test_every_table_of_labels_is_listed():
    tables = {name for name, value in vars(labels).items() if name.isupper() and isinstance(value, dict)}
    assert tables - {"TABLES"} == set(labels.TABLES)


@pytest.mark.parametrize(("where", "value"), entries())
def test_every_label_and_message_is_a_lazy_translation(where, value):
    assert isinstance(value, LazyString), f"{where} is {value!r}: wrap it in lazy_gettext (_l)"
    assert source_text(value).strip(), where


@pytest.mark.parametrize(("table", "enum"), ENUM_TABLES, ids=[e.__name__ for _, e in ENUM_TABLES])
def test_every_enum_member_has_a_label_and_only_members_are_keys(table, enum):
    assert set(table) == set(enum)
    assert all(isinstance(key, enum) for key in table), "key the table by the enum, not by strings"


def test_history_labels_every_action_and_the_creation():
    assert set(labels.EVENT_LABELS) == set(Action) | {labels.CREATE}


def test_string_keyed_tables_cover_their_identifiers():
    from portal.operations.forms import FORMS
    from portal.operations.office import QUEUES
    from portal.statistics import formulas, periods
    from portal.statistics.queries import ALL_FIGURES, GROUPS, RATES

    assert set(labels.QUEUE_LABELS) == set(QUEUES)
    assert set(labels.FORM_LABELS) == set(FORMS)
    assert set(ALL_FIGURES) <= set(labels.FIGURE_LABELS)
    assert set(labels.RATE_LABELS) == set(RATES)
    assert set(labels.GROUP_LABELS) == set(GROUPS)
    assert set(labels.PERIOD_KIND_LABELS) == set(periods.KINDS)
    assert set(labels.PERIOD_TITLES) == set(periods.KINDS) - {"custom"}
    assert set(labels.VERDICT_LABELS) == {formulas.MET, formulas.NOT_MET, formulas.EXCEEDED, formulas.NO_DATA}
    assert set(labels.LEVEL_LABELS) == {2, 3, 4}


def _raised_codes(path: Path, error_names: set[str]) -> set[str]:
    """First string arguments of ``SomeError("code", ...)`` calls in ``path``."""
    codes = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in error_names and isinstance(node.args[0].value, str):
                codes.add(node.args[0].value)
    return codes


@pytest.mark.parametrize(("module", "errors"), [
    ("portal/operations/filing.py", {"FilingError"}),
    ("portal/operations/applicant.py", {"FilingError"}),
    ("portal/operations/payments.py", {"FilingError"}),
    ("portal/operations/accounts.py", {"AccountError"}),
    ("portal/operations/account_changes.py", {"AccountError", "LastAdministrator"}),
    ("portal/operations/password_resets.py", {"ResetRefused"}),
    ("portal/operations/two_factor.py", {"TwoFactorRefused", "WrongCode"}),
    ("portal/operations/calendar.py", {"CalendarError"}),
    ("portal/operations/feedback.py", {"FeedbackError"}),
    ("portal/operations/office.py", {"QueueError"}),
    ("portal/statistics/periods.py", {"PeriodError"}),
    ("portal/operations/certificates.py", {"KeyStoreUnavailable"}),
])
def test_every_refusal_of_these_use_cases_has_a_message(module, errors):
    codes = _raised_codes(ROOT / module, errors)
    assert codes, f"no {errors} raised in {module}: update this test"
    assert codes - set(messages.MESSAGES) == set()


@pytest.fixture(scope="module")
def english_app(tmp_path_factory) -> Flask:
    """An app that reads the committed English catalogue (compiled here, fuzzy entries left out
    as in production), so that the test sees what a reader of the .po file would get."""
    directory = tmp_path_factory.mktemp("translations")
    target = directory / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    with (target / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog, use_fuzzy=False)
    app = Flask(__name__)
    Babel(app, default_locale="vi", default_translation_directories=str(directory))
    return app


@pytest.mark.parametrize(("where", "value"), entries())
def test_every_label_and_message_reads_in_english(english_app, where, value):
    with english_app.test_request_context(), force_locale("en"):
        english = str(value)
    vietnamese = source_text(value)
    if vietnamese in SAME_IN_ENGLISH:
        return
    assert english != vietnamese, f"{where} ({vietnamese!r}) has no English translation in translations/en"


def test_the_english_check_would_catch_an_untranslated_label(english_app):
    from flask_babel import lazy_gettext as _l

    with english_app.test_request_context(), force_locale("en"):
        assert str(_l("Một nhãn chưa ai dịch")) == "Một nhãn chưa ai dịch"
        assert str(labels.STATUS_LABELS[Status.DRAFT]) != source_text(labels.STATUS_LABELS[Status.DRAFT])


# ---------------------------------------------------------------------------------------------
# message_for


class _Error(Exception):
    def __init__(self, code, **params):
        super().__init__(code)
        self.code, self.params = code, params


def test_message_for_fills_placeholders_and_words_unknown_codes(english_app):
    with english_app.test_request_context():
        assert message_text("too_many_files", n=7) == "Mỗi thành phần hồ sơ có tối đa 7 tệp."
        assert message_text("no_such_code") == str(messages.GENERIC_MESSAGE)
        # The desk's scans say their own limit, like the citizen's uploads.
        from portal.operations.scans import Scan, store_scan

        with pytest.raises(Exception) as refused:
            store_scan(None, Scan("x", "big.pdf", b"%PDF" + b"0" * (20 * 1024 * 1024)), FileKind.SCAN, None, None)
        assert "20 MB" in messages.message_for(refused.value) and "%(" not in messages.message_for(refused.value)
        # A plain code, and the mapping view the older importers use.
        assert messages.message_for("bad_kind") == messages.TEXTS["bad_kind"] == "Loại điều chỉnh không hợp lệ."
        assert messages.TEXTS.get("no_such_code", "x") == "x"
        with force_locale("en"):
            assert messages.message_for(_Error("too_many_files", n=7)) != "Mỗi thành phần hồ sơ có tối đa 7 tệp."


def message_text(code: str, **params) -> str:
    return messages.message_for(_Error(code, **params))


def test_a_period_error_names_its_code():
    from portal.statistics import periods

    with pytest.raises(periods.PeriodError) as raised:
        periods.month(2025, 13)
    assert raised.value.code == "month_out_of_range" and raised.value.code in messages.MESSAGES


def test_stored_strings_still_match_enum_keys():
    assert labels.STATUS_LABELS["draft"] is labels.STATUS_LABELS[Status.DRAFT]
    assert labels.DELIVERY_LABELS.get("post") is labels.DELIVERY_LABELS[DeliveryMethod.POST]
    assert {m.value for m in DeliveryMethod} == {"desk", "post", "online"}
    assert [k.value for k in FileKind] == ["document", "scan", "result_draft", "result", "form"]
    assert {s.value for s in PaymentStatus} == {"pending", "paid", "failed"}
    assert {r.value for r in ResultKind} == {"granted", "refused"}
    assert all(isinstance(e, Enum) for e in (Status.DRAFT, FileKind.SCAN))


def test_every_service_index_group_has_a_label():
    from portal.statistics.qd766 import load_index

    assert set(labels.QD766_GROUP_LABELS) == {group.key for group in load_index()}


def test_every_audited_action_has_a_label():
    """The administrators' log words every action the code records (labels, never keys)."""
    import re
    from pathlib import Path

    recorded = set()
    for path in (Path(__file__).resolve().parents[2] / "portal").rglob("*.py"):
        recorded |= set(re.findall(r'record\(\s*"([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert recorded and sorted(recorded - set(labels.AUDIT_ACTION_LABELS)) == []
