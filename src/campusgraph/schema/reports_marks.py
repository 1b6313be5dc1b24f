"""The marks reports as typed queries (declared in :mod:`campusgraph.reports.marks`).

Each query goes through :func:`~campusgraph.schema.reports.run_report`, so access is the
report frame's: a level the ruleset does not grant is FORBIDDEN (the field null, the error
at its path), a report listing students needs every one of them readable, and an
aggregate seen by a viewer who may not read them all has its small cells null.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from campusgraph.reports import marks as r
from campusgraph.reports.registry import REPORTS, ReportName
from campusgraph.schema.base import to_global_id
from campusgraph.schema.reports import report_query


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@strawberry.type(description="A group a marks report is about.")
class MarksReportGroup:
    id: strawberry.ID = strawberry.field(description="The Group's global id.")
    name: str = strawberry.field(description="The group's (class's) name.")

    @classmethod
    def of(cls, named: r.Named) -> MarksReportGroup:
        return cls(id=to_global_id("Group", named.id), name=named.name)


@strawberry.type(description="A discipline a marks report is about.")
class MarksReportDiscipline:
    id: strawberry.ID = strawberry.field(description="The Discipline's global id.")
    name: str = strawberry.field(description="The discipline's name.")

    @classmethod
    def of(cls, named: r.Named) -> MarksReportDiscipline:
        return cls(id=to_global_id("Discipline", named.id), name=named.name)


@strawberry.type(description="A student a marks report lists.")
class MarksReportStudent:
    id: strawberry.ID = strawberry.field(description="The Student's global id.")
    full_name: str = strawberry.field(description="Surname, name and patronymic.")

    @classmethod
    def of(cls, named: r.Named) -> MarksReportStudent:
        return cls(id=to_global_id("Student", named.id), full_name=named.name)


@strawberry.type(description="What a marks report was computed for, as its printed form heads it.")
class MarksReportHeader:
    title: str = strawberry.field(description="The report's title, in the language asked.")
    institution_name: str = strawberry.field(description="The institution's full name.")
    group: MarksReportGroup | None = strawberry.field(description="The group; null above it.")
    discipline: MarksReportDiscipline | None = strawberry.field(
        description="The discipline, at the group × discipline level."
    )
    period_name: str | None = strawberry.field(description="The period asked, if one was.")
    date_from: dt.date | None = strawberry.field(
        description="First day counted (the period's start); null: from the first mark."
    )
    date_to: dt.date | None = strawberry.field(
        description="Last day counted (the period's end); null: to the last mark."
    )

    @classmethod
    def of(cls, header: r.Header, name: ReportName, lang: str) -> MarksReportHeader:
        return cls(
            title=REPORTS[name].title(lang),
            institution_name=header.institution.name,
            group=None if header.group is None else MarksReportGroup.of(header.group),
            discipline=None
            if header.discipline is None
            else MarksReportDiscipline.of(header.discipline),
            period_name=header.period_name,
            date_from=header.date_from,
            date_to=header.date_to,
        )


# -- итоги успеваемости -------------------------------------------------------------------


@strawberry.type(description="One student in one discipline: the period's marks and final mark.")
class GroupResultsCell:
    marks: int = strawberry.field(description="Marks given in the dates (credits included).")
    average: float | None = strawberry.field(
        description="Mean of the numeric marks («2»..«5»), half-up to hundredths; null: none."
    )
    final_mark: str | None = strawberry.field(
        description="The period mark («5».., «pass», «fail»: year, else semester, else "
        "period kind); null: not given."
    )


@strawberry.type(description="One student's row of group results.")
class GroupResultsRow:
    student: MarksReportStudent = strawberry.field(description="The student.")
    cells: list[GroupResultsCell] = strawberry.field(
        description="One per discipline, aligned with `GroupResults.disciplines`."
    )
    marks: int = strawberry.field(description="His marks in every discipline.")
    average: float | None = strawberry.field(
        description="Mean of all his numeric marks (not of the disciplines' averages)."
    )


@strawberry.type(description="Totals of a discipline (or of the group) in group results.")
class GroupResultsTotal:
    marks: int = strawberry.field(description="Marks given.")
    average: float | None = strawberry.field(description="Mean of all numeric marks.")
    final_marks: int = strawberry.field(description="Period marks given.")
    failing: int = strawberry.field(description="Of them «2» or «fail».")


@strawberry.type(
    description="Итоги успеваемости группы за период: per student × discipline the marks "
    "count, average and period mark; totals per discipline and for the group."
)
class GroupResults:
    header: MarksReportHeader = strawberry.field(description="What the report is of.")
    disciplines: list[MarksReportDiscipline] = strawberry.field(
        description="The columns: disciplines with a mark or a period mark, by code and name."
    )
    rows: list[GroupResultsRow] = strawberry.field(
        description="The group's students in the dates, by surname."
    )
    discipline_totals: list[GroupResultsTotal] = strawberry.field(
        description="One per discipline, aligned with `disciplines`."
    )
    total: GroupResultsTotal = strawberry.field(description="The whole group.")

    @classmethod
    def of(cls, data: r.GroupResults, lang: str) -> GroupResults:
        def total(t: r.ResultTotal) -> GroupResultsTotal:
            return GroupResultsTotal(
                marks=t.marks,
                average=_float(t.average),
                final_marks=t.final_marks,
                failing=t.failing,
            )

        return cls(
            header=MarksReportHeader.of(data.header, ReportName.GROUP_RESULTS, lang),
            disciplines=[MarksReportDiscipline.of(d) for d in data.disciplines],
            rows=[
                GroupResultsRow(
                    student=MarksReportStudent.of(row.student),
                    cells=[
                        GroupResultsCell(
                            marks=c.marks, average=_float(c.average), final_mark=c.final_mark
                        )
                        for c in row.cells
                    ],
                    marks=row.marks,
                    average=_float(row.average),
                )
                for row in data.rows
            ],
            discipline_totals=[total(t) for t in data.discipline_totals],
            total=total(data.total),
        )


# -- успеваемость и качество -----------------------------------------------------------------


@strawberry.type(
    description="Achievement and quality over some students: a group, a group × discipline, "
    "or the whole level. Figures over fewer students than the small-cell minimum are null "
    "(`suppressed`) for a viewer who may not read every student (the region authority)."
)
class AchievementQualityRow:
    group: MarksReportGroup | None = strawberry.field(description="Null: every group.")
    discipline: MarksReportDiscipline | None = strawberry.field(
        description="Null: every discipline."
    )
    students: int = strawberry.field(description="Students with a result here.")
    achieving: int | None = strawberry.field(description="Of them with no «2» and no «fail».")
    good: int | None = strawberry.field(
        description="Of them achieving with only «4» and «5» among numeric results."
    )
    achievement: float | None = strawberry.field(
        description="Успеваемость: `achieving` / `students`, percent to one place."
    )
    quality: float | None = strawberry.field(
        description="Качество знаний: `good` / `students`, percent to one place."
    )
    suppressed: bool = strawberry.field(
        description="The figures are hidden: too few students to show them to you."
    )

    @classmethod
    def of(cls, row: r.QualityRow) -> AchievementQualityRow:
        return cls(
            group=None if row.group is None else MarksReportGroup.of(row.group),
            discipline=None if row.discipline is None else MarksReportDiscipline.of(row.discipline),
            students=row.students,
            achieving=row.achieving,
            good=row.good,
            achievement=_float(row.achievement),
            quality=_float(row.quality),
            suppressed=row.suppressed,
        )


@strawberry.type(
    description="Успеваемость и качество знаний. A student's result in a discipline is his "
    "period mark (year, else semester, else period kind), else his average of numeric "
    "marks rounded half up to a whole mark (3.5 → «4», 3.49 → «3»); with neither he has no "
    "result there and is not counted. Achievement: the share with no «2»/«fail»; quality: "
    "the share achieving with every numeric result «4» or «5»."
)
class AchievementQuality:
    header: MarksReportHeader = strawberry.field(description="What the report is of.")
    groups: list[AchievementQualityRow] = strawberry.field(
        description="One row per group of the level, over all its disciplines."
    )
    disciplines: list[AchievementQualityRow] = strawberry.field(
        description="One row per group × discipline (at the group, group × discipline and "
        "teacher levels; empty above them)."
    )
    total: AchievementQualityRow = strawberry.field(
        description="The whole level: each student once, over all his results."
    )

    @classmethod
    def of(cls, data: r.AchievementQuality, lang: str) -> AchievementQuality:
        return cls(
            header=MarksReportHeader.of(data.header, ReportName.ACHIEVEMENT_QUALITY, lang),
            groups=[AchievementQualityRow.of(x) for x in data.groups],
            disciplines=[AchievementQualityRow.of(x) for x in data.disciplines],
            total=AchievementQualityRow.of(data.total),
        )


# -- средний балл ---------------------------------------------------------------------------


@strawberry.type(description="A student's marks in one discipline.")
class StudentDisciplineAverage:
    discipline: MarksReportDiscipline = strawberry.field(description="The discipline.")
    marks: int = strawberry.field(description="Marks given in the dates (credits included).")
    average: float | None = strawberry.field(
        description="Mean of the numeric marks, half-up to hundredths; null: none numeric."
    )


@strawberry.type(description="One student's averages.")
class StudentAverageRow:
    student: MarksReportStudent = strawberry.field(description="The student.")
    disciplines: list[StudentDisciplineAverage] = strawberry.field(
        description="The disciplines he has marks in, by code and name."
    )
    marks: int = strawberry.field(description="All his marks in the dates.")
    average: float | None = strawberry.field(
        description="Mean of all his numeric marks (not of the disciplines' averages)."
    )


@strawberry.type(
    description="Средний балл обучающегося: per discipline and overall, over the dates."
)
class StudentAverage:
    header: MarksReportHeader = strawberry.field(description="What the report is of.")
    students: list[StudentAverageRow] = strawberry.field(
        description="The student asked, or every student of the group asked, by surname."
    )

    @classmethod
    def of(cls, data: r.StudentAverage, lang: str) -> StudentAverage:
        return cls(
            header=MarksReportHeader.of(data.header, ReportName.STUDENT_AVERAGE, lang),
            students=[
                StudentAverageRow(
                    student=MarksReportStudent.of(row.student),
                    disciplines=[
                        StudentDisciplineAverage(
                            discipline=MarksReportDiscipline.of(c.discipline),
                            marks=c.marks,
                            average=_float(c.average),
                        )
                        for c in row.disciplines
                    ],
                    marks=row.marks,
                    average=_float(row.average),
                )
                for row in data.students
            ],
        )


# -- сводная ведомость ------------------------------------------------------------------------


@strawberry.type(description="One cell of the summary sheet.")
class MarkSummaryCell:
    final_mark: str | None = strawberry.field(description="The period mark; null: not given.")
    average: float | None = strawberry.field(description="Mean of the numeric marks.")
    is_average: bool = strawberry.field(
        description="No period mark is given: the average stands in its place."
    )


@strawberry.type(description="One student's row of the summary sheet.")
class MarkSummaryRow:
    student: MarksReportStudent = strawberry.field(description="The student.")
    cells: list[MarkSummaryCell] = strawberry.field(
        description="One per discipline, aligned with `MarkSummarySheet.disciplines`."
    )


@strawberry.type(
    description="Сводная ведомость отметок: the group's students by the disciplines, each "
    "cell the period mark, or the average (marked as such) where none is given."
)
class MarkSummarySheet:
    header: MarksReportHeader = strawberry.field(description="What the report is of.")
    disciplines: list[MarksReportDiscipline] = strawberry.field(description="The columns.")
    rows: list[MarkSummaryRow] = strawberry.field(description="The students, by surname.")

    @classmethod
    def of(cls, data: r.MarkSummarySheet, lang: str) -> MarkSummarySheet:
        return cls(
            header=MarksReportHeader.of(data.header, ReportName.MARK_SUMMARY_SHEET, lang),
            disciplines=[MarksReportDiscipline.of(d) for d in data.disciplines],
            rows=[
                MarkSummaryRow(
                    student=MarksReportStudent.of(row.student),
                    cells=[
                        MarkSummaryCell(
                            final_mark=c.final_mark,
                            average=_float(c.average),
                            is_average=c.is_average,
                        )
                        for c in row.cells
                    ],
                )
                for row in data.rows
            ],
        )


# -- экзаменационная и зачётная ведомости ---------------------------------------------------


@strawberry.type(description="One student's line of an exam or credit sheet.")
class AttestationSheetRow:
    student: MarksReportStudent = strawberry.field(description="The student.")
    mark: str | None = strawberry.field(
        description="«5»..«2», «pass» or «fail»; null: not given yet."
    )
    date: dt.date | None = strawberry.field(
        description="The day the mark was set (else the period's last day)."
    )
    teacher: str | None = strawberry.field(description="Who set the mark.")


@strawberry.type(description="How many students got one mark.")
class MarkCount:
    mark: str = strawberry.field(description="«5»..«2», «pass» or «fail».")
    count: int = strawberry.field(description="Students with it.")


@strawberry.type(
    description="Экзаменационная (final marks of kind `exam`) or зачётная ведомость (kind "
    "`attestation`: зачёт, дифференцированный зачёт) of a group in a discipline."
)
class AttestationSheet:
    header: MarksReportHeader = strawberry.field(description="What the sheet is of.")
    teachers: list[str] = strawberry.field(
        description="The discipline's teachers in the group (teaching assignments)."
    )
    rows: list[AttestationSheetRow] = strawberry.field(description="The students, by surname.")
    totals: list[MarkCount] = strawberry.field(
        description="Each mark «5»..«2» (and «pass»/«fail» where given) with its count."
    )
    not_set: int = strawberry.field(description="Students without the mark.")
    average: float | None = strawberry.field(description="Mean of the numeric marks given.")

    @classmethod
    def of(cls, data: r.AttestationSheet, name: ReportName, lang: str) -> AttestationSheet:
        return cls(
            header=MarksReportHeader.of(data.header, name, lang),
            teachers=list(data.teachers),
            rows=[
                AttestationSheetRow(
                    student=MarksReportStudent.of(x.student),
                    mark=x.value,
                    date=x.on,
                    teacher=x.teacher,
                )
                for x in data.rows
            ],
            totals=[MarkCount(mark=c.value, count=c.count) for c in data.totals],
            not_set=data.not_set,
            average=_float(data.average),
        )


REFUSAL = " Null, with FORBIDDEN at its path, where your ruleset does not grant the level."


@strawberry.type(description="The marks reports.")
class MarksReportQueries:
    group_results = report_query(
        ReportName.GROUP_RESULTS,
        GroupResults,
        "Итоги успеваемости группы за период (a group, or a group × discipline)." + REFUSAL,
        GroupResults.of,
    )

    achievement_quality = report_query(
        ReportName.ACHIEVEMENT_QUALITY,
        AchievementQuality,
        "Успеваемость и качество знаний (an institution, a department, a group, "
        "a group × discipline or a teacher's groups × disciplines)." + REFUSAL,
        AchievementQuality.of,
    )

    student_average = report_query(
        ReportName.STUDENT_AVERAGE,
        StudentAverage,
        "Средний балл обучающегося (a student, or every student of a group)." + REFUSAL,
        StudentAverage.of,
    )

    mark_summary_sheet = report_query(
        ReportName.MARK_SUMMARY_SHEET,
        MarkSummarySheet,
        "Сводная ведомость отметок of a group." + REFUSAL,
        MarkSummarySheet.of,
    )

    exam_sheet = report_query(
        ReportName.EXAM_SHEET,
        AttestationSheet,
        "Экзаменационная ведомость of a group × discipline." + REFUSAL,
        lambda data, lang: AttestationSheet.of(data, ReportName.EXAM_SHEET, lang),
    )

    credit_sheet = report_query(
        ReportName.CREDIT_SHEET,
        AttestationSheet,
        "Зачётная ведомость of a group × discipline." + REFUSAL,
        lambda data, lang: AttestationSheet.of(data, ReportName.CREDIT_SHEET, lang),
    )
