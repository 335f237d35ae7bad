"""The database a runtime migrates matches the models exactly, and writes are audited."""

from sqlalchemy import func, select

from core import audit, migrate
from core.models import AuditEntry, Person
from core.testing import add_person


def test_migrations_produce_exactly_the_models_schema(make_runtime):
    runtime = make_runtime(["points", "assistance", "supervision", "consultation"])
    assert migrate.schema_differences(runtime) == []


def test_every_write_is_audited_and_the_chain_verifies(seeded):
    with seeded.db.transaction(actor="account:county", channel="cli") as session:
        person = add_person(session, "张三", "500243001001", 11)
        person.phone = "13800138000"
    with seeded.db.transaction() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "core_person")
        ).all()
        assert [e.action for e in entries] == ["create", "update"]
        assert {e.actor for e in entries} == {"account:county"}
        assert entries[0].after["id_number"] == audit.MASK
        assert entries[1].before["phone"] is None
        assert entries[1].after["phone"] == audit.MASK
        assert audit.verify(session).ok
        assert session.scalar(select(func.count()).select_from(Person)) == 1
