"""Alembic environment: runs against the engine of the ``Runtime`` in ``config.attributes``."""

from alembic import context

import core.models  # noqa: F401  (registers core tables on Base.metadata)
from core.db import Base
from core.migrate import VERSION_TABLE, include_table

# Enabled plugins' modules are imported by now, and with them their models.
runtime = context.config.attributes["runtime"]

with runtime.db.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_table(runtime),
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
