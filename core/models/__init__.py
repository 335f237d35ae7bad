"""Core entities shared by every deployment."""

from core.audit import AuditEntry, AuditHead
from core.events import EventRecord
from core.models.account import Account, ApiToken
from core.models.locality import Locality
from core.models.organization import Membership, Organization, OrganizationKind
from core.models.person import Household, Person, Tag
from core.models.setting import SettingOverride

__all__ = [
    "Account",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "EventRecord",
    "Household",
    "Locality",
    "Membership",
    "Organization",
    "OrganizationKind",
    "Person",
    "SettingOverride",
    "Tag",
]
