"""Golden cases of altai-college-2016 («Примерный порядок ведения модуля «Сетевой Город.
Образование» в Колледже», Алтайский край, 2016) through ``viewer.can`` as the demo accounts."""

from __future__ import annotations

import pytest

from tests.policies.golden.asking import Golden
from tests.policies.golden.cases import (
    Case,
    allow,
    base_cases,
    check,
    deny,
    null,
    params,
    table,
)
from tests.policies.golden.pickers import (
    REGION,
    any_row,
    no_row,
    row_authored,
    row_elsewhere,
    row_final_set,
    row_in_curated_group,
    row_not_taught,
    row_of_other_child,
    row_of_own_child,
    row_taught,
    self_row,
)

SLUG = "altai-college-2016"

OWN: list[Case] = [
    # student and parent: the institution's card, bells, periods and years on their screens
    allow("student", "institution", "read", any_row, "п. 1.8"),
    allow("student", "institution", "read", any_row, "п. 2.3"),
    allow("parent", "institution", "read", any_row, "п. 4.5"),
    allow("student", "calendar", "read", any_row, "п. 2.3"),
    allow("parent", "calendar", "read", any_row, "п. 2.3"),
    allow("student", "period", "read", any_row, "п. 2.7"),
    allow("parent", "period", "read", any_row, "п. 2.7"),
    allow("student", "academic_year", "read", any_row, "п. 2.7"),
    allow("parent", "academic_year", "read", any_row, "п. 2.7"),
    # administrator (п. 4.1; credentials п. 3.3)
    allow("administrator", "institution", "update", any_row, "п. 4.1"),
    allow("administrator", "student", "read", any_row, "п. 4.1"),
    allow("administrator", "student", "import", any_row, "п. 4.1"),
    allow("administrator", "employee", "export", any_row, "п. 4.1"),
    allow("administrator", "room", "create", any_row, "п. 4.1"),
    allow("administrator", "position", "delete", any_row, "п. 4.1"),
    allow("administrator", "ruleset", "switch", any_row, "п. 4.1"),
    allow("administrator", "role.teacher", "grant", any_row, "п. 4.1"),
    allow("administrator", "role.administrator", "grant", any_row, "п. 3.3"),
    allow("administrator", "role.parent", "grant", row_in_curated_group, "п. 3.3"),
    allow("administrator", "account", "reset_password", any_row, "п. 4.1"),
    deny("hr_specialist", "role.teacher", "grant", any_row),
    deny("director", "role.administrator", "grant", any_row),
    deny("curator", "role.teacher", "grant", any_row),
    deny("hr_specialist", "account", "reset_password", any_row),
    allow("administrator", "account", "update", any_row, "п. 4.1"),
    allow("administrator", "employee", "issue_credentials", any_row, "п. 3.3"),
    allow("administrator", "employee", "issue_credentials", any_row, "п. 3.3"),
    allow("administrator", "student", "issue_credentials", any_row, "п. 3.3"),
    allow("administrator", "parent", "issue_credentials", any_row, "п. 3.3"),
    allow("administrator", "account", "revoke_sessions", any_row, "п. 4.4"),
    allow("administrator", "audit", "read", any_row, "п. 6.1"),
    allow("administrator", "period", "close", any_row, "п. 4.1"),
    allow("administrator", "period", "reopen", any_row, "п. 4.1"),
    allow("administrator", "academic_year", "close", any_row, "п. 4.1"),
    allow("administrator", "report", "export", any_row, "п. 4.1"),
    deny("administrator", "mark", "update", row_taught),
    deny("administrator", "student.personal", "read", any_row),
    # hr_specialist (п. 4.2): staff, groups, movement of students
    allow("hr_specialist", "employee", "create", any_row, "п. 4.2"),
    allow("hr_specialist", "employee.personal", "read", any_row, "п. 4.2"),
    allow("hr_specialist", "employee.personal", "update", any_row, "п. 4.2"),
    allow("hr_specialist", "group", "create", any_row, "п. 4.2"),
    allow("hr_specialist", "department", "update", any_row, "п. 4.2"),
    allow("hr_specialist", "movement_order", "create", any_row, "п. 4.2"),
    allow("hr_specialist", "student", "create", any_row, "п. 4.2"),
    allow("hr_specialist", "student", "update", any_row, "п. 4.3"),
    allow("hr_specialist", "student.personal", "create", any_row, "п. 4.2"),
    allow("hr_specialist", "student.personal", "update", any_row, "п. 4.3"),
    deny("hr_specialist", "mark", "read", any_row),
    deny("hr_specialist", "student.health", "read", any_row),
    # curator (п. 4.3, 3.4): his group's data; the journal read only
    allow("curator", "student", "update", row_in_curated_group, "п. 4.3"),
    allow("curator", "student.personal", "update", row_in_curated_group, "п. 4.3"),
    allow("curator", "subgroup", "create", row_in_curated_group, "п. 4.3"),
    allow("curator", "subgroup", "update", row_in_curated_group, "п. 4.3"),
    allow("curator", "subgroup", "delete", row_in_curated_group, "п. 4.3"),
    allow("curator", "portfolio", "read", row_in_curated_group, "п. 3.4"),
    allow("curator", "portfolio", "create", row_in_curated_group, "п. 3.4"),
    allow("curator", "portfolio", "update", row_in_curated_group, "п. 3.4"),
    deny("curator", "attendance.reason", "update", row_in_curated_group),
    deny("curator", "mark", "update", row_in_curated_group),
    deny("curator", "student", "update", row_of_other_child),
    deny("curator", "subgroup", "create", row_not_taught),
    deny("curator", "mark", "read", row_not_taught),
    deny("curator", "student.personal", "read", row_of_other_child),
    # teacher (п. 4.6): no mark edits once the period's final marks are set
    allow("teacher", "mark", "create", row_taught, "п. 4.6"),
    allow("teacher", "mark", "update", row_taught, "п. 4.6"),
    allow("teacher", "mark", "delete", row_taught, "п. 4.6"),
    deny("teacher", "mark", "update", row_final_set),
    deny("teacher", "mark", "delete", row_final_set),
    deny("teacher", "mark", "read", row_not_taught),
    deny("teacher", "mark", "update", row_not_taught),
    deny("teacher", "journal", "read", row_not_taught),
    deny("teacher", "lesson", "update", row_not_taught),
    deny("teacher", "attendance.reason", "update", row_taught),
    allow("teacher", "subgroup", "create", row_taught, "п. 4.6"),
    allow("teacher", "subgroup", "update", row_taught, "п. 4.6"),
    deny("teacher", "subgroup", "delete", row_taught),
    allow("teacher", "report", "read", row_taught, "п. 4.6"),
    allow("teacher", "report", "export", row_taught, "п. 4.6"),
    deny("teacher", "report", "read", row_not_taught),
    allow("teacher", "portfolio", "read", row_taught, "п. 3.4"),
    allow("teacher", "portfolio", "create", row_taught, "п. 3.4"),
    allow("teacher", "portfolio", "update", row_authored, "п. 3.4"),
    deny("teacher", "portfolio", "read", row_not_taught),
    # deputy_director (п. 4.7): every journal, without editing
    allow("deputy_director", "journal", "read", any_row, "п. 4.7"),
    allow("deputy_director", "lesson", "read", any_row, "п. 4.7"),
    allow("deputy_director", "mark", "read", any_row, "п. 4.7"),
    allow("deputy_director", "attendance.reason", "read", any_row, "п. 4.7"),
    allow("deputy_director", "final_mark", "read", any_row, "разд. 5"),
    allow("deputy_director", "subgroup", "read", any_row, "п. 4.7"),
    allow("deputy_director", "thematic_plan", "read", any_row, "п. 2.8"),
    allow("deputy_director", "curriculum", "delete", any_row, "п. 4.7"),
    allow("deputy_director", "discipline", "create", any_row, "п. 4.7"),
    allow("deputy_director", "timetable", "create", any_row, "п. 4.7"),
    allow("deputy_director", "timetable", "update", any_row, "п. 4.7"),
    allow("deputy_director", "report", "read", any_row, "п. 6.4"),
    deny("deputy_director", "mark", "update", any_row),
    deny("deputy_director", "lesson", "update", any_row),
    # director (п. 4.8, разд. 5): every journal, without editing; appoints (п. 1.4)
    allow("director", "journal", "read", any_row, "п. 4.8"),
    allow("director", "mark", "read", any_row, "п. 4.8"),
    allow("director", "attendance", "read", any_row, "п. 4.8"),
    allow("director", "final_mark", "read", any_row, "разд. 5"),
    allow("director", "teaching_assignment", "read", any_row, "п. 4.8"),
    allow("director", "report", "read", any_row, "разд. 5"),
    allow("director", "audit", "read", any_row, "разд. 5"),
    allow("director", "role_assignment", "read", any_row, "п. 1.4"),
    deny("director", "mark", "update", row_taught),
    deny("director", "attendance.reason", "update", any_row),
    # parent (п. 4.5): his child only, and the college's events
    # the college's general events (no id: an announcement of no group), the child's
    # group's by base's own_child line; other groups' are not his
    allow("parent", "announcement", "read", no_row, "п. 4.5"),
    deny("parent", "announcement", "read", row_of_other_child),
    deny("parent", "student", "read", row_of_other_child),
    deny("parent", "mark", "read", row_of_other_child),
    deny("parent", "final_mark", "read", row_of_other_child),
    deny("parent", "mark", "update", row_of_own_child),
    null("parent", "student", "read", row_elsewhere),
    # student (п. 4.4): his own data only, read only
    deny("student", "mark", "read", row_of_other_child),
    deny("student", "student", "read", row_of_other_child),
    deny("student", "mark", "create", self_row),
    # the region's authority: aggregates, no personal data or marks
    deny("authority", "student", "read", any_row, realm=REGION),
    deny("authority", "mark", "read", any_row, realm=REGION),
]

CASES = table(SLUG, OWN, base_cases(SLUG, "hr_specialist"))


@pytest.mark.parametrize("case", params(CASES))
async def test_altai(golden: Golden, case: Case) -> None:
    check(case, await golden.ask(case, CASES))
