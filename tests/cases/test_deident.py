import pytest

from mentoring.cases.deident import identifier_in


@pytest.mark.parametrize("text", [
    "Gọi 0912 345 678", "SĐT: 0912.345.678.", "+84 912 345 678", "điện thoại 84912345678",
    "nhà 024 3869 3731", "CCCD 001089012345, đau đầu", "CMND 123456789", "số 0010 8901 2345",
    "thẻ BHYT DN4797915123456", "BHYT: GD 4 79 79 15 123 456", "email lan.nguyen@gmail.com",
])
def test_identifiers_are_found(text, app):
    with app.test_request_context():
        assert identifier_in(text), text


@pytest.mark.parametrize("text", [
    "HA 172/104 mmHg, mạch 88, nhiệt độ 36.5, SpO2 97%", "Đường huyết 12.5 mmol/L, HbA1c 8,2%",
    "Đau đầu 3 ngày, uống amlodipine 5 mg", "cân nặng 62 kg, cao 158 cm", "ngày 12/03/2026 lúc 14:30",
    "36.5 37.2 38.1 độ", "",
])
def test_clinical_text_passes(text, app):
    with app.test_request_context():
        assert identifier_in(text) is None, text
