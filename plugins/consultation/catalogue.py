"""The consultation catalogue (协商事项清单) in effect for a locality.

Each county may have its own list (``county_catalogues`` in the settings); every other county
uses ``catalogue``, which defaults to Pengshui's 4 categories and 16 items.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from core.runtime import plugin_settings
from plugins.consultation.settings import TRIAGE_CLASSES

PLUGIN = "consultation"


@dataclasses.dataclass(frozen=True)
class Item:
    """One item (小项) of the catalogue and the triage class it gets by default."""

    code: str
    name: str
    triage: str
    category_code: str
    category_name: str

    @property
    def triage_label(self) -> str:
        """大事, 小事 or 私事."""
        return TRIAGE_CLASSES[self.triage]

    @property
    def label(self) -> str:
        """``B01 道路、桥梁…`` for lists and choices."""
        return f"{self.code} {self.name}"


@dataclasses.dataclass(frozen=True)
class Category:
    """One category (大项) with its items."""

    code: str
    name: str
    items: tuple[Item, ...]


@dataclasses.dataclass(frozen=True)
class Catalogue:
    """A whole catalogue: categories in order, items found by code."""

    categories: tuple[Category, ...]

    @classmethod
    def from_settings(cls, raw: list[dict[str, Any]]) -> Catalogue:
        """Build a catalogue from its validated settings form."""
        return cls(
            tuple(
                Category(
                    c["code"],
                    c["name"],
                    tuple(
                        Item(i["code"], i["name"], i["triage"], c["code"], c["name"])
                        for i in c["items"]
                    ),
                )
                for c in raw
            )
        )

    @property
    def items(self) -> list[Item]:
        """Every item, in catalogue order."""
        return [item for category in self.categories for item in category.items]

    def item(self, code: str) -> Item | None:
        """The item with ``code``, or ``None``."""
        return next((item for item in self.items if item.code == code), None)

    def choices(self) -> list[tuple[str, str]]:
        """(code, label) pairs for a form select."""
        return [(item.code, f"{item.category_name} · {item.label}") for item in self.items]


def county_of(code: str) -> str:
    """The 12-digit code of the county a locality code lies in."""
    return code[:6] + "000000"


def catalogue_for(settings: dict[str, Any], locality_code: str) -> Catalogue:
    """The catalogue in effect at ``locality_code``, from validated settings."""
    raw = settings["county_catalogues"].get(county_of(locality_code), settings["catalogue"])
    return Catalogue.from_settings(raw)


def session_catalogue(session: Session, locality_code: str) -> Catalogue:
    """The catalogue in effect at ``locality_code``, reading the settings through ``session``."""
    return catalogue_for(plugin_settings(session, PLUGIN), locality_code)


def item_label(settings: dict[str, Any], locality_code: str, code: str) -> str:
    """An item's display name; an item since removed from the catalogue shows its code."""
    item = catalogue_for(settings, locality_code).item(code)
    return item.label if item else f"{code}（已不在清单中）"
