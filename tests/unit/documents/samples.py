"""Realistic Vietnamese sample data for the form renderers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from portal.documents import (
    ApologyData,
    Applicant,
    ControlSheetData,
    DocumentLine,
    HandoverRow,
    Header,
    ReceiptData,
    RefusalData,
    RegisterData,
    RegisterRow,
    StopNoticeData,
    SupplementRequestData,
)

VN = timezone(timedelta(hours=7))
UTC = UTC

HEADER = Header(
    managing_body="UBND tỉnh Lai Châu",
    number="1234/GTN-TTPVHCC",
    date=date(2026, 11, 22),
)
APPLICANT = Applicant(
    full_name="Nguyễn Thị Hồng Nhung",
    id_number="012345678901",
    address="Số 15, đường Trần Hưng Đạo, phường Tân Phong, thành phố Lai Châu",
    phone="0912 345 678",
    email="hongnhung@example.vn",
    proxy_name="Lê Văn Đức",
)
CODE = "000.00.12.H33-261122-0042"
PROCEDURE = "Cấp Giấy phép xây dựng đối với công trình cấp đặc biệt, cấp I, cấp II"
LOOKUP_URL = "https://dichvucong.laichau.gov.vn/tra-cuu?ma=000.00.12.H33-261122-0042"


def receipt(**changes) -> ReceiptData:
    values = dict(
        header=HEADER,
        dossier_code=CODE,
        applicant=APPLICANT,
        procedure_name=PROCEDURE,
        documents=[
            DocumentLine("Đơn đề nghị cấp giấy phép xây dựng (Mẫu số 01)", "Bản chính", 1),
            DocumentLine("Giấy chứng nhận quyền sử dụng đất", "Bản sao có chứng thực", 1),
            DocumentLine("Bản vẽ thiết kế xây dựng", "Bản chính", 2),
            DocumentLine("Quyết định phê duyệt dự án đầu tư xây dựng", "Bản sao", 1),
        ],
        sets=1,
        processing_days=20,
        received_at=datetime(2026, 11, 22, 9, 15, tzinfo=VN),
        # 09:59 UTC == 16:59 in Vietnam: the renderer must convert.
        due_at=datetime(2026, 12, 21, 9, 59, tzinfo=UTC),
        collect_at="Trung tâm Phục vụ hành chính công tỉnh Lai Châu",
        register_book="05",
        register_entry="0042",
        officer_name="Trần Văn Hùng",
        lookup_url=LOOKUP_URL,
    )
    values.update(changes)
    return ReceiptData(**values)


def supplement(**changes) -> SupplementRequestData:
    values = dict(
        header=HEADER,
        dossier_code=CODE,
        applicant=APPLICANT,
        procedure_name=PROCEDURE,
        items=[
            "Bổ sung bản vẽ mặt bằng móng công trình tỷ lệ 1/100",
            "Văn bản thẩm duyệt thiết kế về phòng cháy và chữa cháy",
        ],
        reason="Hồ sơ chưa đủ thành phần theo quy định tại Nghị định 175/2024/NĐ-CP",
        contact="bà Lò Thị Mai, Phòng Quản lý xây dựng",
        phone="0213 3876 543",
        officer_name="Trần Văn Hùng",
    )
    values.update(changes)
    return SupplementRequestData(**values)


def refusal(**changes) -> RefusalData:
    values = dict(
        header=HEADER,
        dossier_code=CODE,
        applicant=APPLICANT,
        procedure_name=PROCEDURE,
        reasons=[
            "Công trình không thuộc thẩm quyền cấp phép của Sở Xây dựng",
            "Địa điểm xây dựng nằm trong hành lang bảo vệ công trình thủy lợi",
        ],
        officer_name="Trần Văn Hùng",
    )
    values.update(changes)
    return RefusalData(**values)


def apology(**changes) -> ApologyData:
    values = dict(
        header=Header(managing_body="UBND tỉnh Lai Châu", unit="Sở Xây dựng",
                      number="56/PXL-SXD", date=date(2026, 12, 22)),
        addressee="Bà Nguyễn Thị Hồng Nhung",
        received_at=datetime(2026, 11, 22, 9, 15, tzinfo=VN),
        procedure_name=PROCEDURE,
        dossier_code=CODE,
        original_due_at=datetime(2026, 12, 21, 16, 59, tzinfo=VN),
        reason="Cần lấy ý kiến thẩm định của Sở Nông nghiệp và Môi trường",
        new_due_at=datetime(2027, 1, 5, 10, 0, tzinfo=VN),
        signer_name="Phạm Quốc Khánh",
        signer_title="Giám đốc",
        agency_name="Sở Xây dựng tỉnh Lai Châu",
    )
    values.update(changes)
    return ApologyData(**values)


def stop_notice(**changes) -> StopNoticeData:
    values = dict(
        header=Header(managing_body="UBND tỉnh Lai Châu", unit="Sở Xây dựng",
                      number="12/TB-SXD", date=date(2026, 12, 1)),
        dossier_code=CODE,
        applicant=APPLICANT,
        procedure_name=PROCEDURE,
        reason="Tổ chức, cá nhân có văn bản đề nghị rút hồ sơ ngày 30/11/2026",
        signer_name="Phạm Quốc Khánh",
        signer_title="Giám đốc",
        received_at=datetime(2026, 11, 22, 9, 15, tzinfo=VN),
        agency_name="Sở Xây dựng tỉnh Lai Châu",
    )
    values.update(changes)
    return StopNoticeData(**values)


def control_sheet(**changes) -> ControlSheetData:
    values = dict(
        header=HEADER,
        dossier_code=CODE,
        procedure_name=PROCEDURE,
        handling_agency="Sở Xây dựng tỉnh Lai Châu",
        coordinating_agencies=["Sở Nông nghiệp và Môi trường", "Công an tỉnh Lai Châu"],
        received_at=datetime(2026, 11, 22, 9, 15, tzinfo=VN),
        due_at=datetime(2026, 12, 21, 16, 59, tzinfo=VN),
        handovers=[
            HandoverRow("Bộ phận Tiếp nhận và Trả kết quả", "Phòng Quản lý xây dựng",
                        datetime(2026, 11, 22, 14, 0, tzinfo=VN), "early", "Hồ sơ giấy"),
            HandoverRow("Phòng Quản lý xây dựng", "Lãnh đạo Sở Xây dựng",
                        datetime(2026, 12, 10, 8, 30, tzinfo=VN), "on_time", ""),
            HandoverRow("Lãnh đạo Sở Xây dựng", "Bộ phận Tiếp nhận và Trả kết quả",
                        datetime(2026, 12, 23, 2, 5, tzinfo=UTC), "late", "Chậm 2 ngày"),
        ],
        applicant_name="Nguyễn Thị Hồng Nhung",
    )
    values.update(changes)
    return ControlSheetData(**values)


FIRST_NAMES = ["Nguyễn Thị Hồng Nhung", "Lò Văn Páo", "Giàng A Sử", "Phạm Thu Hương",
               "Tòng Thị Ỏn", "Đặng Quốc Việt"]


def register_row(i: int) -> RegisterRow:
    received = datetime(2026, 11, 1, 7, 30, tzinfo=VN) + timedelta(minutes=17 * i)
    return RegisterRow(
        no=i,
        dossier_code=f"000.00.12.H33-2611{i % 28 + 1:02d}-{i:04d}",
        procedure_name=PROCEDURE if i % 3 else "Cấp giấy phép kinh doanh vận tải bằng xe ô tô",
        applicant=FIRST_NAMES[i % len(FIRST_NAMES)],
        address_phone=f"Bản Nà Nhạn, xã San Thàng, Lai Châu - 09{i:08d}",
        lead_agency="Sở Xây dựng" if i % 3 else "Sở Giao thông vận tải",
        received_at=received,
        due_at=received + timedelta(days=20),
        transferred_at=received + timedelta(hours=4),
        result_at=(received + timedelta(days=15)).date() if i % 2 else None,
        returned_at=received + timedelta(days=16) if i % 2 else None,
        returned_how="Bưu chính" if i % 4 == 1 else ("Trực tiếp" if i % 2 else None),
        note="Trả trước hạn" if i % 5 == 0 else "",
    )


def register(n: int = 12, **changes) -> RegisterData:
    values = dict(
        header=HEADER,
        field_name="Hoạt động xây dựng",
        period_from=date(2026, 11, 1),
        period_to=date(2026, 11, 30),
        rows=[register_row(i) for i in range(1, n + 1)],
    )
    values.update(changes)
    return RegisterData(**values)
