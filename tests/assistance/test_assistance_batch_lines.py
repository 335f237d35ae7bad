"""A monthly batch writes its lines with one INSERT … SELECT: the lines are exactly those its
audited digest covers, the coverage figures add up to the cent, a change committed while the
batch is being written is refused rather than paid unrecorded, and paid lines are found by
their unique key."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from assistance_support import COUNTY_CODE, build_county, freeze
from sqlalchemy import event, func, select, text
from test_assistance_money import enrol_directly

from core.models import AuditEntry
from plugins.assistance.cases import create_application
from plugins.assistance.errors import AssistanceError
from plugins.assistance.models import (
    AssistanceAdjustment,
    AssistanceApplication,
    AssistanceBatch,
    AssistanceCoverage,
    AssistanceEnrolment,
    AssistancePayment,
)
from plugins.assistance.payments import (
    _due_statement,
    request_reversal,
    request_supplement,
    run_batch,
    run_batch_and_commit,
    verify_batch,
)
from plugins.assistance.programmes import PROGRAMMES

PERIOD = "2026-04"


@pytest.fixture
def county(make_runtime, monkeypatch):
    freeze(monkeypatch)
    return build_county(make_runtime)


@pytest.fixture
def every_kind(county):
    """Three monthly enrolments (one at 1,140.10), a paid March, then a reversal, thirty
    supplements of ten fen and an approved one-off grant due in April."""
    with county.session() as session:
        zhang = enrol_directly(
            session, county, county.zhang, "minimum_living", "1200", dt.date(2026, 1, 1)
        )
        enrol_directly(session, county, county.wang, "minimum_living", "500", dt.date(2026, 3, 1))
        enrol_directly(
            session, county, county.chen, "extreme_poverty", "1140.10", dt.date(2025, 6, 1)
        )
        run_batch(session, period="2026-03", scope_code=COUNTY_CODE, actor_label="account:county")
    with county.session() as session:
        paid = session.scalars(
            select(AssistancePayment).where(
                AssistancePayment.person_id == county.wang.member_ids[0]
            )
        ).one()
        request_reversal(session, paid, "户籍迁出本县，三月不应发放", "account:county")
        application = session.get(AssistanceApplication, zhang.application_id)
        for n in range(30):
            request_supplement(
                session, application, "0.10", f"补发差额第{n + 1}笔", "account:county"
            )
        grant = create_application(
            session,
            actor=county.actor(session, "town"),
            id_number=county.li.head,
            programme_code="temporary",
            temporary_kind="emergency",
            claimed_amount="2999.99",
            accept=True,
        )
        grant.state = "approved"
        grant.amount = Decimal("2999.99")
        grant.decided_at = dt.datetime(2026, 4, 2, tzinfo=dt.UTC)
        grant.open_key = None
    return county


def test_every_kind_of_line_is_written_once_with_its_key_and_matches_the_digest(every_kind):
    county = every_kind
    with county.session() as session:
        result = run_batch(
            session, period=PERIOD, scope_code=COUNTY_CODE, actor_label="account:county"
        )
        batch_id = result.batch.id
    with county.session() as session:
        batch = session.get(AssistanceBatch, batch_id)
        lines = session.scalars(
            select(AssistancePayment)
            .where(AssistancePayment.batch_id == batch_id)
            .order_by(AssistancePayment.id)
        ).all()
        kinds = defaultdict(int)
        for line in lines:
            kinds[line.kind] += 1
            assert line.period == PERIOD
            assert line.monthly_key == (
                f"{line.enrolment_id}:{PERIOD}" if line.kind == "monthly" else None
            )
            assert line.award_application_id == (
                line.application_id if line.kind == "one_off" else None
            )
            assert (line.adjustment_id is not None) == (line.kind == "adjustment")
        assert dict(kinds) == {"adjustment": 31, "monthly": 3, "one_off": 1}
        # the lines are written in line order: kind, then case, then adjustment
        order = [
            (x.kind, x.application_id, x.enrolment_id or 0, x.adjustment_id or 0) for x in lines
        ]
        assert order == sorted(order)
        assert batch.line_count == 35
        expected = Decimal("1200") + Decimal("500") + Decimal("1140.10")
        expected += Decimal("-500") + 30 * Decimal("0.10") + Decimal("2999.99")
        assert batch.total == expected == sum(line.amount for line in lines)
        assert verify_batch(session, batch)
        created = session.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "assistance_batch", AuditEntry.record_id == str(batch_id)
            )
        ).all()
        assert [(e.action, e.after["digest"]) for e in created] == [("create", batch.digest)]


def test_coverage_figures_add_up_to_the_cent_by_programme_and_place(every_kind):
    county = every_kind
    with county.session() as session:
        batch_id = run_batch(
            session, period=PERIOD, scope_code=COUNTY_CODE, actor_label="account:county"
        ).batch.id
    with county.session() as session:
        expected: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, Decimal("0")])
        for line in session.scalars(
            select(AssistancePayment).where(AssistancePayment.batch_id == batch_id)
        ):
            entry = expected[(line.programme, line.locality_code)]
            if line.kind != "adjustment":
                entry[0] += 1 if PROGRAMMES[line.programme].per_household else 0
                entry[1] += line.persons
            entry[2] += line.amount
        got = {
            (c.programme, c.locality_code): [c.households, c.persons, c.amount]
            for c in session.scalars(
                select(AssistanceCoverage).where(AssistanceCoverage.batch_id == batch_id)
            )
        }
        assert got == {key: [h, p, a] for key, (h, p, a) in expected.items()}
        low_income = sum(
            c.amount
            for c in session.scalars(
                select(AssistanceCoverage).where(
                    AssistanceCoverage.batch_id == batch_id,
                    AssistanceCoverage.programme == "minimum_living",
                )
            )
        )
        assert low_income == Decimal("1200") + Decimal("3.00")  # 王's 500 reversed by −500


def test_a_change_committed_while_the_batch_is_written_is_refused_and_nothing_is_paid(
    every_kind,
):
    county = every_kind
    session = county.runtime.db.new_session(actor="account:county", channel="test")
    racing = {"done": False}

    @event.listens_for(session, "before_flush")
    def another_clerk_commits_a_supplement(*_args) -> None:
        # Between the batch's reading of what is due and its writing of the lines, another
        # transaction commits one more adjustment.
        if racing["done"]:
            return
        racing["done"] = True
        with county.session() as other:
            application = other.scalars(
                select(AssistanceApplication).where(
                    AssistanceApplication.applicant_id == county.zhang.member_ids[0]
                )
            ).one()
            request_supplement(other, application, "88", "同时补发", "account:town")

    try:
        with pytest.raises(AssistanceError, match="发生了变化"):
            run_batch_and_commit(
                session, period=PERIOD, scope_code=COUNTY_CODE, actor_label="account:county"
            )
    finally:
        session.close()
    with county.session() as check:
        assert (
            check.scalar(
                select(func.count())
                .select_from(AssistanceBatch)
                .where(AssistanceBatch.period == PERIOD)
            )
            == 0
        )
        assert (
            check.scalar(
                select(func.count())
                .select_from(AssistancePayment)
                .where(AssistancePayment.period == PERIOD)
            )
            == 0
        )
    with county.session() as again:
        batch = run_batch(
            again, period=PERIOD, scope_code=COUNTY_CODE, actor_label="account:county"
        ).batch
        assert batch.line_count == 36 and verify_batch(again, batch)
        assert again.scalar(select(func.count()).select_from(AssistanceAdjustment)) == 32


def test_paid_monthly_lines_are_found_by_their_unique_key(every_kind):
    county = every_kind
    with county.session() as session:
        dialect = session.get_bind().dialect
        compiled = _due_statement(PERIOD, COUNTY_CODE).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
        if dialect.name == "sqlite":
            plan = "\n".join(
                str(row[-1])
                for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            )
            assert "assistance_payment USING INDEX sqlite_autoindex_assistance_payment" in plan
            assert "ix_assistance_payment_period" not in plan, plan
        else:
            # A test county is tiny: PostgreSQL would rather scan it whole, so scans are
            # priced out to show which index answers the lookup.
            session.execute(text("SET LOCAL enable_seqscan = off"))
            session.execute(text("SET LOCAL enable_bitmapscan = off"))
            plan = "\n".join(
                row[0] for row in session.connection().exec_driver_sql(f"EXPLAIN {compiled}")
            )
            assert "uq_assistance_payment_monthly_key" in plan, plan
    assert AssistanceEnrolment.__tablename__ in str(compiled)
