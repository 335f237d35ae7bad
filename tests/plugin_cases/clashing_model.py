"""A plugin whose model reuses the example plugin's class name ``Suggestion``."""

import gongzhi_example.models  # noqa: F401  (the first ``Suggestion``)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.manifest import PluginManifest

MANIFEST = PluginManifest(name="clashing_model", title="重名", version="0.1.0")


class Suggestion(Base):
    """Same class name as the example plugin's model."""

    __tablename__ = "clashing_model_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
