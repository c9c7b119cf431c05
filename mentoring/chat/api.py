"""GET /api/v1/rooms, messages of a room (paged by id), posting, direct
rooms, urgent-message acknowledgements. Thin: parse, call a service, commit."""
from flask import request
from flask_babel import lazy_gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from mentoring.api.core import ErrorSchema, page_schema
from mentoring.auth.models import User
from mentoring.chat import acknowledgements as acks
from mentoring.chat import reads, rooms, services
from mentoring.chat.schemas import (AckStatusSchema, DirectRoomSchema, HistoryArgs, ImageFormSchema,
                                    MessageSchema, PostMessageSchema, RoomSchema)
from mentoring.errors import ValidationFailed
from mentoring.bounds import accepts_upload
from mentoring.extensions import db

blp = Blueprint("chat_api", __name__, url_prefix="/api/v1", description="Chat rooms and messages")

RoomPageSchema = page_schema(RoomSchema, "RoomPage")
MessagePageSchema = page_schema(MessageSchema, "MessagePage")


@blp.route("/rooms", methods=["GET"])
@blp.response(200, RoomPageSchema)
@blp.alt_response(401, schema=ErrorSchema)
@login_required
def list_rooms():
    """Every room of the caller, with unread count, last message and who is online."""
    summaries = rooms.rooms_for(current_user)
    db.session.commit()  # group rooms are created on first listing
    return {"items": summaries, "page": 1, "per_page": max(len(summaries), 1), "total": len(summaries)}


@blp.route("/rooms/direct", methods=["POST"])
@blp.arguments(DirectRoomSchema)
@blp.response(200, RoomSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such person, or not one you may write to")
@login_required
def direct_room(body):
    room = rooms.room_for_direct(current_user, db.session.get(User, body["user_id"]))
    db.session.commit()
    return rooms.RoomSummary(room=room, title=rooms.room_title(room, current_user))


@blp.route("/rooms/<int:room_id>/messages", methods=["GET"])
@blp.arguments(HistoryArgs, location="query")
@blp.response(200, MessagePageSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@login_required
def room_messages(args, room_id: int):
    """`after=<id>`: the messages after that id, oldest first (page on with the
    last id until `total` fits in one page); without it, the latest ones."""
    room = rooms.room_for_viewer(current_user, room_id)
    items, total = reads.history(room, args["after"], args["before"], args["per_page"])
    marks = reads.read_marks(room)
    payloads = []
    for message in items:
        payload = services.message_payload(message)
        payload["seen_by"] = sorted(u for u, last in marks.items()
                                    if last >= message.id and u != message.author_id)
        payloads.append(payload)
    return {"items": payloads, "page": 1, "per_page": args["per_page"], "total": total}


@blp.route("/rooms/<int:room_id>/messages", methods=["POST"])
@blp.arguments(PostMessageSchema)
@blp.response(201, MessageSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@login_required
def post_message(body, room_id: int):
    """The same as the socket `message` event; a resend with the same client_id returns the same message."""
    # post_message asks the policy (a room the user may not see is "not found").
    message, _created = services.post_message(current_user, rooms.get_room(room_id), body["body"],
                                              body["client_id"], urgent=body["urgent"])
    db.session.commit()
    return services.message_payload(message)


@blp.route("/rooms/<int:room_id>/attachments", methods=["POST"])
@blp.arguments(ImageFormSchema, location="form")
@blp.response(201, MessageSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@login_required
@accepts_upload
def post_image(form, room_id: int):
    """Multipart: `file` (JPEG, PNG or WebP, up to 10 MB), optional `body` (a caption) and
    `client_id` (a resend returns the same message). Broadcast like any message."""
    room = rooms.room_for_viewer(current_user, room_id)
    image = request.files.get("file")
    if image is None or not image.filename:
        raise ValidationFailed(_("Choose a file."), {"file": _("Choose a file.")})
    message, _created = services.post_message(current_user, room, form["body"], form["client_id"],
                                              urgent=form["urgent"], image=image)
    db.session.commit()
    return services.message_payload(message)


@blp.route("/messages/<int:message_id>/acknowledgements", methods=["GET"])
@blp.response(200, AckStatusSchema)
@blp.alt_response(404, schema=ErrorSchema)
@login_required
def acknowledgements(message_id: int):
    return acks.acknowledgement_status(current_user, message_id)


@blp.route("/messages/<int:message_id>/acknowledge", methods=["POST"])
@blp.response(200, AckStatusSchema)
@blp.alt_response(404, schema=ErrorSchema)
@login_required
def acknowledge(message_id: int):
    acks.acknowledge(current_user, message_id)
    db.session.commit()
    return acks.acknowledgement_status(current_user, message_id)
