"""Case attachments: images (JPEG, PNG, WebP) and PDF up to 10 MB, through
the shared upload pipeline (mentoring.uploads: type from the content,
metadata stripped, PDFs without scripts). The file's own name and a PDF's
text go through the identifier check: a name, phone or ID there means the
photo or scan shows the patient. Served only through a view that asks the
policy first."""
from flask_babel import gettext as _

from mentoring import clock, uploads
from mentoring.cases import deident
from mentoring.cases.models import Case, CaseAttachment
from mentoring.cases.services import log_event
from mentoring.errors import Conflict, ValidationFailed
from mentoring.extensions import db

# Kept importable here: the doors and older callers name them through this module.
TooLarge, UnsupportedType, path_of = uploads.TooLarge, uploads.UnsupportedType, uploads.path_of


def _refuse(message: str):
    raise ValidationFailed(message, fields={"file": message})


def add_attachment(case: Case, user, stream) -> CaseAttachment:
    """stream: a file-like object (werkzeug FileStorage works)."""
    if case.status == "closed":
        raise Conflict(_("This case is closed; attachments are no longer accepted."))
    if message := deident.file_name_problem(getattr(stream, "filename", None)):
        _refuse(message)
    clean = uploads.read_upload(stream)
    if clean.text:
        found = deident.findings(clean.text, "case")
        if any(f.kind == "too_long" for f in found):
            _refuse(deident.describe(found))
        if found:
            _refuse(_("This PDF shows what may identify the patient: %(items)s. Remove it (print or scan "
                      "the page again without it) and send the file again.", items=deident.items(found)))
    name, thumb_name = uploads.store(clean)
    attachment = CaseAttachment(case_id=case.id, uploaded_by_id=user.id, content_type=clean.content_type,
                                stored_name=name, thumb_name=thumb_name, size=len(clean.body),
                                width=clean.width, height=clean.height, created_at=clock.now())
    db.session.add(attachment)
    db.session.flush()
    log_event(case, user, "attached", attachment_id=attachment.id, content_type=clean.content_type)
    db.session.flush()
    return attachment
