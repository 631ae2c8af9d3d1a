"""What a refusal says, on every door: the citizen's and the office's pages, the administration
pages, the dashboard, the API and the command line.

A use case refuses with a stable ``code`` (``DomainError``, ``FilingError``, ``AccountError``,
``CalendarError``, ``QueueError``, ``PeriodError``, ...) and, for some codes, ``params`` that fill
the ``%(name)s`` placeholders; ``message_for(error)`` is the sentence in the reader's language.
One code reads the same wherever it is shown, so the words must suit every door that can raise
it (a citizen, an officer, a program): say what is wrong and what to do, without "click here".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

MESSAGES = {
    # The national procedure database's export (flask catalogue import-national)
    "national_export_type": _l("Tệp “%(name)s” không phải tệp XLSX hoặc CSV xuất từ CSDL quốc gia về TTHC."),
    "national_export_unreadable": _l("Không đọc được tệp: tệp hỏng, hoặc không phải XLSX hay CSV mã hóa UTF-8."),
    "national_export_columns": _l("Không tìm thấy dòng tiêu đề có cột “Mã thủ tục” và “Tên thủ tục” trong 10 dòng đầu của tệp."),
    "national_export_too_long": _l("Tệp có quá %(limit)s dòng."),
    # Dossiers and their files (citizens, office, API)
    "not_found": _l("Không tìm thấy hồ sơ hoặc tệp bạn yêu cầu."),
    "lookup_phone_required": _l("Khi tra cứu bằng các số cuối của mã hồ sơ, vui lòng nhập cả số điện thoại đã khai khi nộp hồ sơ."),
    "lookup_throttled": _l("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút."),
    "unknown_procedure": _l("Không tìm thấy thủ tục này."),
    "not_online": _l("Thủ tục này không được nộp trực tuyến."),
    "not_editable": _l("Hồ sơ ở trạng thái này không thể sửa đổi."),
    "stale_version": _l("Hồ sơ vừa được người khác cập nhật. Hãy xem lại thông tin mới nhất và thao tác lại."),
    "unknown_document": _l("Giấy tờ không có trong danh mục thành phần hồ sơ của thủ tục này."),
    "empty_file": _l("Tệp bạn chọn không có nội dung. Vui lòng chọn lại tệp."),
    "file_too_large": _l("Tệp quá lớn: mỗi tệp tối đa %(limit)s MB. Hãy chụp hoặc quét với độ phân giải thấp hơn."),
    "dossier_too_large": _l("Tổng dung lượng các tệp của hồ sơ vượt quá %(limit)s MB."),
    "wrong_type": _l("Chỉ nhận tệp PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp, không theo tên tệp)."),
    "file_type": _l("Chỉ nhận tệp PDF, PNG hoặc JPEG (dự thảo kết quả: PDF)."),
    "too_many_files": _l("Mỗi thành phần hồ sơ có tối đa %(n)s tệp."),
    # Dossiers handed over by the national portal (portal.operations.national)
    "national_code_conflict": _l("Mã hồ sơ quốc gia này đã được gửi với nội dung khác."),
    "national_applicant_invalid": _l("Thông tin người nộp không hợp lệ: cần họ tên và số định danh cá nhân 12 số "
                                     "của một công dân."),
    "national_document_invalid": _l("Tệp của giấy tờ %(key)s không đọc được (nội dung base64 không hợp lệ)."),
    "national_sha256_mismatch": _l("Mã băm SHA-256 của tệp %(key)s không khớp với nội dung tệp."),
    # The outbox (administrators)
    "outbox_not_parked": _l("Thông điệp này không ở trạng thái tạm dừng nên không cần gửi lại."),
    # Resumable uploads (portal.operations.upload_sessions)
    "upload_offset_mismatch": _l("Phần tệp vừa gửi không nối tiếp phần đã nhận (có thể do mất kết nối): máy chủ "
                                 "đã nhận %(offset)s byte. Hãy tiếp tục tải lên từ chỗ đó."),
    "upload_beyond_size": _l("Phần tệp vừa gửi vượt quá dung lượng đã khai cho tệp này. Hãy tải lên lại tệp."),
    "upload_request_invalid": _l("Yêu cầu tải lên thiếu hoặc sai thông tin về tệp (dung lượng, tên tệp, "
                                 "giấy tờ hoặc vị trí phần tệp)."),
    "receipt_unknown_message": _l("Không có tin nhắn SMS nào được gửi với mã tham chiếu này."),
    "receipt_invalid": _l("Trạng thái gửi tin không hợp lệ."),
    # What the structural check of an upload found (portal.operations.uploads, pdf_check)
    "file_has_markup": _l("Tệp có chứa mã trang web (HTML hoặc script) nên không được nhận, vì có thể gây hại cho "
                          "người mở tệp. Hãy lưu (xuất) lại tài liệu thành PDF hoặc chụp lại ảnh rồi tải lên."),
    "pdf_truncated": _l("Tệp PDF không đầy đủ (bị cắt mất phần cuối, có thể do tải lên bị gián đoạn). "
                        "Hãy tải lên lại tệp gốc."),
    "pdf_encrypted": _l("Tệp PDF được đặt mật khẩu hoặc mã hóa nên không kiểm tra và ký được. Hãy gỡ mật khẩu "
                        "(lưu lại một bản không mã hóa) rồi tải lên."),
    "pdf_unreadable": _l("Tệp PDF bị hỏng hoặc không đúng cấu trúc PDF. Hãy mở tệp bằng phần mềm đọc PDF, "
                         "lưu (xuất) lại thành PDF rồi tải lên."),
    "pdf_no_pages": _l("Tệp PDF không có trang nào."),
    "pdf_too_many_pages": _l("Tệp PDF có quá nhiều trang: tối đa %(limit)s trang mỗi tệp."),
    "pdf_inflates_too_much": _l("Nội dung nén trong tệp PDF khi giải nén vượt quá %(limit)s MB (tệp bất thường, "
                                "có thể là “bom nén”). Hãy lưu (xuất) lại tài liệu thành PDF rồi tải lên."),
    "pdf_too_complex": _l("Tệp PDF quá phức tạp để kiểm tra (quá nhiều đối tượng hoặc kiểm tra quá lâu). "
                          "Hãy lưu (xuất) lại tài liệu thành PDF hoặc tách thành nhiều tệp."),
    "image_unreadable": _l("Không đọc được ảnh: tệp ảnh bị hỏng hoặc không đầy đủ. Hãy chụp hoặc quét lại."),
    "image_too_many_pixels": _l("Ảnh quá lớn: tối đa %(limit)s triệu điểm ảnh. Hãy chụp hoặc quét với độ phân "
                                "giải thấp hơn."),
    "form_incomplete": _l("Còn thiếu thông tin bắt buộc: %(fields)s."),
    "documents_missing": _l("Còn thiếu giấy tờ bắt buộc: %(documents)s."),
    "documents_incomplete": _l("Còn thiếu giấy tờ bắt buộc: hãy quét (số hóa) hoặc đánh dấu đã nhận bản giấy."),
    "idempotency_key_invalid": _l("Idempotency-Key phải là chuỗi ký tự in được, tối đa 100 ký tự."),
    "idempotency_key_reused": _l("Idempotency-Key này đã được dùng cho một yêu cầu khác."),
    "delivery_unknown": _l("Hình thức nhận kết quả này không áp dụng cho thủ tục."),
    "delivery_address_required": _l("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính (đầy đủ số nhà, xã/phường)."),
    "not_waiting_supplement": _l("Hồ sơ không ở trạng thái chờ bổ sung."),
    "not_requested": _l("Chỉ được sửa các mục được yêu cầu bổ sung (không được sửa: %(fields)s)."),
    "reason_required": _l("Vui lòng nêu lý do."),
    "rating_unknown": _l("Vui lòng chọn một mức đánh giá."),
    "feedback_kind_unknown": _l("Vui lòng chọn loại phản ánh."),
    "feedback_empty": _l("Vui lòng nhập tiêu đề và nội dung."),
    "feedback_dossier_unknown": _l("Không tìm thấy hồ sơ của bạn với mã này."),
    "feedback_agency_unknown": _l("Vui lòng chọn cơ quan nhận phản ánh trong danh sách."),
    # The agencies' feedback inbox (office pages, API)
    "feedback_not_found": _l("Không tìm thấy phản ánh, kiến nghị này trong hộp thư của cơ quan bạn."),
    "feedback_answer_empty": _l("Vui lòng nhập nội dung trả lời trước khi gửi."),
    "feedback_already_answered": _l("Phản ánh, kiến nghị này đã được trả lời; không thể trả lời hay phân công lại."),
    "feedback_assignee_unknown": _l("Người được phân công phải là cán bộ của cơ quan nhận phản ánh."),
    "feedback_not_staff": _l("Chỉ cán bộ của cơ quan nhận phản ánh mới được phân công hoặc trả lời."),
    "payment_not_due": _l("Hồ sơ này hiện không có khoản phí cần nộp trực tuyến."),
    "payment_forged": _l("Kết quả thanh toán không hợp lệ (chữ ký hoặc nội dung không khớp)."),
    "payment_duplicate": _l("Giao dịch này đã được ghi nhận trước đó."),
    "payment_provider_unavailable": _l("Nền tảng thanh toán tạm thời không trả lời. Vui lòng thử lại sau ít phút."),
    # The lifecycle: who may do what, when (workflow.machine)
    "unknown_action": _l("Thao tác không hợp lệ."),
    "action_not_allowed": _l("Không thể thực hiện thao tác này ở trạng thái hiện tại của hồ sơ."),
    "role_not_allowed": _l("Vai trò của bạn không được thực hiện thao tác này."),
    "not_your_step": _l("Hồ sơ không ở bước của bạn."),
    "not_your_agency": _l("Bước này của hồ sơ do cơ quan khác thực hiện."),
    "linked_step_action": _l("Cơ quan liên thông chỉ chuyển tiếp hoặc trả lại hồ sơ; kết quả do cơ quan giải quyết thủ tục ban hành."),
    "unknown_step_agency": _l("Quy trình có bước giao cho một cơ quan không có trong danh mục."),
    "no_next_step": _l("Đây là bước cuối của quy trình."),
    "no_previous_step": _l("Không có bước trước để trả lại."),
    "already_apologized": _l("Hồ sơ đã được xin lỗi và hẹn lại một lần."),
    "no_contact": _l("Người nộp không có thư điện tử hay số điện thoại di động để gửi."),
    "not_received": _l("Hồ sơ chưa được tiếp nhận."),
    "already_signed": _l("Kết quả đã được phê duyệt, ký; không ký lại lần nữa."),
    "result_signing_pending": _l("Kết quả đang được ký số theo quyết định của lãnh đạo; chỉ ban hành, trả kết quả "
                                 "hoặc quyết định lại sau khi đã ký xong."),
    "guard_reason_given": _l("Cần ghi rõ lý do."),
    "guard_documents_complete": _l("Thành phần hồ sơ chưa đầy đủ: còn thiếu giấy tờ bắt buộc."),
    "guard_result_proposed": _l("Chưa có dự thảo kết quả được đề xuất."),
    "guard_result_signed": _l("Kết quả chưa được lãnh đạo phê duyệt, ký."),
    "guard_not_yet_apologized": _l("Hồ sơ đã được xin lỗi và hẹn lại một lần; không được hẹn lại lần nữa."),
    "guard_new_due_after_current": _l("Ngày hẹn mới phải sau ngày hẹn hiện tại."),
    "guard_fee_paid": _l("Người nộp chưa nộp phí, lệ phí."),
    "guard_fee_due": _l("Thủ tục không có phí, lệ phí phải nộp."),
    "guard_not_yet_rated": _l("Bạn đã đánh giá hồ sơ này."),
    "guard_apology_early_enough": _l("Thư xin lỗi và hẹn lại ngày trả kết quả phải được gửi chậm nhất 01 ngày làm "
                                     "việc trước ngày hẹn trả; nay đã quá thời điểm đó."),
    "guard_repeat_supplement_justified": _l("Hồ sơ đã được yêu cầu bổ sung trước đó; yêu cầu bổ sung lần nữa cần "
                                            "ghi rõ lý do vì sao không yêu cầu ngay từ lần đầu."),
    "clock_paused": _l("Thời hạn giải quyết đang tạm dừng (chờ người nộp); không có ngày hẹn để hẹn lại."),
    # The office's own inputs (desk registration, action forms)
    "applicant_name_required": _l("Cần họ tên người nộp."),
    "bad_id_number": _l("Số định danh gồm 9 hoặc 12 chữ số."),
    "bad_channel": _l("Kênh nộp không hợp lệ."),
    "draft_required": _l("Cần tải lên dự thảo kết quả (PDF) hoặc chọn tạo dự thảo."),
    "delivery_required": _l("Cần chọn hình thức trả kết quả."),
    "items_required": _l("Cần liệt kê nội dung cần bổ sung."),
    "bad_new_due": _l("Cần chọn ngày và giờ hẹn trả mới."),
    "bad_assignee": _l("Người được chuyển không đảm nhận bước tiếp theo của hồ sơ này."),
    "version_required": _l("Cần gửi phiên bản (version) của hồ sơ để không ghi đè thay đổi của người khác."),
    "invalid_input": _l("Dữ liệu gửi kèm thao tác không hợp lệ: %(field)s."),
    # Signing (portal.operations.signing)
    "signing_unavailable": _l("Dịch vụ ký số (cấp dấu thời gian hoặc kho khóa ký) tạm thời không hoạt động. "
                              "Chưa có gì thay đổi trên hồ sơ; vui lòng thử lại sau ít phút."),
    "signing_not_failed": _l("Việc ký số kết quả của hồ sơ này không bị lỗi nên không cần thử lại."),
    "no_certificate": _l("Chưa có chứng thư số còn hiệu lực để ký (của lãnh đạo hoặc con dấu của cơ quan)."),
    "signing_failed": _l("Tài liệu không ký số được (tệp PDF hỏng hoặc được bảo vệ)."),
    "result_draft_not_pdf": _l("Dự thảo kết quả không phải là tệp PDF."),
    # Work queues (office pages and API)
    "unknown_queue": _l("Hàng đợi không hợp lệ (work, new, mine, due_soon, overdue, supplement, all)."),
    "unknown_status": _l("Trạng thái không hợp lệ."),
    "unknown_channel": _l("Kênh tiếp nhận không hợp lệ (online, in_person, post)."),
    "bad_per_page": _l("Số hồ sơ mỗi trang (per_page) phải từ 1 đến 100."),
    "bad_page": _l("Số trang (page) phải là số nguyên dương."),
    "bad_period": _l("Khoảng thời gian không hợp lệ: ngày bắt đầu sau ngày kết thúc."),
    "bad_cursor": _l("Con trỏ trang (cursor) không hợp lệ."),
    "bad_bulk_action": _l("Thao tác hàng loạt không hợp lệ: chỉ chuyển bước tiếp theo hoặc phân công."),
    "bad_bulk_selection": _l("Hãy chọn từ 1 đến 100 hồ sơ."),
    # Signing
    "key_store_unavailable": _l("Chưa ký được vì thiết bị lưu khóa ký số (HSM, token PKCS#11) hiện không sử dụng "
                                "được; hồ sơ chưa bị thay đổi. Vui lòng thử lại sau ít phút hoặc báo quản trị "
                                "hệ thống."),
    # Accounts and signing in
    "username_invalid": _l("Tên đăng nhập dài 3-64 ký tự, chỉ gồm chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang."),
    "username_taken": _l("Tên đăng nhập này đã có người sử dụng."),
    "registration_received": _l("Đã nhận đăng ký. Mời bạn đăng nhập bằng tên đăng nhập và mật khẩu vừa chọn. Mỗi số định danh cá nhân chỉ có một tài khoản: nếu số này đã có tài khoản, tài khoản mới không được tạo và chủ tài khoản được thông báo."),
    "password_too_short": _l("Mật khẩu quá ngắn: cần ít nhất %(min)s ký tự. Một cụm vài từ dễ nhớ là mật khẩu tốt."),
    "password_too_long": _l("Mật khẩu dài tối đa %(max)s ký tự."),
    "password_common": _l("Mật khẩu này nằm trong danh sách mật khẩu phổ biến mà kẻ gian thử đầu tiên. Hãy chọn mật khẩu khác."),
    "password_has_username": _l("Mật khẩu không được chứa tên đăng nhập."),
    "password_has_id_number": _l("Mật khẩu không được chứa số định danh cá nhân."),
    "password_wrong": _l("Mật khẩu hiện tại không đúng."),
    "unknown_user": _l("Không tìm thấy tài khoản với tên đăng nhập này."),
    "full_name_required": _l("Vui lòng nhập họ và tên."),
    "unknown_role": _l("Vai trò không tồn tại."),
    "unknown_agency": _l("Không tìm thấy cơ quan với mã này."),
    "agency_required": _l("Cán bộ phải thuộc một cơ quan."),
    "invalid_credentials": _l("Tên đăng nhập hoặc mật khẩu không đúng."),
    "throttled": _l("Bạn đã đăng nhập sai quá nhiều lần. Vì an toàn, vui lòng thử lại sau %(minutes)s phút."),
    # Administrators' changes to accounts, password resets, two-factor sign-in
    "last_admin": _l("Không thực hiện được: đây là tài khoản quản trị hệ thống duy nhất đang hoạt động. Hãy tạo hoặc "
                     "mở khóa một tài khoản quản trị khác trước."),
    "citizen_not_editable": _l("Thông tin cá nhân của công dân do chính công dân quản lý; cán bộ không sửa được."),
    "citizen_role_fixed": _l("Không đổi được tài khoản công dân thành tài khoản cán bộ (hoặc ngược lại); hãy tạo "
                             "tài khoản cán bộ riêng."),
    "reset_unknown": _l("Mã hoặc đường dẫn đặt lại mật khẩu không đúng. Hãy kiểm tra tên đăng nhập và mã đã nhận."),
    "reset_used": _l("Mã đặt lại mật khẩu này đã được dùng hoặc đã được thay bằng mã mới. Hãy đề nghị quản trị "
                     "hệ thống cấp mã mới."),
    "reset_expired": _l("Mã đặt lại mật khẩu này đã hết hạn. Hãy đề nghị quản trị hệ thống cấp mã mới."),
    "totp_wrong": _l("Mã xác thực không đúng. Hãy nhập mã 6 chữ số đang hiện trên ứng dụng xác thực."),
    "totp_reused": _l("Mã xác thực này vừa được dùng. Hãy chờ mã mới hiện trên ứng dụng xác thực rồi nhập."),
    "totp_required": _l("Tài khoản này đăng nhập hai bước: cần gửi kèm mã xác thực 6 chữ số (totp)."),
    "totp_enrolment_required": _l("Tài khoản này phải đăng ký xác thực hai bước: hãy đăng nhập trên trang web một "
                                  "lần để đăng ký, rồi lấy mã truy cập kèm mã xác thực."),
    "totp_already_enrolled": _l("Tài khoản đã đăng ký xác thực hai bước."),
    # The population database (portal.operations.citizen_registry)
    "registry_mismatch": _l("Họ và tên không khớp với số định danh cá nhân trong Cơ sở dữ liệu quốc gia về dân cư. "
                            "Vui lòng nhập đúng họ và tên như trên thẻ Căn cước (đủ dấu) và kiểm tra lại số định "
                            "danh; hệ thống không tự sửa thông tin bạn nhập."),
    "registry_not_found": _l("Số định danh cá nhân này không có trong Cơ sở dữ liệu quốc gia về dân cư. Vui lòng "
                             "kiểm tra lại 12 chữ số trên thẻ Căn cước."),
    "registry_birth_date_mismatch": _l("Ngày sinh không khớp với ngày sinh đã đăng ký trong Cơ sở dữ liệu quốc gia "
                                       "về dân cư. Vui lòng kiểm tra lại; hệ thống không tự sửa thông tin bạn nhập."),
    "registry_throttled": _l("Đã có quá nhiều lần đăng ký từ địa chỉ mạng này. Vui lòng thử lại sau %(minutes)s "
                             "phút."),
    "registry_no_id_number": _l("Tài khoản chưa có số định danh cá nhân nên không xác minh được với Cơ sở dữ liệu "
                                "quốc gia về dân cư."),
    "registry_off": _l("Chưa kết nối Cơ sở dữ liệu quốc gia về dân cư (chưa cấu hình POPULATION_REGISTRY_URL)."),
    "registry_unavailable": _l("Cơ sở dữ liệu quốc gia về dân cư tạm thời không phản hồi nên thông tin chưa được "
                               "xác minh. Vui lòng thử lại sau."),
    "registry_unavailable_saved": _l("Cơ sở dữ liệu quốc gia về dân cư tạm thời không phản hồi: hồ sơ vẫn được lưu, "
                                     "thông tin người nộp được ghi là chưa xác minh và sẽ được cán bộ kiểm tra."),
    "registry_unavailable_prefill": _l("Cơ sở dữ liệu quốc gia về dân cư tạm thời không phản hồi nên tờ khai chưa "
                                       "được điền sẵn ngày sinh, địa chỉ thường trú. Bạn vẫn nhập và nộp hồ sơ được."),
    "registry_profile_mismatch": _l("Họ và tên trong tài khoản của bạn không khớp với Cơ sở dữ liệu quốc gia về dân "
                                    "cư nên tờ khai chưa được điền sẵn từ đó. Hãy nhập họ tên đúng như trên thẻ "
                                    "Căn cước."),
    "registry_profile_not_found": _l("Số định danh cá nhân của tài khoản không có trong Cơ sở dữ liệu quốc gia về "
                                     "dân cư nên tờ khai chưa được điền sẵn từ đó."),
    # Sign-in with VNeID (portal.operations.vneid)
    "vneid_failed": _l("Không xác minh được kết quả đăng nhập từ VNeID (phiên đăng nhập đã hết hạn hoặc dữ liệu không hợp lệ). Chưa có gì thay đổi; vui lòng đăng nhập bằng VNeID lại."),
    "vneid_unavailable": _l("Hiện không kết nối được với VNeID. Vui lòng thử lại sau hoặc đăng nhập bằng tên đăng nhập và mật khẩu."),
    "vneid_id_number": _l("VNeID không trả về số định danh cá nhân hợp lệ, nên không thể đăng nhập."),
    "vneid_staff": _l("Tài khoản cán bộ không đăng nhập bằng VNeID. Vui lòng đăng nhập bằng tên đăng nhập và mật khẩu."),
    "vneid_locked": _l("Tài khoản gắn với số định danh này đang bị khóa. Vui lòng liên hệ Bộ phận Một cửa."),
    "vneid_link_expired": _l("Yêu cầu liên kết tài khoản không còn hiệu lực. Vui lòng đăng nhập bằng VNeID lại."),
    "signs_in_with_vneid": _l("Tài khoản này đăng nhập bằng VNeID và không có mật khẩu riêng."),
    # The working calendar (administrators)
    "note_required": _l("Vui lòng ghi căn cứ."),
    "bad_kind": _l("Loại điều chỉnh không hợp lệ."),
    "bad_working_hours": _l("Giờ làm việc không hợp lệ: giờ kết thúc phải sau giờ bắt đầu, buổi chiều sau buổi sáng."),
    # Agencies (administrators; portal.operations.agencies)
    "bad_agency_code": _l("Mã quản trị chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang (ví dụ: so-y-te)."),
    "bad_agency_identifier": _l("Mã định danh điện tử gồm các nhóm chữ in hoa và chữ số, cách nhau bằng dấu chấm "
                                "(ví dụ: 000.00.07.H33), không có dấu gạch ngang."),
    "agency_name_required": _l("Vui lòng nhập tên cơ quan bằng tiếng Việt và tiếng Anh."),
    "bad_agency_level": _l("Cấp cơ quan không hợp lệ."),
    "agency_code_taken": _l("Mã quản trị %(value)s đã được dùng cho một cơ quan khác."),
    "agency_identifier_taken": _l("Mã định danh %(value)s đã được dùng cho một cơ quan khác: mỗi cơ quan có "
                                  "một mã định danh riêng."),
    "agency_identifier_in_use": _l("Mã định danh %(value)s đã có trong mã hồ sơ của một cơ quan khác nên không "
                                   "dùng lại được."),
    "unknown_parent_agency": _l("Không tìm thấy cơ quan cấp trên đã chọn."),
    "agency_parent_level": _l("Cơ quan cấp trên không phù hợp với cấp của cơ quan: sở thuộc UBND tỉnh, xã và phường "
                              "thuộc tỉnh, trung tâm thuộc tỉnh, sở hoặc xã; cơ quan ngành dọc không thuộc UBND tỉnh."),
    "agency_children_level": _l("Không đổi được cấp: các đơn vị trực thuộc cơ quan này không thể thuộc một cơ quan "
                                "ở cấp mới. Hãy chuyển các đơn vị đó trước."),
    "agency_cycle": _l("Không thể chọn cơ quan cấp trên là chính cơ quan này hoặc một đơn vị trực thuộc nó."),
    "agency_one_stop_unit": _l("Đơn vị một cửa phải là một Trung tâm Phục vụ hành chính công."),
    "bad_agency_phone": _l("Số điện thoại không hợp lệ."),
    "bad_agency_email": _l("Địa chỉ thư điện tử không hợp lệ."),
    "bad_document_symbol": _l("Chữ viết tắt tên cơ quan chỉ gồm chữ in hoa và chữ số, không có dấu cách."),
    # Procedures changed by administrators (portal.operations.procedures) and the catalogue's rules
    # (portal.operations.catalogue.procedure_problems, the same for the YAML files)
    "reason_too_long": _l("Lý do dài tối đa %(limit)s ký tự."),
    "procedure_invalid": _l("Thủ tục chưa được lưu vì còn lỗi."),
    "procedure_changed_meanwhile": _l("Thủ tục vừa được người khác thay đổi (nay là phiên bản %(version)s). "
                                      "Hãy mở lại trang để xem thay đổi đó rồi sửa lại."),
    "no_template": _l("Thành phần hồ sơ này chưa có tệp mẫu."),
    "procedure_unchanged": _l("Không có gì thay đổi so với phiên bản hiện hành."),
    "template_type": _l("Mẫu đơn, tờ khai chỉ nhận tệp PDF, DOC, DOCX, XLS, XLSX hoặc ODT (kiểm tra theo nội dung "
                        "tệp, không theo tên tệp)."),
    "catalogue_unknown_field": _l("Không có lĩnh vực mã %(code)s."),
    "catalogue_unknown_agency": _l("Không có cơ quan mã %(code)s."),
    "catalogue_name_required": _l("Cần tên thủ tục bằng tiếng Việt và tiếng Anh."),
    "catalogue_bad_level": _l("Mức độ dịch vụ công phải là 2, 3 hoặc 4."),
    "catalogue_bad_days": _l("Thời hạn giải quyết phải là số ngày làm việc nguyên, từ 1 đến %(max)s."),
    "catalogue_bad_online_days": _l("Thời hạn khi nộp trực tuyến để trống hoặc là số ngày nguyên, từ 1 đến %(max)s."),
    "catalogue_fee_text_required": _l("Cần mô tả phí, lệ phí (ghi “Không thu phí, lệ phí” nếu miễn)."),
    "catalogue_bad_fee": _l("Số tiền phí, lệ phí phải là số nguyên từ 0 đến %(max)s (đồng)."),
    "catalogue_bad_legal_basis": _l("Căn cứ pháp lý là danh sách văn bản, mỗi văn bản một dòng."),
    "catalogue_bad_national_code": _l("Mã thủ tục quốc gia dài tối đa 32 ký tự."),
    "catalogue_bad_remote_days": _l("Thời hạn ở vùng sâu, vùng xa để trống hoặc là số ngày nguyên, không ít hơn "
                                    "thời hạn chung và không quá %(max)s."),
    "catalogue_bad_clock_rules": _l("Quy tắc tạm dừng thời hạn chỉ gồm supplement_pauses và fee_pauses, mỗi khóa "
                                    "nhận true hoặc false."),
    "catalogue_bad_permit": _l("Khóa permit (thủ tục cấp phép) nhận true hoặc false."),
    "catalogue_not_a_list": _l("Cần một danh sách, mỗi mục một dòng dạng - {khóa: giá trị}."),
    "catalogue_document_keys_repeat": _l("Thành phần hồ sơ: hai giấy tờ trùng mã (key)."),
    "catalogue_document_incomplete": _l("Thành phần hồ sơ: giấy tờ “%(key)s” cần đủ các khóa %(keys)s."),
    "catalogue_bad_document": _l("Thành phần hồ sơ: giấy tờ “%(key)s” có mã, tên, số lượng (số nguyên từ 1) hoặc "
                                 "“required” (true/false) không hợp lệ."),
    "catalogue_bad_template_file": _l("Thành phần hồ sơ: tệp mẫu của giấy tờ “%(key)s” không hợp lệ."),
    "catalogue_form_names_repeat": _l("Tờ khai điện tử: hai trường trùng tên (name)."),
    "catalogue_bad_form_field": _l("Tờ khai điện tử: trường “%(name)s” có tên hoặc kiểu không hợp lệ (tên không dấu, "
                                   "không khoảng trắng; kiểu là một trong: %(types)s)."),
    "catalogue_select_without_options": _l("Tờ khai điện tử: trường chọn “%(name)s” chưa có lựa chọn (options)."),
    "catalogue_no_steps": _l("Quy trình nội bộ cần ít nhất một bước."),
    "catalogue_bad_step_agency": _l("Quy trình nội bộ: bước “%(key)s” giao cho cơ quan “%(agency)s” không có trong danh "
                                    "mục, hoặc chính là cơ quan giải quyết thủ tục."),
    "catalogue_bad_step": _l("Quy trình nội bộ: bước “%(key)s” có vai trò hoặc số giờ không hợp lệ (vai trò là một "
                             "trong: %(roles)s; số giờ lớn hơn 0)."),
    "catalogue_step_hours": _l("Quy trình nội bộ: tổng số giờ các bước là %(total)s, phải bằng thời hạn giải quyết "
                               "(%(expected)s giờ làm việc)."),
    "catalogue_bad_delivery": _l("Cách nhận kết quả không hợp lệ."),
    # Reporting periods (dashboard and statistics API; portal.statistics.periods)
    "bad_date": _l("Ngày không hợp lệ: dùng dạng YYYY-MM-DD."),
    "end_not_after_start": _l("Ngày kết thúc phải sau ngày bắt đầu."),
    "end_before_start": _l("Ngày kết thúc không được trước ngày bắt đầu (cùng một ngày là kỳ một ngày)."),
    "unknown_period_basis": _l("Cách chốt số liệu không hợp lệ."),
    "national_not_configured": _l("Chưa cấu hình kết nối Cổng Dịch vụ công quốc gia (NATIONAL_PORTAL_URL): "
                                  "không gửi được báo cáo."),
    "cutoff_needs_named_period": _l("Thời gian chốt số liệu theo Nghị định 09/2019/NĐ-CP chỉ áp dụng cho kỳ tháng, "
                                    "quý, 6 tháng, 9 tháng hoặc năm."),
    "too_long": _l("Khoảng thời gian dài quá 10 năm."),
    "year_missing": _l("Nhập năm."),
    "year_out_of_range": _l("Năm không hợp lệ."),
    "month_out_of_range": _l("Chọn tháng từ 1 đến 12."),
    "quarter_out_of_range": _l("Chọn quý từ 1 đến 4."),
    "custom_needs_dates": _l("Khoảng ngày tự chọn cần cả ngày bắt đầu và ngày kết thúc."),
    "unknown_period_kind": _l("Kỳ báo cáo không hợp lệ."),
}

#: A refusal of one uploaded file, naming the file and the document it was for.
UPLOAD_REFUSAL = _l("Tệp “%(file)s” (Giấy tờ: %(document)s) không được nhận: %(reason)s")
#: The file is of a type the document does not take.
UPLOAD_WRONG_TYPE = _l("Tệp “%(file)s” (Giấy tờ: %(document)s) không phải %(types)s.")
#: The kinds of file a document takes, as words (``UPLOAD_WRONG_TYPE``).
TYPE_WORDS = {
    ("pdf", "photo"): _l("PDF hoặc ảnh JPEG/PNG"),
    ("pdf",): _l("tệp PDF"),
    ("photo",): _l("ảnh JPEG/PNG"),
}

#: Why a citizen ID number is not valid (``workflow.citizen_id.InvalidCitizenId.reason``).
CITIZEN_ID_MESSAGES = {
    "digits": _l("Số định danh cá nhân chỉ gồm chữ số."),
    "length": _l("Số định danh cá nhân phải có đúng 12 chữ số."),
    "province": _l("Ba chữ số đầu không phải mã tỉnh, thành phố hợp lệ."),
    "birth_year": _l("Số định danh cá nhân không hợp lệ (năm sinh mã hóa trong số không đúng)."),
}

#: A code without a message (a new refusal nobody has worded yet).
GENERIC_MESSAGE = _l("Không thực hiện được thao tác. Vui lòng thử lại.")

@dataclass(frozen=True)
class Refusal:
    """A code (and its parameters) to word, for callers that have no error object."""

    code: str
    params: dict = field(default_factory=dict)


def message_for(error) -> str:
    """The sentence for ``error`` (anything with ``code`` and optional ``params``, or a code) in
    the reader's language; a generic sentence for a code without a message."""
    if isinstance(error, str):
        error = Refusal(error)
    code = getattr(error, "code", None) or ""
    template = MESSAGES.get(code)
    if template is None:
        return str(GENERIC_MESSAGE)
    params = getattr(error, "params", None) or {}
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def upload_refusal(error, file: str, document: str, types: tuple[str, ...] = ()) -> str:
    """The sentence for a refused upload, naming the file and the document (slot) it was for;
    ``types`` are the content types the document takes (for a file of another type)."""
    if getattr(error, "code", None) == "wrong_type":
        kinds = tuple(k for k, present in (("pdf", "application/pdf" in types),
                                           ("photo", any(t.startswith("image/") for t in types))) if present)
        words = TYPE_WORDS.get(kinds or ("pdf", "photo"))
        return str(UPLOAD_WRONG_TYPE) % {"file": file, "document": document, "types": words}
    return str(UPLOAD_REFUSAL) % {"file": file, "document": document, "reason": message_for(error)}


class _Texts(Mapping):
    """``MESSAGES`` read as finished sentences (code -> ``message_for(code)``), for callers that
    look a code up in a mapping."""

    def __getitem__(self, code: str) -> str:
        if code not in MESSAGES:
            raise KeyError(code)
        return message_for(code)

    def __iter__(self) -> Iterator[str]:
        return iter(MESSAGES)

    def __len__(self) -> int:
        return len(MESSAGES)


TEXTS: Mapping[str, str] = _Texts()
