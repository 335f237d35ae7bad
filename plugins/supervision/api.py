"""The 村务监督 REST API under ``/api/v1/supervision``: vouchers, matters, disclosures, ratings.

Every list is limited to the caller's locality scope and every record outside it is a 404.
Input errors are 422 with the field named; a refused step (wrong state, separation of duties,
a booked voucher) is 409 with the reason; a missing permission is 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.models import Household, Locality, Person
from core.workflow import WorkflowError
from plugins.supervision import schemas
from plugins.supervision.models import (
    CadreRatingCampaign,
    Disclosure,
    DisclosureDue,
    FundAccount,
    LockedRecordError,
    MajorMatter,
    Voucher,
)
from plugins.supervision.services import SupervisionError, attachments, disclosures, funds, today
from plugins.supervision.services import matters as matter_service
from plugins.supervision.services import ratings as rating_service
from plugins.supervision.services.disclosures import parse_period
from plugins.supervision.workflows import MATTER_WORKFLOW, VOUCHER_WORKFLOW


def register(api: Any) -> None:
    """Mount the supervision blueprint on the host's API registrar ``api``."""
    blp = Blueprint(
        "supervision",
        __name__,
        url_prefix="/supervision",
        description="村务监督：三资凭证、四议两公开、村务公开、村民直评村官",
    )

    def principal() -> Any:
        """The calling account."""
        return api.current_principal()

    def require(permission: str, action: str) -> None:
        """Refuse with 403 unless the caller holds ``permission``."""
        if not principal().has_permission(permission):
            abort(403, message=f"您没有{action}的权限")

    def in_scope(field: str, code: str) -> None:
        """Refuse with 422 unless ``code`` is an existing locality in the caller's scope."""
        if not principal().account.sees(code):
            abort(422, errors={"json": {field: ["不在您的管辖范围内"]}})
        if api.session.get(Locality, code) is None:
            abort(422, errors={"json": {field: ["行政区划不存在"]}})

    def commit(work: Callable[[], Any]) -> Any:
        """Run ``work`` and commit; refusals become 422/409 with the reason, nothing written."""
        session = api.session
        try:
            result = work()
            session.commit()
        except SupervisionError as exc:
            session.rollback()
            abort(422, errors={"json": {exc.field or "_schema": [str(exc)]}}, message=str(exc))
        except (WorkflowError, LockedRecordError) as exc:
            session.rollback()
            abort(409, message=str(exc))
        except IntegrityError:
            session.rollback()
            abort(409, message="与已有记录冲突（可能已被他人处理），请刷新后重试")
        except ValueError as exc:
            session.rollback()
            abort(422, message=str(exc))
        return result

    def page(statement: Any, pagination: Any) -> list[Any]:
        """One page of ``statement``'s results, counting the total for the pagination header."""
        session = api.session
        pagination.item_count = session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())
        )
        offset = (pagination.page - 1) * pagination.page_size
        return list(session.scalars(statement.offset(offset).limit(pagination.page_size)))

    def with_allowed(record: Any, workflow: Any) -> Any:
        """Attach the transitions the caller may apply now (for the response)."""
        record.allowed = [t.name for t in workflow.allowed(record, principal(), api.session)]
        return record

    def scoped_one(model: type, ident: Any, field: str) -> Any:
        """The record ``ident`` within the caller's scope, or 422 naming ``field``."""
        if ident is None:
            return None
        found = api.session.scalar(api.scoped(select(model).where(model.id == ident), model))
        if found is None:
            abort(422, errors={"json": {field: ["记录不存在或不在您的管辖范围内"]}})
        return found

    # --- 资金账户 ------------------------------------------------------------------------------

    @blp.route("/accounts")
    class Accounts(MethodView):
        """资金账户."""

        @blp.response(200, schemas.AccountSchema(many=True))
        @blp.paginate()
        def get(self, pagination_parameters: Any) -> list[FundAccount]:
            """List the fund accounts in scope with their balances."""
            require("supervision.view", "查看村务监督")
            statement = api.scoped(select(FundAccount), FundAccount).order_by(
                FundAccount.locality_code, FundAccount.code
            )
            return page(statement, pagination_parameters)

    @blp.route("/accounts/<int:account_id>/statement")
    class AccountStatement(MethodView):
        """An account's statement."""

        @blp.arguments(schemas.StatementQuerySchema, location="query")
        @blp.response(200, schemas.StatementSchema)
        def get(self, query: dict[str, Any], account_id: int) -> Any:
            """Opening balance, receipts, payments and closing balance for a range of months."""
            require("supervision.view", "查看村务监督")
            account = api.get_scoped_or_404(FundAccount, account_id)
            if query["first"] > query["last"]:
                abort(422, errors={"query": {"from": ["起始期间不能晚于截止期间"]}})
            return funds.statement(api.session, account, query["first"], query["last"])

    # --- 收支凭证 ------------------------------------------------------------------------------

    @blp.route("/vouchers")
    class Vouchers(MethodView):
        """收支凭证."""

        @blp.arguments(schemas.VoucherQuerySchema, location="query")
        @blp.response(200, schemas.VoucherSummarySchema(many=True))
        @blp.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[Voucher]:
            """List vouchers in scope, newest first."""
            require("supervision.view", "查看村务监督")
            statement = api.scoped(select(Voucher), Voucher).order_by(Voucher.id.desc())
            if "locality_code" in query:
                statement = statement.where(Voucher.scope_clause(query["locality_code"]))
            for key in ("state", "period", "account_id"):
                if key in query:
                    statement = statement.where(getattr(Voucher, key) == query[key])
            return page(statement, pagination_parameters)

        @blp.arguments(schemas.VoucherWriteSchema)
        @blp.response(201, schemas.VoucherSchema)
        def post(self, data: dict[str, Any]) -> Voucher:
            """Make a draft voucher with its lines."""
            require("supervision.voucher.make", "编制凭证")
            account = scoped_one(FundAccount, data["account_id"], "account_id")
            matter = scoped_one(MajorMatter, data["matter_id"], "matter_id")
            voucher = commit(
                lambda: funds.make_voucher(
                    api.session,
                    account=account,
                    kind=data["kind"],
                    voucher_date=data["voucher_date"],
                    summary=data["summary"],
                    lines=data["lines"],
                    actor=principal(),
                    matter=matter,
                )
            )
            return with_allowed(voucher, VOUCHER_WORKFLOW)

    @blp.route("/vouchers/<int:voucher_id>")
    class VoucherItem(MethodView):
        """One voucher."""

        @blp.response(200, schemas.VoucherSchema)
        def get(self, voucher_id: int) -> Voucher:
            """One voucher with its lines and what the caller may do with it now."""
            require("supervision.view", "查看村务监督")
            return with_allowed(api.get_scoped_or_404(Voucher, voucher_id), VOUCHER_WORKFLOW)

        @blp.arguments(schemas.VoucherPatchSchema)
        @blp.response(200, schemas.VoucherSchema)
        def patch(self, data: dict[str, Any], voucher_id: int) -> Voucher:
            """Change a draft voucher (a submitted or booked one is refused)."""
            require("supervision.voucher.make", "编制凭证")
            voucher = api.get_scoped_or_404(Voucher, voucher_id)

            def work() -> Voucher:
                """The change, run inside the caller's transaction."""
                if voucher.state != "draft":
                    raise LockedRecordError(
                        "只有草稿凭证可以修改；已记账的凭证请填制红字冲销凭证"
                        if voucher.state in ("booked", "disclosed")
                        else "凭证已提交，内容不能修改；如需修改，请由审核人退回"
                    )
                if "matter_id" in data:
                    voucher.matter = scoped_one(MajorMatter, data["matter_id"], "matter_id")
                for key in ("voucher_date", "summary"):
                    if key in data:
                        setattr(voucher, key, data[key])
                if "lines" in data:
                    funds.replace_lines(voucher, data["lines"])
                api.session.flush()
                return voucher

            return with_allowed(commit(work), VOUCHER_WORKFLOW)

    @blp.route("/vouchers/<int:voucher_id>/transitions")
    class VoucherTransitions(MethodView):
        """A voucher's workflow."""

        @blp.arguments(schemas.TransitionSchema)
        @blp.response(200, schemas.VoucherSchema)
        def post(self, data: dict[str, Any], voucher_id: int) -> Voucher:
            """Submit, audit, send back, book: one step of the voucher's workflow."""
            voucher = api.get_scoped_or_404(Voucher, voucher_id)
            commit(
                lambda: VOUCHER_WORKFLOW.apply(
                    voucher, data["name"], principal(), api.session, reason=data["reason"]
                )
            )
            return with_allowed(voucher, VOUCHER_WORKFLOW)

    @blp.route("/vouchers/<int:voucher_id>/reversal")
    class VoucherReversal(MethodView):
        """红字冲销."""

        @blp.arguments(schemas.ReversalSchema)
        @blp.response(201, schemas.VoucherSchema)
        def post(self, data: dict[str, Any], voucher_id: int) -> Voucher:
            """Make the red-ink voucher that reverses a booked voucher (a new draft)."""
            require("supervision.voucher.make", "编制凭证")
            original = api.get_scoped_or_404(Voucher, voucher_id)
            reversal = commit(
                lambda: funds.reverse_voucher(api.session, original, principal(), data["reason"])
            )
            return with_allowed(reversal, VOUCHER_WORKFLOW)

    @blp.route("/vouchers/<int:voucher_id>/attachments")
    class VoucherAttachments(MethodView):
        """A voucher's scanned originals."""

        @blp.arguments(schemas.UploadSchema, location="files")
        @blp.response(201, schemas.AttachmentSchema)
        def post(self, files: dict[str, Any], voucher_id: int) -> Any:
            """Attach a scanned receipt or invoice (PDF, JPEG, PNG) to a draft voucher."""
            require("supervision.voucher.make", "编制凭证")
            voucher = api.get_scoped_or_404(Voucher, voucher_id)
            upload = files["file"]
            return commit(
                lambda: attachments.attach(
                    api.session, principal(), "voucher", voucher, upload.filename, upload.read()
                )
            )

    # --- 四议两公开 ----------------------------------------------------------------------------

    @blp.route("/matters")
    class Matters(MethodView):
        """重大事项."""

        @blp.arguments(schemas.MatterQuerySchema, location="query")
        @blp.response(200, schemas.MatterSummarySchema(many=True))
        @blp.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[MajorMatter]:
            """List major matters in scope, newest first."""
            require("supervision.view", "查看村务监督")
            statement = api.scoped(select(MajorMatter), MajorMatter).order_by(MajorMatter.id.desc())
            if "locality_code" in query:
                statement = statement.where(MajorMatter.scope_clause(query["locality_code"]))
            if "state" in query:
                statement = statement.where(MajorMatter.state == query["state"])
            return page(statement, pagination_parameters)

        @blp.arguments(schemas.MatterWriteSchema)
        @blp.response(201, schemas.MatterSchema)
        def post(self, data: dict[str, Any]) -> MajorMatter:
            """Register a major matter; it waits for the party branch's proposal."""
            require("supervision.matter.manage", "录入四议两公开事项")
            in_scope("locality_code", data["locality_code"])

            def work() -> MajorMatter:
                """The change, run inside the caller's transaction."""
                matter = MajorMatter(created_by=principal().label, **data)
                api.session.add(matter)
                api.session.flush()
                return matter

            return with_allowed(commit(work), MATTER_WORKFLOW)

    @blp.route("/matters/<int:matter_id>")
    class MatterItem(MethodView):
        """One matter."""

        @blp.response(200, schemas.MatterSchema)
        def get(self, matter_id: int) -> MajorMatter:
            """One matter with its meetings and what the caller may do now."""
            require("supervision.view", "查看村务监督")
            return with_allowed(api.get_scoped_or_404(MajorMatter, matter_id), MATTER_WORKFLOW)

        @blp.arguments(schemas.MatterPatchSchema)
        @blp.response(200, schemas.MatterSchema)
        def patch(self, data: dict[str, Any], matter_id: int) -> MajorMatter:
            """Write the description (before proposal) or the implementation result."""
            require("supervision.matter.manage", "录入四议两公开事项")
            matter = api.get_scoped_or_404(MajorMatter, matter_id)

            def work() -> MajorMatter:
                """The change, run inside the caller's transaction."""
                if "description" in data:
                    if matter.state != "draft":
                        raise SupervisionError("事项提议后，内容不能再修改", "description")
                    matter.description = data["description"]
                if "result" in data:
                    if matter.state != "resolution_disclosed":
                        raise SupervisionError("决议公开后才能填写实施结果", "result")
                    matter.result = data["result"]
                return matter

            return with_allowed(commit(work), MATTER_WORKFLOW)

    @blp.route("/matters/<int:matter_id>/meetings")
    class MatterMeetings(MethodView):
        """A matter's meetings."""

        @blp.arguments(schemas.MeetingWriteSchema)
        @blp.response(201, schemas.MatterSchema)
        def post(self, data: dict[str, Any], matter_id: int) -> MajorMatter:
            """Record the meeting of the matter's next deliberation; the matter moves on (or,
            after a failed vote, back to proposal)."""
            matter = api.get_scoped_or_404(MajorMatter, matter_id)
            commit(lambda: matter_service.record_meeting(api.session, matter, principal(), **data))
            return with_allowed(matter, MATTER_WORKFLOW)

    @blp.route("/matters/<int:matter_id>/transitions")
    class MatterTransitions(MethodView):
        """A matter's two disclosures."""

        @blp.arguments(schemas.TransitionSchema)
        @blp.response(200, schemas.MatterSchema)
        def post(self, data: dict[str, Any], matter_id: int) -> MajorMatter:
            """Apply a step of the matter's workflow (the two disclosures)."""
            matter = api.get_scoped_or_404(MajorMatter, matter_id)
            commit(
                lambda: MATTER_WORKFLOW.apply(
                    matter, data["name"], principal(), api.session, reason=data["reason"]
                )
            )
            return with_allowed(matter, MATTER_WORKFLOW)

    # --- 村务公开 ------------------------------------------------------------------------------

    @blp.route("/disclosures")
    class Disclosures(MethodView):
        """村务公开."""

        @blp.arguments(schemas.DisclosureQuerySchema, location="query")
        @blp.response(200, schemas.DisclosureSchema(many=True))
        @blp.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[Disclosure]:
            """List disclosures in scope, newest first (``current=true``: valid versions only)."""
            require("supervision.view", "查看村务监督")
            statement = api.scoped(select(Disclosure), Disclosure).order_by(
                Disclosure.published_at.desc(), Disclosure.id.desc()
            )
            if "locality_code" in query:
                statement = statement.where(Disclosure.scope_clause(query["locality_code"]))
            if "category" in query:
                statement = statement.where(Disclosure.category == query["category"])
            if query["current"]:
                statement = statement.where(disclosures.current_clause())
            return page(statement, pagination_parameters)

        @blp.arguments(schemas.DisclosureWriteSchema)
        @blp.response(201, schemas.DisclosureSchema)
        def post(self, data: dict[str, Any]) -> Disclosure:
            """Publish a disclosure (it can never be edited afterwards)."""
            require("supervision.disclosure.publish", "发布村务公开")
            in_scope("locality_code", data["locality_code"])

            def work() -> Disclosure:
                """The change, run inside the caller's transaction."""
                period = parse_period(data.pop("period")) if data.get("period") else None
                data.pop("period", None)
                return disclosures.publish(api.session, principal(), period=period, **data)

            return commit(work)

    @blp.route("/disclosures/<int:disclosure_id>")
    class DisclosureItem(MethodView):
        """One disclosure."""

        @blp.response(200, schemas.DisclosureSchema)
        def get(self, disclosure_id: int) -> Disclosure:
            """One disclosure (``amends_id`` / ``amended_by_id`` link its amendment chain)."""
            require("supervision.view", "查看村务监督")
            return api.get_scoped_or_404(Disclosure, disclosure_id)

    @blp.route("/disclosures/<int:disclosure_id>/amendments")
    class DisclosureAmendments(MethodView):
        """Corrections of a disclosure."""

        @blp.arguments(schemas.AmendmentSchema)
        @blp.response(201, schemas.DisclosureSchema)
        def post(self, data: dict[str, Any], disclosure_id: int) -> Disclosure:
            """Publish a correction of a disclosure, saying why."""
            require("supervision.disclosure.publish", "发布村务公开")
            original = api.get_scoped_or_404(Disclosure, disclosure_id)
            return commit(
                lambda: disclosures.amend(
                    api.session,
                    principal(),
                    original,
                    content=data["content"],
                    reason=data["reason"],
                    title=data["title"],
                )
            )

    @blp.route("/disclosures/financial")
    class FinancialDisclosures(MethodView):
        """Financial disclosures from booked vouchers."""

        @blp.arguments(schemas.FinancialRequestSchema)
        @blp.response(201, schemas.DisclosureSchema)
        def post(self, data: dict[str, Any]) -> Disclosure:
            """Generate a village's financial disclosure for a month or quarter from its booked
            vouchers."""
            require("supervision.disclosure.publish", "发布村务公开")
            in_scope("locality_code", data["locality_code"])
            return commit(
                lambda: disclosures.financial_disclosure(
                    api.session, principal(), data["locality_code"], parse_period(data["period"])
                )
            )

    @blp.route("/calendar")
    class Calendar(MethodView):
        """公开日历."""

        @blp.arguments(schemas.CalendarQuerySchema, location="query")
        @blp.response(200, schemas.CalendarEntrySchema(many=True))
        @blp.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[Any]:
            """The disclosure calendar in scope (``overdue=true``: only overdue entries)."""
            require("supervision.view", "查看村务监督")
            day = today(api.session)
            statement = api.scoped(select(DisclosureDue), DisclosureDue).order_by(
                DisclosureDue.due_on, DisclosureDue.locality_code, DisclosureDue.category
            )
            if "locality_code" in query:
                statement = statement.where(DisclosureDue.scope_clause(query["locality_code"]))
            if "year" in query:
                statement = statement.where(
                    DisclosureDue.period_start >= dt.date(query["year"], 1, 1),
                    DisclosureDue.period_start <= dt.date(query["year"], 12, 31),
                )
            if query["overdue"]:
                statement = statement.where(disclosures.overdue_clause(day))
            entries = page(statement, pagination_parameters)
            for entry in entries:
                entry.status = entry.status_on(day)
            return entries

    @blp.route("/board/<string:code>")
    class Board(MethodView):
        """A locality's public board."""

        @blp.response(200, schemas.BoardEntrySchema(many=True))
        def get(self, code: str) -> list[Any]:
            """Everything public for a locality in one list, including other plugins' notices
            (the bulletin board's content, so online and offline match)."""
            require("supervision.view", "查看村务监督")
            place = api.get_scoped_or_404(Locality, code)
            return disclosures.board(api.session, place)

    # --- 村民直评村官 --------------------------------------------------------------------------

    @blp.route("/campaigns")
    class Campaigns(MethodView):
        """村民直评村官."""

        @blp.response(200, schemas.CampaignSchema(many=True))
        @blp.paginate()
        def get(self, pagination_parameters: Any) -> list[CadreRatingCampaign]:
            """List rating campaigns in scope, newest first."""
            require("supervision.view", "查看村务监督")
            statement = api.scoped(select(CadreRatingCampaign), CadreRatingCampaign).order_by(
                CadreRatingCampaign.id.desc()
            )
            return page(statement, pagination_parameters)

    @blp.route("/campaigns/<int:campaign_id>")
    class CampaignItem(MethodView):
        """One campaign's standings."""

        @blp.response(200, schemas.CampaignDetailSchema)
        def get(self, campaign_id: int) -> CadreRatingCampaign:
            """A campaign with its cadres' standings (indexes once closed)."""
            require("supervision.view", "查看村务监督")
            campaign = api.get_scoped_or_404(CadreRatingCampaign, campaign_id)
            visible = [c for c in campaign.cadres if principal().account.sees(c.locality_code)]
            return _CampaignView(campaign, visible)

    @blp.route("/campaigns/<int:campaign_id>/ballots")
    class CampaignBallots(MethodView):
        """Households' ballots."""

        @blp.arguments(schemas.BallotSchema)
        @blp.response(201, schemas.BallotResultSchema)
        def post(self, data: dict[str, Any], campaign_id: int) -> dict[str, int]:
            """Record a household's ballot; a household rates each cadre once."""
            require("supervision.rating.record", "录入评议票")
            campaign = api.get_scoped_or_404(CadreRatingCampaign, campaign_id)
            household = scoped_one(Household, data["household_id"], "household_id")
            person = scoped_one(Person, data["person_id"], "person_id")
            recorded = commit(
                lambda: rating_service.cast_ballot(
                    api.session, principal(), campaign, household, data["scores"], person
                )
            )
            return {"recorded": len(recorded)}

    api.register_blueprint(blp)


class _CampaignView:
    """A campaign as shown to a caller: only the cadres within the caller's scope."""

    def __init__(self, campaign: CadreRatingCampaign, cadres: list[Any]) -> None:
        self._campaign = campaign
        self.cadres = cadres

    def __getattr__(self, name: str) -> Any:
        return getattr(self._campaign, name)
