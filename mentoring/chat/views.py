"""Chat pages: the room list and a room. The room page works without
JavaScript (the form posts here); with it, chat.js goes live over Socket.IO."""
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from mentoring import uploads
from mentoring.auth import policy
from mentoring.auth.models import User
from mentoring.chat import reads, rooms, services
from mentoring.chat.models import MAX_BODY, ChatAcknowledgement
from mentoring.chat.presence import presence
from mentoring.errors import ServiceError
from mentoring.extensions import db
from mentoring.bounds import accepts_upload
from mentoring.org.models import MentoringGroup

bp = Blueprint("chat", __name__)


@bp.route("/chat")
@login_required
def index():
    summaries = rooms.rooms_for(current_user)
    db.session.commit()  # group rooms are created on first listing
    return render_template("chat/index.html", rooms=summaries)


@bp.route("/chat/<int:room_id>", methods=["GET", "POST"])
@login_required
@accepts_upload
def room(room_id: int):
    room = rooms.room_for_viewer(current_user, room_id)
    body = ""
    if request.method == "POST":
        body = request.form.get("body", "")
        try:
            image = request.files.get("file")
            services.post_message(current_user, room, body,
                                  request.form.get("client_id") or uuid.uuid4().hex,
                                  urgent=bool(request.form.get("urgent")),
                                  image=image if image and image.filename else None)
            db.session.commit()
            return redirect(url_for("chat.room", room_id=room.id))
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "danger")
            room = rooms.room_for_viewer(current_user, room_id)
    items, _total = reads.history(room, limit=50)
    members = db.session.execute(select(User).where(User.id.in_(rooms.member_ids(room)))
                                 ).unique().scalars().all()
    pending = db.session.execute(select(ChatAcknowledgement.message_id).where(
        ChatAcknowledgement.user_id == current_user.id, ChatAcknowledgement.acknowledged_at.is_(None),
        ChatAcknowledgement.message_id.in_([m.id for m in items]))).scalars().all()
    config = {
        "room": room.id, "me": current_user.id, "max_body": MAX_BODY,
        "messages": [services.message_payload(m) for m in items],
        "marks": {str(k): v for k, v in reads.read_marks(room).items()},
        "members": {str(u.id): u.full_name for u in members},
        "online": sorted(presence.online({u.id for u in members})),
        "pending_acks": list(pending),
        "edit_minutes": int(services.EDIT_WINDOW.total_seconds() // 60),
        "i18n": _strings(),
    }
    return render_template("chat/room.html", room=room, title=rooms.room_title(room, current_user),
                           members=members, config=config, body=body, max_body=MAX_BODY,
                           can_urgent=policy.allowed(current_user, "chat.message.urgent", room))


def _strings() -> dict:
    return {
        "typing": _("%(name)s is typing…", name="{name}"),
        "seen_by": _("Seen by %(names)s", names="{names}"),
        "deleted": _("This message was deleted."),
        "edited": _("edited"),
        "edit": _("Edit"), "delete": _("Delete"), "save": _("Save"), "cancel": _("Cancel"),
        "confirm_delete": _("Delete this message?"),
        "sending": _("Waiting to send…"), "failed": _("Not sent"),
        "online": _("Connected"), "offline": _("Offline: messages will be sent when you reconnect."),
        "urgent": _("Urgent"), "acknowledge": _("Acknowledge"), "acknowledged": _("Acknowledged"),
        "ack_done": _("Acknowledged by: %(names)s", names="{names}"),
        "ack_pending": _("Waiting for: %(names)s", names="{names}"),
        "too_long": _("A message can be at most %(n)s characters.", n=MAX_BODY),
        "uploading": _("Uploading…"), "image_failed": _("The image could not be sent."),
        "image": _("Image"),
        "nobody_online": _("Nobody else online"),
        "online_now": _("Online: %(names)s", names="{names}"),
    }


@bp.route("/chat/attachments/<int:attachment_id>")
@bp.route("/chat/attachments/<int:attachment_id>/<any(thumb):thumb>")
@login_required
def attachment(attachment_id: int, thumb: str | None = None):
    name, content_type = services.attachment_file(current_user, attachment_id, thumb=bool(thumb))
    return uploads.send(name, content_type)


@bp.route("/chat/group/<int:group_id>")
@login_required
def group_room(group_id: int):
    group = db.session.get(MentoringGroup, group_id) or abort(404)
    policy.require(current_user, "group.view", group, hide=True)
    room = rooms.room_for_group(group)
    db.session.commit()
    return redirect(url_for("chat.room", room_id=room.id))


@bp.route("/chat/case/<int:case_id>")
@login_required
def case_room(case_id: int):
    case_model = rooms.case_model()
    case = db.session.get(case_model, case_id) if case_model is not None else None
    if case is None:
        abort(404)
    policy.require(current_user, "case.view", case, hide=True)
    room = rooms.room_for_case(case)
    db.session.commit()
    return redirect(url_for("chat.room", room_id=room.id))


@bp.route("/chat/direct/<int:user_id>", methods=["POST"])
@login_required
def direct_room(user_id: int):
    room = rooms.room_for_direct(current_user, db.session.get(User, user_id))
    db.session.commit()
    return redirect(url_for("chat.room", room_id=room.id))
