"""The catalogue's internal verification notes are taken out of what the public reads."""

import pytest

from portal.text import public_text


@pytest.mark.parametrize(("stored", "public"), [
    ("Lệ phí 80.000 đồng/hồ sơ (mức phổ biến; chưa xác minh). Miễn cho hộ nghèo.",
     "Lệ phí 80.000 đồng/hồ sơ (mức phổ biến). Miễn cho hộ nghèo."),
    ("Nghị quyết HĐND tỉnh về phí, lệ phí (chưa xác định số hiệu)", "Nghị quyết HĐND tỉnh về phí, lệ phí"),
    ("Không thu phí (mô tả TTHC không quy định phí — chưa xác minh)", "Không thu phí (mô tả TTHC không quy định phí)"),
    ("135.000 đồng/lần (có thể thấp hơn khi nộp trực tuyến, chưa xác minh mức hiện hành)",
     "135.000 đồng/lần (có thể thấp hơn khi nộp trực tuyến)"),
    ("VND 75,000 per permit (set by the council; unverified).", "VND 75,000 per permit (set by the council)."),
    ("Mức hiện hành có thể đã thay đổi (chưa xác minh). Nộp tại Bộ phận một cửa.",
     "Mức hiện hành có thể đã thay đổi. Nộp tại Bộ phận một cửa."),
    ("Văn bản (Thông tư 09/2024/TT-BKHĐT) không có ghi chú", "Văn bản (Thông tư 09/2024/TT-BKHĐT) không có ghi chú"),
    ("", ""), (None, ""),
])
def test_public_text(stored, public):
    assert public_text(stored) == public
