"""Personal names and house addresses in Vietnamese free text.

A name is suspected (never certain: "Bạch Mai" is a hospital, "Hà Nội" a
city), so these findings are warnings the asker may override with a reason:
- after a word that points at the patient ("Bệnh nhân Nguyễn Văn Tám",
  "BN Lan", "Họ tên: ...");
- after a title or kinship word ("ông Tám", "chị Lan"; in case text only:
  in chat these words address colleagues);
- a full name of two to four capitalised words that starts with a
  Vietnamese family name ("Nguyễn Văn Tám", "TRẦN THỊ B").
House addresses: "số nhà 12", "thôn 5", "xóm 3", "ấp 4", "số 12 đường ..."."""
from mentoring.cases.deident.scan import DIGITS, SPACE, WORD, Hit, Scan, is_title, is_upper
from mentoring.cases.deident.tokens import fold

FAMILY_NAMES = frozenset(w.casefold() for w in (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trương Lâm Mai Đào "
    "Cao Tô Hà Tạ Chu Lương Quách Trịnh Đoàn Vương Thái Kiều Lưu Triệu Đàm Phùng Châu Lục Mạc Nông Hứa "
    "Khổng Tôn Từ Doãn La Lại Lò Lường Hầu Quan Giáp Khúc Âu Bạch Biện Cù Hàn Khương Lã Lạc Mẫn "
    "Nghiêm Nhữ Phí Phó Sầm Tòng Tống Trầm Ứng Viên Thân Thạch Diệp Diêm Đới Khuất Ngụy Nguỵ Tiêu "
    "Trình Quản Bế Cấn Chế Chung Đậu Điêu Hoàng Mạnh Lữ Hán Tăng Vi Ninh Ông Cung").split())
# Typed without diacritics ("Nguyen Van Tam", "nguyen-van-tam.jpg").
FAMILY_ASCII = frozenset(fold(w) for w in FAMILY_NAMES) - {"do", "la", "o", "ong", "van", "ha", "mai",
                                                           "cao", "to", "tu", "chu", "vi", "ninh"}
MIDDLE_ASCII = frozenset(("van thi duc huu minh ngoc quang thanh xuan dinh cong ba tien kim hong anh "
                          "quoc trung the gia bao hoang phuong thu tuan hai hoai mai dang khanh").split())
PATIENT_WORDS = frozenset(("bệnh nhân", "bn", "người bệnh", "nb", "bệnh nhi", "sản phụ", "thai phụ",
                           "họ tên", "họ và tên", "tên", "tên bn", "tên bệnh nhân", "tên người bệnh",
                           "patient", "pt"))
PATIENT_FOLDED = frozenset(fold(p) for p in PATIENT_WORDS)
KIN_WORDS = frozenset("ông bà anh chị cháu em cô chú bác cụ bé dì cậu mợ thím dượng".split())
# Capitalised words that are not given names (headings, places, clinical words).
NOT_GIVEN = frozenset(w.casefold() for w in (
    "Bệnh Viện Xã Trạm Khoa Phòng Huyết Áp Đường Tính Chứng Sơ Tạo Sàng Tế Y Nội Ngoại Nhi Sản Khám Điều "
    "Trị Thuốc Tim Phổi Gan Thận Máu Não Mạch Tiểu Đái Tháo Ung Thư Viêm Đau Sốt Ho Khó Thở Kết Quả Xét "
    "Nghiệm Siêu Âm Chẩn Đoán Tiền Sử Hỏi Trả Lời Câu Hướng Dẫn Phác Đồ Liều Tăng Giảm Thêm Dùng Uống "
    "Tiêm Truyền Theo Dõi Tái Chuyển Tuyến Ương Tỉnh Huyện Quận Phường Phố Trường Hợp Ca Tháng Năm "
    "Ngày Tuần Giờ Lần Và Với Có Không Là Của Do Vì Nên Được Bị Đã Đang Sẽ Rất Nhiều Ít Nhẹ Nặng Vừa "
    "Hiện Tại Sau Trước Khi Lúc Từ Đến Về Ở Hôm Nay Mai Sáng Chiều Tối Đêm Qua Lý Cần Hội Nghị Bộ Sở "
    "Trung Tâm Kiểm Soát Dự Phòng Quốc Gia Việt Nam Cộng Hòa Nhân Dân").split())
AFTER_TRIGGER_NOT_NAME = NOT_GIVEN | {"nam", "nữ", "nu"}
# Place-like words before a capitalised phrase: "Bệnh viện Bạch Mai", "xã Lê Lợi", "ở Hà Nội".
PLACE_BEFORE = frozenset(fold(w) for w in (
    "viện bv trạm tyt tâm ttyt khám pk khoa xã phường trấn huyện quận tỉnh phố tp đường ngõ thôn xóm ấp "
    "bản khu trường chợ cầu sông núi ở tại từ về đến qua quê sống hospital hẻm kiệt tổ đội buôn làng").split())
PLACES = frozenset(fold(p) for p in (
    "Hà Nội", "Hà Tĩnh", "Hà Giang", "Hà Nam", "Hà Đông", "Hạ Long", "Cao Bằng", "Cao Lãnh", "Lâm Đồng",
    "Thái Bình", "Thái Nguyên", "Hồ Chí Minh", "Bạch Mai", "Từ Dũ", "Mai Châu", "Lạng Sơn", "Lai Châu",
    "Quan Sơn", "Lục Yên", "Lục Ngạn", "Tô Lịch", "Trần Hưng Đạo", "Lê Lợi", "Hoàng Mai", "Lê Chân",
    "Hồ Tây", "Hoàn Kiếm", "Phan Thiết", "Phan Rang", "Kiều Mai", "Từ Liêm", "Đào Duy Từ", "Giáp Bát"))
ADDRESS_WORDS = frozenset("thôn xóm ấp khóm tổ ngõ ngách hẻm kiệt bản buôn đội".split())
ADDRESS_FOLDED = frozenset("thon xom khom ngo ngach hem kiet".split())   # safe typed without diacritics
STREET_WORDS = frozenset("đường phố ngõ ngách hẻm kiệt".split())


PATIENT_ENDS = frozenset(p.split()[-1] for p in PATIENT_FOLDED)


def _prev_word(scan: Scan, k: int) -> int | None:
    """The word token just before token k across one space (or none)."""
    i = k - 1
    if scan.kinds[i] == SPACE and scan.texts[i] == " ":
        i -= 1
    return i if i >= 0 and scan.kinds[i] == WORD else None


def _trigger(scan: Scan, k: int, kinship: bool) -> str | None:
    """'patient' or 'kin' when the name starting at token k is introduced
    by such a word (with at most a colon, comma or dash between)."""
    kinds, texts = scan.kinds, scan.texts
    i, gap = k - 1, 0
    while i >= 0 and gap < 4 and (kinds[i] == SPACE or texts[i] in (":", ",", "-")):
        scan.steps.n += 1
        i, gap = i - 1, gap + 1
    if i < 0 or kinds[i] != WORD:
        return None
    if kinship and i == k - 2 and texts[i].casefold() in KIN_WORDS:
        return "kin"
    if scan.folded(i) not in PATIENT_ENDS:
        return None
    words, j = [i], i
    while len(words) < 3 and (p := _prev_word(scan, j)) is not None:
        scan.steps.n += 1
        words.insert(0, p)
        j = p
    for size in range(1, len(words) + 1):
        if " ".join(scan.folded(t) for t in words[len(words) - size:]) in PATIENT_FOLDED:
            return "patient"
    return None


def _name_words(scan: Scan, k: int) -> list[int]:
    """Capitalised words from token k on, one space apart, same style, at most 4."""
    kinds, texts = scan.kinds, scan.texts
    upper = is_upper(texts[k])
    out, i = [k], k
    while len(out) < 4 and kinds[i + 1] == SPACE and texts[i + 1] == " " and kinds[i + 2] == WORD:
        scan.steps.n += 1
        word = texts[i + 2]
        if not (is_upper(word) if upper else is_title(word)) and not (len(word) == 1 and word.isupper()):
            break
        out.append(i + 2)
        i += 2
    if len(out) > 1 and len(texts[out[-1]]) == 1 and texts[out[-1] + 1] == ".":
        out.pop()  # "... Văn B. Sau đó": the initial ends a sentence, keep the rest
    return out


def _family(word: str, ascii_run: bool) -> bool:
    return word.casefold() in FAMILY_NAMES or (ascii_run and word.isascii() and fold(word) in FAMILY_ASCII)


def names(scan: Scan, *, kinship: bool, full_names: bool) -> list[Hit]:
    hits, covered = [], -1
    kinds, texts = scan.kinds, scan.texts
    for k in range(scan.n):
        scan.steps.n += 1
        word = texts[k]
        if k <= covered or kinds[k] != WORD or len(word) < 2 or not word[0].isupper():
            continue   # one capital letter: "bệnh nhân A" is the usual placeholder
        upper = is_upper(word)
        if not upper and not is_title(word):
            continue
        trigger = _trigger(scan, k, kinship)
        if trigger is None and not full_names:
            continue
        ascii_run = word.isascii()
        family = _family(word, ascii_run)
        if trigger is None and not family:
            continue
        words = _name_words(scan, k)
        folded = [texts[w].casefold() for w in words]
        if trigger:
            if folded[0] in AFTER_TRIGGER_NOT_NAME or (upper and not family):
                continue
        elif len(words) < 2 or (ascii_run and not all(texts[w].isascii() for w in words)) or \
                any(f in NOT_GIVEN for f in folded[1:]) or _placed(scan, k, words):
            continue
        hits.append(Hit("name", k, words[-1] + 1))
        covered = words[-1]
    return hits


def _placed(scan: Scan, k: int, words: list[int]) -> bool:
    if " ".join(scan.folded(w) for w in words[:3]) in PLACES or \
            " ".join(scan.folded(w) for w in words[:2]) in PLACES:
        return True
    before = scan.words_before(k, 2)
    return bool(before) and (before[-1] in PLACE_BEFORE or " ".join(before) in PLACE_BEFORE)


_ADDRESS_FIRST = frozenset(fold(w) for w in ADDRESS_WORDS) | {"so", "nha"}


def addresses(scan: Scan) -> list[Hit]:
    hits = []
    kinds, texts = scan.kinds, scan.texts
    for k in range(scan.n):
        scan.steps.n += 1
        if kinds[k] != WORD:
            continue
        folded = scan.folded(k)
        if folded not in _ADDRESS_FIRST:
            continue
        word = texts[k].casefold()
        start = None
        if word in ADDRESS_WORDS or folded in ADDRESS_FOLDED:
            start = k
        elif folded == "nha" and (p := _prev_word(scan, k)) is not None and scan.folded(p) == "so":
            start = p   # số nhà 12
        if start is not None:
            i = scan.skip(k + 1, punct=":", most=3)
            if kinds[i] == WORD and scan.folded(i) == "so":
                i = scan.skip(i + 1, punct=":", most=2)
            if kinds[i] == DIGITS:
                hits.append(Hit("address", start, i + 1))
            continue
        if folded == "so":   # số 12 đường ..., số 5 ngõ 10
            i = scan.skip(k + 1, most=2)
            if kinds[i] == DIGITS:
                j = scan.skip(i + 1, punct=",", most=3)
                if kinds[j] == WORD and texts[j].casefold() in STREET_WORDS:
                    hits.append(Hit("address", k, j + 1))
    return hits


def file_name_names(scan: Scan) -> list[Hit]:
    """nguyen-van-tam.jpg: a family name, a common middle name and one more
    word, typed without diacritics and joined by - _ . or spaces."""
    hits = []
    words = [k for k in range(scan.n) if scan.kinds[k] == WORD]
    scan.steps.n += len(words)
    for n, k in enumerate(words[:-2]):
        scan.steps.n += 1
        if scan.folded(k) in FAMILY_ASCII and scan.folded(words[n + 1]) in MIDDLE_ASCII:
            hits.append(Hit("name", k, words[n + 2] + 1))
    return hits
