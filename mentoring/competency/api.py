"""The competency routes of docs/api.md: a worker's progress, the public
certificate check; and the acts behind the pages (assess, submit and decide
outside courses, revoke, a new decision after a revocation)."""
from flask import request
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from mentoring.api.core import ErrorSchema, page_body, page_schema, public
from mentoring.auth import policy
from mentoring.competency import programmes, services
from mentoring.competency.schemas import (AssessmentInSchema, AssessmentSchema, CertificateSchema,
                                          CourseDecisionSchema, CourseInSchema, CourseSchema, ProgressSchema,
                                          FacilityReadinessSchema, PublicCertificateSchema, ReasonSchema,
                                          ReissueResultSchema, ReissueSchema, RolloutInSchema, RolloutListArgs)
from mentoring.competency.views import VERIFY_LIMIT, public_view
from mentoring.errors import NotFound
from mentoring.bounds import accepts_upload
from mentoring.extensions import db, limiter

blp = Blueprint("competency_api", __name__, url_prefix="/api/v1", description="Competencies and certificates")


def _worker(user_id: int):
    worker = services.get_worker(user_id)
    policy.require(current_user, "competency.progress.view", worker, hide=True)
    return worker


@blp.route("/workers/<int:user_id>/progress", methods=["GET"])
@blp.response(200, ProgressSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@login_required
def get_progress(user_id: int):
    """Hours, competencies, programmes (with what is missing) and certificates
    (code, status, pdf_url). Workers: their own; mentors: their mentees'; coordinators: anyone's."""
    return services.worker_progress(_worker(user_id))


@blp.route("/certificates/<code>", methods=["GET"])
@limiter.limit(VERIFY_LIMIT)
@blp.response(200, PublicCertificateSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@public
def verify_certificate(code: str):
    """Public: is this certificate real? status valid, expired or revoked; name, programme, hours, dates."""
    if len(code) > 64:
        raise NotFound()
    return public_view(services.get_by_code(code))


@blp.route("/workers/<int:user_id>/assessments", methods=["POST"])
@blp.arguments(AssessmentInSchema)
@blp.response(201, AssessmentSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema, description="Not a mentor of this worker")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="Level outside 1-4, bad evidence")
@login_required
def add_assessment(body, user_id: int):
    """A mentor rates their mentee (or a worker rates themselves): level 1-4 with evidence."""
    row = services.assess(current_user, _worker(user_id), body)
    db.session.commit()
    return row


@blp.route("/outside-courses", methods=["POST"])
@blp.arguments(CourseInSchema, location="form")
@blp.response(201, CourseSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(413, schema=ErrorSchema, description="Larger than 10 MB")
@blp.alt_response(415, schema=ErrorSchema, description="Not a PDF or an image")
@blp.alt_response(422, schema=ErrorSchema, description="Hours not positive or over 24 a day")
@login_required
@accepts_upload
def submit_course(body):
    """Multipart: title, provider, started_on, ended_on, hours and the certificate as "file" (PDF or image)."""
    policy.require(current_user, "competency.course.submit")
    course = services.submit_course(current_user, body, request.files.get("file"))
    db.session.commit()
    return course


@blp.route("/outside-courses/<int:course_id>/decision", methods=["POST"])
@blp.arguments(CourseDecisionSchema)
@blp.response(200, CourseSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema, description="Not a coordinator, or one's own course")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Already decided")
@blp.alt_response(422, schema=ErrorSchema, description="A rejection needs its reason")
@login_required
def decide_course(body, course_id: int):
    policy.require(current_user, "competency.course.decide")
    course = services.decide_course(services.get_course(course_id), current_user, body["approve"], body["reason"])
    db.session.commit()
    return course


@blp.route("/certificates/<code>/revoke", methods=["POST"])
@blp.arguments(ReasonSchema)
@blp.response(200, CertificateSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="The reason is required")
@login_required
def revoke(body, code: str):
    if len(code) > 64:
        raise NotFound()
    cert = services.get_by_code(code)
    policy.require(current_user, "certificate.revoke", cert)
    services.revoke_certificate(cert, current_user, body["reason"])
    db.session.commit()
    return cert


@blp.route("/workers/<int:user_id>/certificates", methods=["POST"])
@blp.arguments(ReissueSchema)
@blp.response(201, ReissueResultSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema, description="Nothing revoked to decide on, or already certified")
@blp.alt_response(422, schema=ErrorSchema, description="The decision needs its reason")
@login_required
def reissue(body, user_id: int):
    """A coordinator's new decision after a revocation; issues at once when the requirements are met."""
    worker = _worker(user_id)
    policy.require(current_user, "certificate.decide", worker)
    programme = programmes.get_programme(body["programme"])
    if programme is None:
        raise NotFound(fields={"programme": "unknown programme"})
    cert = services.reissue_decision(worker, programme, current_user, body["reason"])
    db.session.commit()
    return {"issued": cert is not None, "certificate": cert}


RolloutPageSchema = page_schema(FacilityReadinessSchema, "FacilityReadinessPage")


@blp.route("/ehr-rollouts", methods=["GET"])
@blp.arguments(RolloutListArgs, location="query")
@blp.response(200, RolloutPageSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@login_required
def list_rollouts(args):
    """Facilities with a planned go-live: staff who must be ready, how many are certified, the state."""
    from mentoring.competency import readiness
    from mentoring.org.services import paginate_list
    policy.require(current_user, "competency.readiness")
    rows = readiness.facilities(args["province_code"])
    return page_body(paginate_list(rows, args["page"], args["per_page"]))


@blp.route("/ehr-rollouts", methods=["POST"])
@blp.arguments(RolloutInSchema)
@blp.response(200, FacilityReadinessSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema, description="Bad date, or staff who are not active health workers")
@login_required
def plan_rollout(body):
    """Plan or move a facility's go-live; staff_ids names who must be ready ([] = the default)."""
    from mentoring.competency import readiness
    from mentoring.org.models import Facility
    policy.require(current_user, "competency.readiness")
    facility = db.session.get(Facility, body["facility_id"])
    if facility is None:
        raise NotFound(fields={"facility_id": "unknown facility"})
    readiness.set_go_live(facility, body["go_live_on"], current_user, body["note"], body["staff_ids"])
    db.session.commit()
    return next(r for r in readiness.facilities(facility.province_code) if r.facility_id == facility.id)
