"""The database layer: the shared declarative ``Base``, column types and the ``Database`` handle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by core and every plugin; tables carry their owner's prefix."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Relationship targets are looked up by class name in the one shared registry, so two
        # plugins defining a model with the same name would break every mapper of the process.
        existing = cls.registry._class_registry.get(cls.__name__)
        module = getattr(existing, "__module__", None)
        if isinstance(existing, type) and module not in (None, cls.__module__):
            raise TypeError(
                f"模型类名 {cls.__name__} 已被 {module} 使用（{cls.__module__} 又定义了一次）："
                "所有插件共用一个模型注册表，类名必须唯一，请加上插件前缀。"
            )
        super().__init_subclass__(**kwargs)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and always read back timezone-aware.

    SQLite keeps no offset, so normalising on the way in makes both backends agree.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime in UTC")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    # Statement parameters (identity numbers among them) stay out of error messages and logs.
    engine = create_engine(url, hide_parameters=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """One engine and one thread-local session registry for an app instance.

    ``session_info`` is copied into every session's ``info``: services find the plugin
    manager and the acting account there without importing Flask.
    """

    def __init__(self, url: str, session_info: dict[str, Any] | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.session_info = dict(session_info or {})
        self.factory = sessionmaker(
            bind=self.engine, expire_on_commit=False, info=self.session_info
        )
        self.session: scoped_session[Session] = scoped_session(self.factory)

    def new_session(self, **info: Any) -> Session:
        """A fresh session outside the thread-local registry, with extra ``info`` entries."""
        session = self.factory()
        session.info.update(info)
        return session

    @contextmanager
    def transaction(self, **info: Any) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        session = self.new_session(**info)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Release the session registry and every pooled connection."""
        self.session.remove()
        self.engine.dispose()
