"""The certificate as a PDF (reportlab): Vietnamese with its diacritics, set
in Be Vietnam Pro (SIL Open Font License, from the fontpkg-be-vietnam-pro
package, embedded as a subset), with the verification URL also as a QR code."""
import io
import threading

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from mentoring.competency.certificates import display_code

FONT, FONT_BOLD = "BeVietnamPro", "BeVietnamPro-Bold"
_REGISTERED = threading.Lock()
_done = False
NAVY, GREY = HexColor("#0b3d6b"), HexColor("#555555")


def _fonts() -> None:
    global _done
    with _REGISTERED:
        if _done:
            return
        from fontpkg_be_vietnam_pro import ROOT
        pdfmetrics.registerFont(TTFont(FONT, str(ROOT / "files" / "BeVietnamPro-Regular.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(ROOT / "files" / "BeVietnamPro-Bold.ttf")))
        _done = True


def _date(value) -> str:
    return value.strftime("%d/%m/%Y")


def _hours(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _centred(pdf, text: str, y: float, font: str, size: float, width: float, color=NAVY) -> None:
    pdf.setFont(font, size)
    pdf.setFillColor(color)
    # Long programme titles: shrink to fit rather than run off the page.
    while pdfmetrics.stringWidth(text, font, size) > width - 120 and size > 9:
        size -= 1
        pdf.setFont(font, size)
    pdf.drawCentredString(width / 2, y, text)


def render(cert, verify_url: str) -> bytes:
    """The PDF of one certificate; its text is Vietnamese, with an English line under each heading."""
    _fonts()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"Giấy chứng nhận {display_code(cert.code)}")
    pdf.setStrokeColor(NAVY)
    pdf.setLineWidth(3)
    pdf.rect(24, 24, width - 48, height - 48)
    pdf.setLineWidth(0.8)
    pdf.rect(32, 32, width - 64, height - 64)

    _centred(pdf, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", height - 70, FONT_BOLD, 12, width)
    _centred(pdf, "Độc lập - Tự do - Hạnh phúc", height - 86, FONT, 11, width)
    _centred(pdf, "GIẤY CHỨNG NHẬN", height - 140, FONT_BOLD, 30, width)
    _centred(pdf, "Certificate", height - 160, FONT, 12, width, GREY)
    _centred(pdf, "Chương trình đào tạo liên tục 1-4-4-2 chứng nhận", height - 196, FONT, 13, width)
    _centred(pdf, cert.user.full_name, height - 232, FONT_BOLD, 24, width)
    _centred(pdf, "đã hoàn thành chương trình", height - 262, FONT, 13, width)
    _centred(pdf, f"“{cert.programme.title_vi}”", height - 288, FONT_BOLD, 16, width)
    _centred(pdf, cert.programme.title_en, height - 306, FONT, 11, width, GREY)
    lines = [f"Số giờ đào tạo được tính: {_hours(cert.hours)} giờ" if cert.hours else None,
             f"Ngày cấp: {_date(cert.issued_on)}    ·    Có giá trị đến: {_date(cert.expires_on)}",
             f"Mã xác thực: {display_code(cert.code)}"]
    y = height - 340
    for line in [item for item in lines if item]:
        _centred(pdf, line, y, FONT, 12, width, HexColor("#222222"))
        y -= 20
    pdf.setFont(FONT, 9)
    pdf.setFillColor(GREY)
    pdf.drawString(60, 76, "Kiểm tra tính xác thực của giấy chứng nhận tại:")
    pdf.drawString(60, 62, verify_url)
    pdf.drawString(60, 48, "Verify this certificate at the address above or by scanning the QR code.")

    qr = QrCodeWidget(verify_url, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    size = 110
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - 60 - size, 44)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
