"""The competency routes are in the OpenAPI document with their error
responses, and GET /api/v1/workers/<id>/progress has the shape of docs/api.md."""
from tests.competency.helpers import approved_course
from tests.factories import gen_user, token_headers


def test_openapi_lists_the_competency_routes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    paths = doc["paths"]
    assert "404" in paths["/api/v1/workers/{user_id}/progress"]["get"]["responses"]
    assert "429" in paths["/api/v1/certificates/{code}"]["get"]["responses"]
    for path in ("/api/v1/workers/{user_id}/assessments", "/api/v1/outside-courses",
                 "/api/v1/outside-courses/{course_id}/decision", "/api/v1/certificates/{code}/revoke",
                 "/api/v1/workers/{user_id}/certificates"):
        assert "422" in paths[path]["post"]["responses"], path


def test_progress_shape(client, loaded):
    worker, coordinator = gen_user(), gen_user("coordinator")
    approved_course(worker, coordinator, hours=130, days_ago=0)
    body = client.get(f"/api/v1/workers/{worker.id}/progress", headers=token_headers(coordinator)).get_json()
    assert body["hours"] == {"this_year": 130.0, "window": 130.0, "required": 120.0}
    [cme] = [p for p in body["programmes"] if p["code"] == "cme-120h-5y"]
    assert cme["met"] is True and cme["status"] == "certified" and cme["missing"] == []
    [cert] = body["certificates"]
    assert set(cert) >= {"code", "status", "pdf_url"} and cert["status"] == "valid"
    [ehr] = [p for p in body["programmes"] if p["code"] == "ehr-ready"]
    assert len(ehr["missing"]) == 5 and ehr["missing"][0].startswith("Năng lực “")
    assert {c["code"] for c in body["competencies"]} >= {"FM-HTN", "EHR-VISIT"}
