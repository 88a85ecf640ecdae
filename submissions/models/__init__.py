"""The domain's tables, one module per part; everything is re-exported here by name so that
`from submissions.models import Entry` keeps working and Django finds every model."""

from ..enums import (
    SCORE_MAX,
    SCORE_MIN,
    AttachmentKind,
    EntrySource,
    EntryStatus,
    IPKind,
    Maturity,
    OrganisationType,
    RecommenderType,
)
from .accounts import User, UserManager
from .attachment import Attachment, attachment_path, thumbnail_path
from .edition import Category, Edition, EditionQuerySet, Page, TechnicalField
from .entry import (
    Award,
    CoApplicant,
    Contributor,
    Entry,
    EntryRow,
    Indicator,
    IntellectualProperty,
    StatusChange,
)
from .mail import OutgoingMail
from .reference import ReferenceCounter
from .review import (
    Assignment,
    Ballot,
    Conflict,
    Criterion,
    Review,
    Round,
    Score,
    SelectionDecision,
    SelectionOutcome,
    Vote,
)

__all__ = [
    "SCORE_MAX", "SCORE_MIN", "AttachmentKind", "EntrySource", "EntryStatus", "IPKind", "Maturity",
    "OrganisationType", "RecommenderType",
    "User", "UserManager", "Attachment", "attachment_path", "thumbnail_path",
    "Category", "Edition", "EditionQuerySet", "Page", "TechnicalField",
    "Award", "CoApplicant", "Contributor", "Entry", "EntryRow", "Indicator", "IntellectualProperty", "StatusChange",
    "OutgoingMail", "ReferenceCounter",
    "Assignment", "Ballot", "Conflict", "Criterion", "Review", "Round", "Score", "SelectionDecision",
    "SelectionOutcome", "Vote",
]
