"""Open Badges 2.0 hosted verification: the issuer profile, one badge class
per programme and one assertion per certificate, each at a public URL that
answers with the JSON-LD document whose "id" is that URL. The recipient is
identified by a salted SHA-256 of their e-mail, never the address itself;
a revoked certificate's assertion answers 410 with "revoked": true."""
import hashlib

from flask import current_app, request, url_for

from mentoring.competency.models import Certificate, Programme

CONTEXT = "https://w3id.org/openbadges/v2"


def absolute(endpoint: str, **values) -> str:
    """An absolute URL on MENTORING_BASE_URL when set (links must survive a proxy), else this request's host."""
    path = url_for(endpoint, **values)
    base = (current_app.config.get("MENTORING_BASE_URL") or request.host_url).rstrip("/")
    return base + path


def issuer() -> dict:
    return {"@context": CONTEXT, "type": "Issuer", "id": absolute("competency.badge_issuer"),
            "name": "Chương trình đào tạo liên tục 1-4-4-2 (1-4-4-2 continuing training)",
            "url": absolute("main.home")}


def badge_class(programme: Programme) -> dict:
    return {"@context": CONTEXT, "type": "BadgeClass",
            "id": absolute("competency.badge_class", code=programme.code),
            "name": programme.title_vi, "description": programme.description_vi or programme.title_vi,
            "image": absolute("competency.badge_image", code=programme.code),
            "criteria": {"narrative": programme.description_vi or programme.title_vi},
            "issuer": absolute("competency.badge_issuer")}


def assertion(cert: Certificate) -> dict:
    url = absolute("competency.badge_assertion", code=cert.code)
    if cert.revoked_at is not None:
        return {"@context": CONTEXT, "type": "Assertion", "id": url, "revoked": True,
                "revocationReason": cert.revoke_reason or ""}
    identity = "sha256$" + hashlib.sha256((cert.user.email.lower() + cert.badge_salt).encode()).hexdigest()
    return {"@context": CONTEXT, "type": "Assertion", "id": url,
            "recipient": {"type": "email", "hashed": True, "salt": cert.badge_salt, "identity": identity},
            "badge": absolute("competency.badge_class", code=cert.programme.code),
            "verification": {"type": "hosted"},
            "issuedOn": f"{cert.issued_on.isoformat()}T00:00:00+00:00",
            "expires": f"{cert.expires_on.isoformat()}T00:00:00+00:00",
            "evidence": absolute("competency.verify_certificate", code=cert.code)}


def image_svg(programme: Programme) -> str:
    from markupsafe import escape
    title = escape(programme.title_vi[:40])
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">'
            '<circle cx="128" cy="128" r="120" fill="#0b3d6b"/><circle cx="128" cy="128" r="100" fill="#fff"/>'
            '<text x="128" y="120" font-family="sans-serif" font-size="36" font-weight="bold" '
            'text-anchor="middle" fill="#0b3d6b">1-4-4-2</text>'
            f'<text x="128" y="156" font-family="sans-serif" font-size="11" text-anchor="middle" '
            f'fill="#333">{title}</text></svg>')
