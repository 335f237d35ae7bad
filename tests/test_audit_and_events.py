"""The audit chain and the event log: writes recorded, tampering found, events in-transaction."""

import pytest
from sqlalchemy import func, select, text, update

from core import audit, migrate
from core.events import EventRecord, PersonRegistered, emit
from core.models import AuditEntry, Person
from core.testing import add_person


def test_migrations_produce_exactly_the_models_schema(make_runtime):
    runtime = make_runtime(["points", "assistance", "supervision", "consultation", "example"])
    assert migrate.schema_differences(runtime) == []


def test_every_branch_is_at_head_after_upgrade(make_runtime):
    runtime = make_runtime(["points", "example"])
    rows = migrate.current(runtime)
    assert [branch for branch, _, _ in rows] == ["core", "points", "example"]
    assert all(at == head for _, at, head in rows)


def test_every_write_is_audited_with_actor_channel_and_masked_secrets(seeded):
    with seeded.db.transaction(actor="account:county", channel="cli") as session:
        person = add_person(session, "张三", "500243001001", 11)
        person.phone = "13800138000"
    with seeded.db.transaction() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "core_person")
        ).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert {(e.actor, e.channel, e.record_id) for e in entries} == {
        ("account:county", "cli", str(person.id))
    }
    assert entries[0].after["id_number"] == audit.MASK
    assert entries[0].after["name"] == "张三"
    assert (entries[1].before["phone"], entries[1].after["phone"]) == (None, audit.MASK)


def test_a_deletion_is_audited_with_the_state_before(seeded):
    with seeded.db.transaction() as session:
        person = add_person(session, "王五", "500243001001", 13)
    with seeded.db.transaction() as session:
        session.delete(session.get(Person, person.id))
    with seeded.db.transaction() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.action, last.before["name"], last.after) == ("delete", "王五", None)
        assert audit.verify(session).ok


def test_verify_names_the_first_tampered_entry(seeded):
    with seeded.db.transaction() as session:
        add_person(session, "赵六", "500243001001", 15)
        total = session.scalar(select(func.count()).select_from(AuditEntry))
        target = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()[3]
    with seeded.db.engine.begin() as connection:
        connection.execute(
            update(AuditEntry).where(AuditEntry.id == target).values(actor="someone")
        )
    with seeded.db.transaction() as session:
        result = audit.verify(session)
    assert not result.ok
    assert result.broken_id == target
    assert result.checked == 3
    assert total > 4


def test_verify_detects_a_deleted_entry_in_the_middle_and_at_the_end(seeded):
    with seeded.db.transaction() as session:
        ids = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    with seeded.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM core_audit WHERE id = :id"), {"id": ids[-1]})
    with seeded.db.transaction() as session:
        result = audit.verify(session)
    assert not result.ok and result.broken_id == ids[-2]
    with seeded.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM core_audit WHERE id = :id"), {"id": ids[2]})
    with seeded.db.transaction() as session:
        result = audit.verify(session)
    assert not result.ok and result.broken_id == ids[3]


def test_an_event_is_stored_and_reacted_to_in_the_same_transaction(make_runtime):
    from gongzhi_example.models import Greeting

    runtime = make_runtime(["example"])
    with runtime.db.transaction(actor="account:village") as session:
        from core.testing import seed_tree

        seed_tree(session)
        person = add_person(session, "孙七", "500243001001", 17)
        emit(session, PersonRegistered(locality_code="500243001001", person_id=person.id))
    with runtime.db.transaction() as session:
        record = session.scalars(select(EventRecord)).one()
        greeting = session.scalars(select(Greeting)).one()
    assert (record.name, record.payload["person_id"], record.actor) == (
        "core.person_registered",
        person.id,
        "account:village",
    )
    assert greeting.person_id == person.id


def test_a_rolled_back_change_leaves_neither_event_nor_reaction(make_runtime):
    from gongzhi_example.models import Greeting

    runtime = make_runtime(["example"])
    with runtime.db.transaction() as session:
        from core.testing import seed_tree

        seed_tree(session)
    with pytest.raises(RuntimeError), runtime.db.transaction() as session:
        person = add_person(session, "周八", "500243001001", 19)
        emit(session, PersonRegistered(locality_code="500243001001", person_id=person.id))
        raise RuntimeError("the writer fails after emitting")
    with runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(EventRecord)) == 0
        assert session.scalar(select(func.count()).select_from(Greeting)) == 0
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_changing_a_residents_tags_is_audited_on_the_resident(seeded):
    from core.models import Tag

    with seeded.db.transaction() as session:
        person = add_person(session, "钱一", "500243001001", 23)
        person.tags.append(Tag(name="党员"))
    with seeded.db.transaction() as session:
        person = session.get(Person, person.id)
        person.tags = [Tag(name="老年人")]
    with seeded.db.transaction() as session:
        last = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "core_person", AuditEntry.action == "update")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert (last.before["tags"], last.after["tags"]) == (["党员"], ["老年人"])


def test_an_events_key_identifies_the_occurrence_not_the_emission():
    first = PersonRegistered(locality_code="500243001001", person_id=7)
    again = PersonRegistered(locality_code="500243001001", person_id=7)
    other = PersonRegistered(locality_code="500243001001", person_id=8)
    assert first.key() == again.key() != other.key()
    assert first.key().startswith("core.person_registered:")
