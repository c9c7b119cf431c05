"""GET /api/v1/groups, GET /api/v1/groups/<id>."""
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select

from mentoring.api.core import ErrorSchema, page_body, page_schema
from mentoring.auth import policy
from mentoring.org import services
from mentoring.org.composition import composition
from mentoring.org.models import MentoringGroup
from mentoring.org.schemas import GroupDetailSchema, GroupListArgs, GroupSchema

blp = Blueprint("org_api", __name__, url_prefix="/api/v1", description="Mentoring groups")

GroupPageSchema = page_schema(GroupSchema, "GroupPage")


def _with_composition(groups):
    for group in groups:
        group._composition = composition(group)
    return groups


@blp.route("/groups", methods=["GET"])
@blp.arguments(GroupListArgs, location="query")
@blp.response(200, GroupPageSchema)
@blp.alt_response(401, schema=ErrorSchema)
@login_required
def list_groups(args):
    stmt = policy.scope_groups(current_user, select(MentoringGroup))
    page = services.groups_page(stmt, args["page"], args["per_page"])
    _with_composition(page.items)
    return page_body(page)


@blp.route("/groups/<int:group_id>", methods=["GET"])
@blp.response(200, GroupDetailSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@login_required
def get_group(group_id: int):
    group = services.get_group(group_id)
    policy.require(current_user, "group.view", group, hide=True)
    return _with_composition([group])[0]
