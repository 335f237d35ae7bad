"""Manifest and hook implementations of the example plugin (意见箱)."""

from __future__ import annotations

from pathlib import Path

import click
import marshmallow
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy import func, select

from core import hookimpl
from core.events import PersonRegistered
from core.manifest import Permission, PluginManifest
from core.portal import PortalSection, PublicNotice
from core.runtime import plugin_settings
from gongzhi_example.models import Greeting, Suggestion

HERE = Path(__file__).resolve().parent


class ExampleSettings(marshmallow.Schema):
    """``[plugins.example]``."""

    class Meta:
        unknown = marshmallow.RAISE

    model_villages = fields.List(
        fields.String(), load_default=list, metadata={"description": "示范村的区划代码"}
    )
    title_suffix = fields.String(
        load_default="（示范村）", metadata={"description": "示范村标题后缀"}
    )
    max_title_length = fields.Integer(
        load_default=100, validate=marshmallow.validate.Range(min=10, max=100)
    )


MANIFEST = PluginManifest(
    name="example",
    title="意见箱",
    version="0.1.0",
    description="居民提出意见建议，村里受理并公开答复。",
    requires_core=">=0.1,<1",
    settings_schema=ExampleSettings,
    migrations=HERE / "migrations",
    templates=HERE / "templates",
)


@hookimpl
def register_permissions():
    return [
        Permission("example.suggestion.handle", "受理意见建议", ("village_admin", "town_admin")),
        Permission("example.suggestion.answer", "答复意见建议", ("town_admin", "county_admin")),
    ]


@hookimpl
def register_admin_views(admin):
    admin.add_model_view(
        Suggestion,
        name="意见建议",
        column_list=["title", "locality", "state", "created_at"],
        column_labels={
            "title": "标题",
            "locality": "所属区划",
            "state": "状态",
            "body": "内容",
            "answer": "答复",
            "created_at": "提交时间",
            "reason": "理由",
        },
        column_formatters={"state": lambda v, c, m, n: Suggestion.__workflow__.states[m.state]},
        form_columns=["title", "body", "locality", "answer"],
    )


class SuggestionSchema(marshmallow.Schema):
    """A suggestion as the API shows it."""

    id = fields.Integer()
    title = fields.String()
    state = fields.String()
    locality_code = fields.String()


@hookimpl
def register_api(api):
    suggestions = Blueprint(
        "example_suggestions", __name__, url_prefix="/example/suggestions", description="意见建议"
    )

    @suggestions.route("")
    class Suggestions(MethodView):
        @suggestions.response(200, SuggestionSchema(many=True))
        def get(self):
            """List suggestions within the caller's scope."""
            statement = api.scoped(select(Suggestion), Suggestion).order_by(Suggestion.id)
            return api.session.scalars(statement).all()

    api.register_blueprint(suggestions)


@hookimpl
def register_portal_sections(locality, session):
    answered = session.scalars(
        select(Suggestion)
        .where(Suggestion.scope_clause(locality.code), Suggestion.state == "answered")
        .order_by(Suggestion.id.desc())
        .limit(10)
    ).all()
    if not answered:
        return []
    return [PortalSection("意见建议答复", "example/answered.html", {"suggestions": answered}, 50)]


@hookimpl
def provide_public_notices(locality, session):
    answered = session.scalars(
        select(Suggestion)
        .where(Suggestion.scope_clause(locality.code), Suggestion.state == "answered")
        .order_by(Suggestion.id.desc())
        .limit(20)
    ).all()
    return [
        PublicNotice(
            title=f"关于“{s.title}”的答复",
            category="意见答复",
            locality_code=s.locality_code,
            published_at=s.created_at,
            summary=s.answer or "",
        )
        for s in answered
    ]


@hookimpl
def register_cli_commands(cli):
    @cli.group("example")
    def example_group():
        """意见箱。"""

    @example_group.command("count")
    @click.pass_obj
    def count(state):
        """统计意见建议数量。"""
        runtime = state.runtime()
        with runtime.db.new_session() as session:
            total = session.scalar(select(func.count()).select_from(Suggestion))
        click.echo(f"意见建议共 {total} 条")


@hookimpl
def register_demo_data(session, root, rng):
    from core.models import Locality, SettingOverride

    villages = session.scalars(
        select(Locality)
        .where(Locality.scope_clause(root.code), Locality.level == "village")
        .order_by(Locality.code)
    ).all()
    for village in villages[:3]:
        topic = rng.choice(["路灯维修", "垃圾清运", "广场舞场地", "停车位"])
        session.add(
            Suggestion(
                title=f"关于{topic}的建议", body="希望村里尽快解决。", locality_code=village.code
            )
        )
        # 一村一策: each of these villages titles itself its own way.
        session.add(
            SettingOverride(
                locality_code=village.code,
                plugin="example",
                key="title_suffix",
                value=f"（{village.name}示范）",
                reason="村民代表会议决定",
            )
        )


@hookimpl
def on_event(event, session):
    if isinstance(event, PersonRegistered):
        session.add(Greeting(person_id=event.person_id, locality_code=event.locality_code))


@hookimpl
def provide_person_summary(person_id, session):
    greeted = session.scalar(
        select(func.count()).select_from(Greeting).where(Greeting.person_id == person_id)
    )
    return [("欢迎信", "已发送" if greeted else "未发送")]


@hookimpl
def provide_locality_title(locality, session):
    settings = plugin_settings(session, "example", locality.code)
    if locality.code in settings["model_villages"]:
        return locality.name + settings["title_suffix"]
    return None
