"""The points REST API under ``/api/v1/points`` (bearer token; scoped by the caller's locality).

Balances and a holder's ledger, claims and their workflow, reversals, the supermarket's
catalogue and redemptions, leaderboards and the rules in force. Refusals are 422 with the field
named (``{"errors": {"json": {"person_ids": ["张三不在您的管辖范围内"]}}}``), 403 without the
permission, 404 outside the caller's scope.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.localities import is_within, within
from core.models import Person
from core.workflow import WorkflowError
from plugins.points import periods, rankings, rules, supermarket
from plugins.points.claims import ClaimError, check_reversible, submit_claim
from plugins.points.ledger import (
    InsufficientPoints,
    LedgerError,
    account_for_person,
    load_names,
    reverse_transfer,
)
from plugins.points.models import (
    PointsAccount,
    PointsClaim,
    PointsMovement,
    PointsProduct,
    PointsRedemption,
    PointsTransfer,
)
from plugins.points.schemas import (
    PointsAccountQuerySchema,
    PointsAccountSchema,
    PointsClaimCreateSchema,
    PointsClaimQuerySchema,
    PointsClaimSchema,
    PointsLeaderboardQuerySchema,
    PointsMovementSchema,
    PointsProductSchema,
    PointsRedemptionCreateSchema,
    PointsRedemptionSchema,
    PointsReversalSchema,
    PointsRuleOutSchema,
    PointsRuleQuerySchema,
    PointsStandingSchema,
    PointsTransitionSchema,
)
from plugins.points.workflow import CLAIM_WORKFLOW, REDEMPTION_WORKFLOW


def _refuse(field: str, message: str) -> None:
    abort(422, errors={"json": {field: [message]}}, message="内容有误")


def register(api: Any) -> None:
    """Mount the points blueprints on the host's API registrar."""
    session_of = lambda: api.session  # noqa: E731 - the request's session, looked up per call

    def need(permission: str) -> Any:
        principal = api.current_principal()
        if not principal.has_permission(permission):
            abort(403, message="您没有执行此操作的权限")
        return principal

    def page(statement: Any, pagination: Any) -> list[Any]:
        session = session_of()
        pagination.item_count = session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())
        )
        offset = (pagination.page - 1) * pagination.page_size
        return list(session.scalars(statement.offset(offset).limit(pagination.page_size)))

    def commit_or_refuse(work: Any, errors: tuple[type[Exception], ...]) -> Any:
        session = session_of()
        try:
            result = work()
            session.commit()
        except WorkflowError as exc:
            session.rollback()
            _refuse("transition", str(exc))
        except errors as exc:
            session.rollback()
            _refuse(getattr(exc, "field", "json"), str(exc))
        return result

    # -- accounts -------------------------------------------------------------------------

    accounts = Blueprint(
        "points_accounts", __name__, url_prefix="/points/accounts", description="积分账户与台账"
    )

    @accounts.route("")
    class Accounts(MethodView):
        """Accounts within the caller's scope."""

        @accounts.arguments(PointsAccountQuerySchema, location="query")
        @accounts.response(200, PointsAccountSchema(many=True))
        @accounts.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[PointsAccount]:
            """List accounts and their maintained balances (filter by holder, scheme, kind)."""
            need("points.view")
            statement = api.scoped(select(PointsAccount), PointsAccount).order_by(PointsAccount.id)
            for field in ("scheme", "kind", "person_id", "household_id", "organization_id"):
                if field in query:
                    statement = statement.where(getattr(PointsAccount, field) == query[field])
            if "locality_code" in query:
                statement = statement.where(
                    within(PointsAccount.locality_code, query["locality_code"])
                )
            found = page(statement, pagination_parameters)
            load_names(session_of(), found)
            return found

    @accounts.route("/<int:account_id>")
    class AccountItem(MethodView):
        """One account."""

        @accounts.response(200, PointsAccountSchema)
        def get(self, account_id: int) -> PointsAccount:
            """An account's balance."""
            need("points.view")
            return api.get_scoped_or_404(PointsAccount, account_id)

    @accounts.route("/<int:account_id>/movements")
    class AccountMovements(MethodView):
        """A holder's ledger."""

        @accounts.response(200, PointsMovementSchema(many=True))
        @accounts.paginate()
        def get(self, account_id: int, pagination_parameters: Any) -> list[PointsMovement]:
            """The account's movements, newest first (an index on account and id serves it)."""
            need("points.view")
            account = api.get_scoped_or_404(PointsAccount, account_id)
            statement = (
                select(PointsMovement)
                .where(PointsMovement.account_id == account.id)
                .options(selectinload(PointsMovement.transfer))
                .order_by(PointsMovement.id.desc())
            )
            return page(statement, pagination_parameters)

    api.register_blueprint(accounts)

    # -- transfers (corrections) --------------------------------------------------------------

    transfers = Blueprint(
        "points_transfers", __name__, url_prefix="/points/transfers", description="积分冲正"
    )

    @transfers.route("/<int:transfer_id>/reversal")
    class Reversal(MethodView):
        """Correct a transfer by reversing it."""

        @transfers.arguments(PointsReversalSchema)
        @transfers.response(201, PointsMovementSchema(many=True))
        def post(self, data: dict[str, Any], transfer_id: int) -> list[PointsMovement]:
            """Post the reversing transfer (every movement negated), with a reason."""
            principal = need("points.ledger.correct")
            original = api.get_scoped_or_404(PointsTransfer, transfer_id)
            try:
                check_reversible(session_of(), original)
            except LedgerError as exc:
                _refuse("transfer_id", str(exc))
            reversal = commit_or_refuse(
                lambda: reverse_transfer(
                    session_of(), original, data["reason"], principal.label, kind="reversal"
                ),
                (LedgerError,),
            )
            return list(reversal.movements)

    api.register_blueprint(transfers)

    # -- claims ---------------------------------------------------------------------------

    claims = Blueprint(
        "points_claims", __name__, url_prefix="/points/claims", description="积分申报"
    )

    @claims.route("")
    class Claims(MethodView):
        """Claims within the caller's scope."""

        @claims.arguments(PointsClaimQuerySchema, location="query")
        @claims.response(200, PointsClaimSchema(many=True))
        @claims.paginate()
        def get(self, query: dict[str, Any], pagination_parameters: Any) -> list[PointsClaim]:
            """List claims, newest first."""
            need("points.view")
            statement = (
                api.scoped(select(PointsClaim), PointsClaim)
                .options(selectinload(PointsClaim.persons), selectinload(PointsClaim.branches))
                .order_by(PointsClaim.id.desc())
            )
            for field in ("state", "rule_code"):
                if field in query:
                    statement = statement.where(getattr(PointsClaim, field) == query[field])
            return page(statement, pagination_parameters)

        @claims.arguments(PointsClaimCreateSchema)
        @claims.response(201, PointsClaimSchema)
        def post(self, data: dict[str, Any]) -> PointsClaim:
            """Submit a claim for one or many residents (or party branches)."""
            principal = need("points.claim.submit")
            return commit_or_refuse(
                lambda: submit_claim(session_of(), principal, **data), (ClaimError, LedgerError)
            )

    @claims.route("/<int:claim_id>")
    class ClaimItem(MethodView):
        """One claim."""

        @claims.response(200, PointsClaimSchema)
        def get(self, claim_id: int) -> PointsClaim:
            """A claim and its state."""
            need("points.view")
            return api.get_scoped_or_404(PointsClaim, claim_id)

    @claims.route("/<int:claim_id>/transitions")
    class ClaimTransition(MethodView):
        """Move a claim through its workflow."""

        @claims.arguments(PointsTransitionSchema)
        @claims.response(200, PointsClaimSchema)
        def post(self, data: dict[str, Any], claim_id: int) -> PointsClaim:
            """approve / approve_post / reject / object / post / reverse."""
            principal = api.current_principal()
            claim = api.get_scoped_or_404(PointsClaim, claim_id)
            commit_or_refuse(
                lambda: CLAIM_WORKFLOW.apply(
                    claim, data["transition"], principal, session_of(), reason=data["reason"]
                ),
                (ClaimError, LedgerError),
            )
            return claim

    api.register_blueprint(claims)

    # -- supermarket --------------------------------------------------------------------------

    market = Blueprint("points_supermarket", __name__, url_prefix="/points", description="爱心超市")

    @market.route("/products")
    class Products(MethodView):
        """The catalogue."""

        @market.response(200, PointsProductSchema(many=True))
        @market.paginate()
        def get(self, pagination_parameters: Any) -> list[PointsProduct]:
            """Products on sale within the caller's scope."""
            need("points.view")
            statement = (
                api.scoped(select(PointsProduct), PointsProduct)
                .where(PointsProduct.active.is_(True))
                .options(selectinload(PointsProduct.merchant))
                .order_by(PointsProduct.id)
            )
            return page(statement, pagination_parameters)

    @market.route("/redemptions")
    class Redemptions(MethodView):
        """Redemptions of the caller's residents."""

        @market.response(200, PointsRedemptionSchema(many=True))
        @market.paginate()
        def get(self, pagination_parameters: Any) -> list[PointsRedemption]:
            """List redemptions, newest first."""
            need("points.view")
            statement = api.scoped(select(PointsRedemption), PointsRedemption).order_by(
                PointsRedemption.id.desc()
            )
            return page(statement, pagination_parameters)

        @market.arguments(PointsRedemptionCreateSchema)
        @market.response(201, PointsRedemptionSchema)
        def post(self, data: dict[str, Any]) -> PointsRedemption:
            """Reserve a product for a resident: points and stock are taken at once, or not at
            all (never overspent or oversold, even under concurrent requests)."""
            principal = need("points.redemption.manage")
            session = session_of()
            if ("person_id" in data) == ("account_id" in data):
                _refuse("person_id", "请给出 person_id 或 account_id 之一")
            if "person_id" in data:
                person = session.get(Person, data["person_id"])
                if person is None or not principal.account.sees(person.locality_code):
                    _refuse("person_id", "居民不存在或不在您的管辖范围内")
                account = commit_or_refuse(
                    lambda: account_for_person(session, person, "resident"),
                    (supermarket.SupermarketError,),
                )
            else:
                account = api.get_scoped_or_404(PointsAccount, data["account_id"])
            return commit_or_refuse(
                lambda: supermarket.reserve(
                    session,
                    principal,
                    account=account,
                    product_id=data["product_id"],
                    quantity=data["quantity"],
                ),
                (supermarket.SupermarketError, InsufficientPoints),
            )

    @market.route("/redemptions/<int:redemption_id>/transitions")
    class RedemptionTransition(MethodView):
        """Fulfil or cancel a redemption."""

        @market.arguments(PointsTransitionSchema)
        @market.response(200, PointsRedemptionSchema)
        def post(self, data: dict[str, Any], redemption_id: int) -> PointsRedemption:
            """fulfil / cancel (settle happens through a settlement)."""
            principal = api.current_principal()
            redemption = api.get_scoped_or_404(PointsRedemption, redemption_id)
            commit_or_refuse(
                lambda: REDEMPTION_WORKFLOW.apply(
                    redemption, data["transition"], principal, session_of(), reason=data["reason"]
                ),
                (supermarket.SupermarketError, LedgerError),
            )
            return redemption

    api.register_blueprint(market)

    # -- leaderboards and rules ---------------------------------------------------------------

    boards = Blueprint(
        "points_rankings", __name__, url_prefix="/points", description="积分排行与积分细则"
    )

    @boards.route("/leaderboards")
    class Leaderboards(MethodView):
        """Leaderboards from the maintained aggregates."""

        @boards.arguments(PointsLeaderboardQuerySchema, location="query")
        @boards.response(200, PointsStandingSchema(many=True))
        def get(self, query: dict[str, Any]) -> list[Any]:
            """Top holders of a scheme at or under a locality for a month, a year or all time."""
            principal = need("points.view")
            code = query.get("locality_code") or principal.scope_code
            if not is_within(code, principal.scope_code):
                _refuse("locality_code", "该区划不在您的管辖范围内")
            period = query["period"] or periods.year_key(periods.today(session_of()))
            try:
                return rankings.leaderboard(
                    session_of(), query["scheme"], code, period, query["limit"], query["offset"]
                )
            except rankings.RankingError as exc:
                _refuse(exc.field, str(exc))

    @boards.route("/rules")
    class Rules(MethodView):
        """The rules in force at a locality."""

        @boards.arguments(PointsRuleQuerySchema, location="query")
        @boards.response(200, PointsRuleOutSchema(many=True))
        def get(self, query: dict[str, Any]) -> list[Any]:
            """Each code's newest version at the nearest locality up the tree (一村一策)."""
            principal = need("points.view")
            code = query.get("locality_code") or principal.scope_code
            if not is_within(code, principal.scope_code):
                _refuse("locality_code", "该区划不在您的管辖范围内")
            found = list(rules.effective_rules(session_of(), code).values())
            session_of().commit()  # the first look-up may have written the config's versions
            return found

    api.register_blueprint(boards)
