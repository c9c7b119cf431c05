"""The dashboard's worker table as CSV or XLSX, written row by row while the
database streams them (yield_per), so 50,000 workers never sit in memory at
once. XLSX uses openpyxl's write-only mode, which spools rows to a temporary
file; the finished file is then sent in chunks."""
import csv
import io
import tempfile

from flask_babel import gettext as _

from mentoring.competency.dashboard import Filters, export_rows
from mentoring.org.services import tier_label

CHUNK = 64 * 1024


def status_label(status: str) -> str:
    return {"certified": _("certified"), "in_progress": _("in progress"), "at_risk": _("at risk"),
            "lapsed": _("lapsed"), "not_in_audience": _("not in this programme")}.get(status, status)


def header() -> list[str]:
    return [_("Worker id"), _("Name"), _("Province"), _("Facility"), _("Tier"), _("Status"),
            _("Hours counted in the window"), _("Last certificate valid until")]


class Labels:
    """Translated texts, resolved once before streaming starts: the rows are
    written after the view has returned, outside the user's request."""
    def __init__(self):
        from mentoring.org.services import tier_codes
        self.header = header()
        self.status = {s: status_label(s) for s in ("certified", "in_progress", "at_risk", "lapsed")}
        self.tier = {t: tier_label(t) for t in tier_codes()}

    def cells(self, row) -> list:
        return [row.user_id, row.full_name, row.province_name or "", row.facility_name or "",
                self.tier.get(row.tier_code, row.tier_code or ""), self.status.get(row.status, row.status),
                round(float(row.hours or 0), 2), row.last_expiry.isoformat() if row.last_expiry else ""]


def csv_chunks(programme, filters: Filters, labels: Labels):
    """UTF-8 with a byte-order mark (Excel opens Vietnamese correctly), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(labels.header)
    for row in export_rows(programme, filters):
        writer.writerow(labels.cells(row))
        if buffer.tell() > CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_file(programme, filters: Filters, labels: Labels):
    """A temporary file holding the workbook (caller streams and closes it)."""
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Workers")[:31])
    sheet.append(labels.header)
    for row in export_rows(programme, filters):
        sheet.append(labels.cells(row))
    spooled = tempfile.TemporaryFile()
    workbook.save(spooled)
    spooled.seek(0)
    return spooled


def file_chunks(handle):
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()
