"""The tables of 村务监督, grouped by practice; importing this package maps them all."""

from plugins.supervision.models.assets import (
    CollectiveAsset,
    CollectiveResource,
    RentDue,
    RentPayment,
    ResourceContract,
)
from plugins.supervision.models.attachments import SupervisionAttachment
from plugins.supervision.models.common import LockedRecordError
from plugins.supervision.models.disclosures import Disclosure, DisclosureDue
from plugins.supervision.models.funds import FundAccount, FundPeriod, Voucher, VoucherLine
from plugins.supervision.models.inspections import (
    InspectionFinding,
    InspectionRound,
    InspectionTarget,
)
from plugins.supervision.models.matters import MajorMatter, MatterMeeting
from plugins.supervision.models.power import PowerItem, PowerStep
from plugins.supervision.models.ratings import CadreRating, CadreRatingCampaign, RatedCadre

__all__ = [
    "CadreRating",
    "CadreRatingCampaign",
    "CollectiveAsset",
    "CollectiveResource",
    "Disclosure",
    "DisclosureDue",
    "FundAccount",
    "FundPeriod",
    "InspectionFinding",
    "InspectionRound",
    "InspectionTarget",
    "LockedRecordError",
    "MajorMatter",
    "MatterMeeting",
    "PowerItem",
    "PowerStep",
    "RatedCadre",
    "RentDue",
    "RentPayment",
    "ResourceContract",
    "SupervisionAttachment",
    "Voucher",
    "VoucherLine",
]
