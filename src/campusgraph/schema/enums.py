"""The domain's enums, exposed to GraphQL under the same names."""

from __future__ import annotations

import strawberry

from campusgraph.db import enums as e

InstitutionKind = strawberry.enum(e.InstitutionKind, description="School or college (СПО).")
PeriodKind = strawberry.enum(e.PeriodKind, description="Quarter, half-year, semester or year.")
DisciplineKind = strawberry.enum(
    e.DisciplineKind, description="Subject (school), УД, МДК, ПМ or practice (college)."
)
AttestationForm = strawberry.enum(e.AttestationForm, description="Form of attestation.")
Sex = strawberry.enum(e.Sex)
StudentStatus = strawberry.enum(e.StudentStatus)
LessonType = strawberry.enum(e.LessonType, description="Kind of lesson.")
WorkKind = strawberry.enum(
    e.WorkKind, description="Kind of graded work: контрольная, самостоятельная, устный ответ …"
)
AttendanceStatus = strawberry.enum(
    e.AttendanceStatus, description="Absent or late; presence is the default."
)
AbsenceReason = strawberry.enum(e.AbsenceReason, description="Excused, unexcused or illness.")
FinalMarkKind = strawberry.enum(e.FinalMarkKind, description="Which final mark.")
MovementKind = strawberry.enum(e.MovementKind)
TimetableKind = strawberry.enum(e.TimetableKind)
ParentKind = strawberry.enum(e.ParentKind)
FundingSource = strawberry.enum(e.FundingSource)
StudyForm = strawberry.enum(e.StudyForm)
