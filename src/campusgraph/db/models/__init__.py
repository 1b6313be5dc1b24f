"""All tables, importable from one place (Alembic autogenerate needs them registered)."""

from campusgraph.db.models.accounts import AuthSession, RoleAssignment, UserAccount
from campusgraph.db.models.audit import AuditEvent
from campusgraph.db.models.calendar import (
    AcademicYear,
    BellSlot,
    DayOff,
    DayTransfer,
    Period,
    Position,
    Room,
)
from campusgraph.db.models.community import Announcement, Message, PortfolioEntry
from campusgraph.db.models.idempotency import IdempotencyKey
from campusgraph.db.models.journal import (
    Attendance,
    FinalMark,
    IndividualHomework,
    Lesson,
    Mark,
    Work,
)
from campusgraph.db.models.orders import MovementOrder, MovementOrderItem
from campusgraph.db.models.people import (
    Applicant,
    Employee,
    EmployeePersonal,
    EmployeePosition,
    Parent,
    ParentLink,
    ParentPersonal,
    Person,
    Student,
    StudentPersonal,
)
from campusgraph.db.models.structure import (
    Curriculum,
    CurriculumItem,
    Department,
    Discipline,
    EducationalProgram,
    GroupMembership,
    Speciality,
    StudyGroup,
    Subgroup,
    SubgroupMember,
)
from campusgraph.db.models.teaching import (
    Curatorship,
    Substitution,
    TeachingAssignment,
    ThematicPlan,
    ThematicPlanTopic,
    TimetableEntry,
)
from campusgraph.db.models.tenancy import Institution, Region
from campusgraph.db.models.throttle import SignInThrottle

__all__ = [
    "AcademicYear",
    "Announcement",
    "Applicant",
    "Attendance",
    "AuditEvent",
    "AuthSession",
    "BellSlot",
    "Curatorship",
    "Curriculum",
    "CurriculumItem",
    "DayOff",
    "DayTransfer",
    "Department",
    "Discipline",
    "EducationalProgram",
    "Employee",
    "EmployeePersonal",
    "EmployeePosition",
    "FinalMark",
    "GroupMembership",
    "IdempotencyKey",
    "IndividualHomework",
    "Institution",
    "Lesson",
    "Mark",
    "Message",
    "MovementOrder",
    "MovementOrderItem",
    "Parent",
    "ParentLink",
    "ParentPersonal",
    "Period",
    "Person",
    "PortfolioEntry",
    "Position",
    "Region",
    "RoleAssignment",
    "Room",
    "SignInThrottle",
    "Speciality",
    "Student",
    "StudentPersonal",
    "StudyGroup",
    "Subgroup",
    "SubgroupMember",
    "Substitution",
    "TeachingAssignment",
    "ThematicPlan",
    "ThematicPlanTopic",
    "TimetableEntry",
    "UserAccount",
    "Work",
]
