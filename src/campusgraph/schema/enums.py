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
Sex = strawberry.enum(e.Sex, description="Sex as recorded in the card.")
StudentStatus = strawberry.enum(
    e.StudentStatus, description="Studying, on academic leave, expelled or graduated."
)
LessonType = strawberry.enum(e.LessonType, description="Kind of lesson.")
WorkKind = strawberry.enum(
    e.WorkKind, description="Kind of graded work: контрольная, самостоятельная, устный ответ …"
)
AttendanceStatus = strawberry.enum(
    e.AttendanceStatus, description="Absent or late; presence is the default."
)
AbsenceReason = strawberry.enum(e.AbsenceReason, description="Excused, unexcused or illness.")
FinalMarkKind = strawberry.enum(e.FinalMarkKind, description="Which final mark.")
MovementKind = strawberry.enum(e.MovementKind, description="Kind of movement order.")
TimetableKind = strawberry.enum(
    e.TimetableKind, description="Lesson, exam-session or state-exam slot."
)
ParentKind = strawberry.enum(e.ParentKind, description="Mother, father or guardian.")
FundingSource = strawberry.enum(e.FundingSource, description="Budget or contract.")
StudyForm = strawberry.enum(e.StudyForm, description="Full-time, part-time or extramural.")
