"""Golden cases of nshds12-2021 (Положение о ведении электронного учёта успеваемости
МКОУ НШДС № 12, 2021) through ``viewer.can`` as the demo accounts.

Section 4 of this regulation is split by role, not numbered: a clause is «разд. 4 «Role»».
The subject teacher teaches every class (English, music), so "not taught" here is a
class × subject he does not teach."""

from __future__ import annotations

import pytest

from tests.policies.golden.asking import Golden
from tests.policies.golden.cases import (
    Case,
    allow,
    base_cases,
    check,
    deny,
    line_of,
    null,
    params,
    table,
)
from tests.policies.golden.pickers import (
    REGION,
    any_row,
    row_authored,
    row_elsewhere,
    row_in_curated_group,
    row_not_taught,
    row_of_other_child,
    row_of_own_child,
    row_taught,
    self_row,
)

SLUG = "nshds12-2021"
DIRECTOR = "разд. 4 «Директор школы»"
ADMIN = "разд. 4 «Системный администратор»"
METHODIST = "разд. 4 «Методист по УВР»"
SECRETARY = "разд. 4 «Секретарь»"
CLASS_TEACHER = "разд. 4 «Классные руководители»"
SUBJECT_TEACHER = "разд. 4 «Учителя-предметники»"

#: The deny lines (разд. 6: «Категорически запрещается допускать обучающихся к работе с ЭЖ»).
STUDENT_NEVER = [
    (obj, act)
    for obj in ("lesson", "work", "mark", "attendance", "final_mark")
    for act in ("create", "update", "delete")
] + [("attendance.reason", "update")]


OWN: list[Case] = [
    # student and parent: the institution's card, bells, periods and years on their screens
    allow("student", "institution", "read", any_row, "п. 3.4"),
    allow("parent", "institution", "read", any_row, "п. 3.3"),
    allow("parent", "institution", "read", any_row, "п. 1.4"),
    allow("student", "period", "read", any_row, "п. 2.2"),
    allow("parent", "period", "read", any_row, "п. 2.2"),
    allow("student", "academic_year", "read", any_row, "п. 2.2"),
    allow("parent", "academic_year", "read", any_row, "п. 2.2"),
    # student: never works in the journal (разд. 6): each deny line, on his own rows
    *(
        deny(
            "student",
            obj,
            act,
            self_row,
            "разд. 6",
            line=line_of(SLUG, "student", obj, act, "institution"),
        )
        for obj, act in STUDENT_NEVER
    ),
    deny("student", "mark", "read", row_of_other_child),
    deny("student", "student", "read", row_of_other_child),
    # director «Директор школы»: controls everything, edits nothing
    allow("director", "journal", "read", any_row, DIRECTOR),
    allow("director", "lesson", "read", any_row, DIRECTOR),
    allow("director", "work", "read", any_row, DIRECTOR),
    allow("director", "mark", "read", any_row, DIRECTOR),
    allow("director", "attendance", "read", any_row, DIRECTOR),
    allow("director", "attendance.reason", "read", any_row, DIRECTOR),
    allow("director", "final_mark", "read", any_row, DIRECTOR),
    allow("director", "group", "read", any_row, DIRECTOR),
    allow("director", "student", "read", any_row, DIRECTOR),
    allow("director", "teaching_assignment", "read", any_row, DIRECTOR),
    allow("director", "report", "read", any_row, "разд. 5"),
    allow("director", "audit", "read", any_row, "разд. 5"),
    deny("director", "mark", "update", any_row),
    deny("director", "ruleset", "switch", any_row),
    # system_admin «Системный администратор»
    allow("system_admin", "account", "read", any_row, ADMIN),
    allow("system_admin", "employee", "issue_credentials", any_row, "п. 3.1"),
    allow("system_admin", "employee", "issue_credentials", any_row, "п. 3.1"),
    allow("system_admin", "student", "issue_credentials", any_row, "п. 3.1"),
    allow(
        "system_admin",
        "role.subject_teacher",
        "grant",
        any_row,
        "разд. 4 «Системный администратор»",
    ),
    allow("system_admin", "role.director", "grant", any_row, "п. 3.1"),
    allow("system_admin", "role.parent", "grant", row_in_curated_group, "п. 3.1"),
    allow("system_admin", "account", "reset_password", any_row, "п. 3.1"),
    deny("system_admin", "role.authority", "grant", any_row),
    deny("director", "role.system_admin", "grant", any_row),
    deny("secretary", "account", "reset_password", any_row),
    allow("system_admin", "parent", "issue_credentials", any_row, "п. 3.1"),
    allow("system_admin", "account", "revoke_sessions", any_row, "разд. 6"),
    allow("system_admin", "audit", "read", any_row, "разд. 5"),
    allow("system_admin", "journal", "export", any_row, ADMIN),
    allow("system_admin", "report", "read", any_row, ADMIN),
    allow("system_admin", "report", "export", any_row, ADMIN),
    allow("system_admin", "institution", "update", any_row, ADMIN),
    allow("system_admin", "academic_year", "create", any_row, ADMIN),
    allow("system_admin", "period", "update", any_row, ADMIN),
    allow("system_admin", "period", "close", any_row, "no clause"),
    allow("system_admin", "period", "reopen", any_row, "no clause"),
    allow("system_admin", "calendar", "delete", any_row, ADMIN),
    allow("system_admin", "room", "create", any_row, ADMIN),
    allow("system_admin", "position", "update", any_row, ADMIN),
    allow("system_admin", "discipline", "create", any_row, ADMIN),
    allow("system_admin", "curriculum", "create", any_row, ADMIN),
    allow("system_admin", "teaching_assignment", "create", any_row, ADMIN),
    allow("system_admin", "teaching_assignment", "delete", any_row, ADMIN),
    allow("system_admin", "timetable", "create", any_row, "no clause"),
    allow("system_admin", "timetable", "delete", any_row, "no clause"),
    allow("system_admin", "employee", "create", any_row, ADMIN),
    allow("system_admin", "employee.personal", "read", any_row, ADMIN),
    allow("system_admin", "student", "create", any_row, ADMIN),
    allow("system_admin", "student.personal", "update", any_row, ADMIN),
    allow("system_admin", "parent", "read", any_row, "п. 3.1"),
    allow("system_admin", "group", "create", any_row, ADMIN),
    allow("system_admin", "curatorship", "update", any_row, ADMIN),
    allow("system_admin", "movement_order", "create", any_row, ADMIN),
    allow("system_admin", "applicant", "create", any_row, ADMIN),
    deny("system_admin", "mark", "read", any_row),
    deny("system_admin", "parent.personal", "read", any_row),
    # methodist «Методист по УВР» (п. 2.6, 3.5, разд. 5)
    allow("methodist", "journal", "read", any_row, METHODIST),
    allow("methodist", "lesson", "read", any_row, METHODIST),
    allow("methodist", "work", "read", any_row, METHODIST),
    allow("methodist", "mark", "read", any_row, METHODIST),
    allow("methodist", "attendance", "read", any_row, METHODIST),
    allow("methodist", "attendance.reason", "read", any_row, METHODIST),
    allow("methodist", "final_mark", "read", any_row, "разд. 5"),
    allow("methodist", "group", "read", any_row, METHODIST),
    allow("methodist", "student", "read", any_row, METHODIST),
    allow("methodist", "teaching_assignment", "read", any_row, METHODIST),
    allow("methodist", "thematic_plan", "read", any_row, "п. 2.6"),
    allow("methodist", "report", "read", any_row, "разд. 5"),
    allow("methodist", "report", "export", any_row, "п. 3.5"),
    deny("methodist", "mark", "update", any_row),
    # secretary «Секретарь»: staff records, the order book
    allow("secretary", "employee", "create", any_row, SECRETARY),
    allow("secretary", "employee", "update", any_row, SECRETARY),
    allow("secretary", "employee.personal", "read", any_row, SECRETARY),
    allow("secretary", "employee.personal", "update", any_row, SECRETARY),
    allow("secretary", "movement_order", "read", any_row, SECRETARY),
    allow("secretary", "movement_order", "create", any_row, SECRETARY),
    deny("secretary", "student", "read", any_row),
    # class_teacher «Классные руководители»: checks and corrects the class journal
    allow("class_teacher", "lesson", "update", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "mark", "update", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "attendance", "update", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "attendance.reason", "update", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "student", "update", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "student.personal", "update", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "subgroup", "create", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "subgroup", "delete", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "announcement", "read", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "announcement", "create", row_in_curated_group, CLASS_TEACHER),
    allow("class_teacher", "announcement", "update", row_in_curated_group, CLASS_TEACHER),
    deny("class_teacher", "announcement", "delete", row_in_curated_group),
    deny("class_teacher", "mark", "create", row_in_curated_group),
    deny("class_teacher", "mark", "delete", row_in_curated_group),
    deny("class_teacher", "mark", "update", row_not_taught),
    deny("class_teacher", "lesson", "update", row_not_taught),
    deny("class_teacher", "student", "update", row_of_other_child),
    # subject_teacher «Учителя-предметники»
    allow("subject_teacher", "thematic_plan", "create", row_taught, SUBJECT_TEACHER),
    allow("subject_teacher", "thematic_plan", "update", row_taught, SUBJECT_TEACHER),
    deny("subject_teacher", "thematic_plan", "create", row_not_taught),
    allow("subject_teacher", "report", "read", row_taught, SUBJECT_TEACHER),
    allow("subject_teacher", "portfolio", "read", row_authored, SUBJECT_TEACHER),
    allow("subject_teacher", "portfolio", "create", row_authored, SUBJECT_TEACHER),
    allow("subject_teacher", "portfolio", "update", row_authored, SUBJECT_TEACHER),
    deny("subject_teacher", "portfolio", "read", row_taught),
    # teachers' own portfolios: kept by the teacher, controlled by the methodist
    allow("subject_teacher", "portfolio.teacher", "read", self_row, SUBJECT_TEACHER),
    allow("subject_teacher", "portfolio.teacher", "create", self_row, SUBJECT_TEACHER),
    allow("subject_teacher", "portfolio.teacher", "update", self_row, SUBJECT_TEACHER),
    allow("subject_teacher", "portfolio.teacher", "delete", self_row, SUBJECT_TEACHER),
    deny("subject_teacher", "portfolio.teacher", "read", any_row),
    deny("subject_teacher", "portfolio.teacher", "approve", self_row),
    allow("methodist", "portfolio.teacher", "read", any_row, METHODIST),
    allow("methodist", "portfolio.teacher", "approve", any_row, METHODIST),
    deny("methodist", "portfolio.teacher", "update", any_row),
    deny("subject_teacher", "mark", "read", row_not_taught),
    deny("subject_teacher", "mark", "update", row_not_taught),
    deny("subject_teacher", "journal", "read", row_not_taught),
    deny("subject_teacher", "attendance.reason", "update", row_taught),
    # parent; the school's own authority account and the region's
    deny("parent", "student", "read", row_of_other_child),
    deny("parent", "mark", "read", row_of_other_child),
    deny("parent", "mark", "update", row_of_own_child),
    null("parent", "student", "read", row_elsewhere),
    deny("authority", "student", "read", any_row),
    deny("authority", "mark", "read", any_row),
    allow(
        "authority",
        "report",
        "read",
        any_row,
        "nshds12 п. 1.4",
        realm=REGION,
        line=line_of("base", "authority", "report", "read", "region"),
    ),
    deny("authority", "student", "read", any_row, realm=REGION),
    # correspondence (п. 3.3, 3.4): parents and students write to the class teacher and
    # the teachers of their (child's) class
    allow("parent", "correspondent.curator", "create", row_of_own_child, "п. 3.3"),
    allow("parent", "correspondent.teacher", "create", row_of_own_child, "п. 3.3"),
    deny("parent", "correspondent.curator", "create", row_of_other_child),
    allow("student", "correspondent.curator", "create", self_row, "п. 3.4"),
    allow("student", "correspondent.teacher", "create", self_row, "п. 3.4"),
    deny("student", "correspondent.parent", "create", row_of_other_child),
    # the administration (п. 3.3, 3.4: «… и администрацией»)
    allow("parent", "correspondent.administration", "create", any_row, "п. 3.3"),
    allow("student", "correspondent.administration", "create", any_row, "п. 3.4"),
    null("parent", "correspondent.administration", "create", row_elsewhere),
    deny("subject_teacher", "correspondent.parent", "create", row_taught),
]

CASES = table(SLUG, OWN, base_cases(SLUG, "secretary"))


@pytest.mark.parametrize("case", params(CASES))
async def test_nshds12(golden: Golden, case: Case) -> None:
    check(case, await golden.ask(case, CASES))
