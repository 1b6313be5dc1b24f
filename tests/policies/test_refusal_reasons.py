"""Refusals name their reason (policies/reasons.py), through the endpoint and ``policy
explain``, in Russian (the default) and in English (``Accept-Language: en``): a closed
period with the day and who closed it, a final mark set, an attestation mark set, a row
outside the viewer's scope, no line at all. Every answer speaks one language: in an
English one only the citations (the clause, a period's or a person's name) are Russian."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.policies.explain import explain
from campusgraph.policies.ruleset import SHIPPED, search_dirs
from tests.support.journal import Cell, free_cell, period_id

ALTAI = "altai-college-2016"
ARMAVIR = "armavir-technikum-2025"
EN = {"Accept-Language": "en-GB,en;q=0.9"}

REFUSAL = """
  errors {
    code message ruleset rule clause reason
    details { line condition scopes period periodName closedAt closedBy finalMarkKind }
  }
"""
SET_MARK = f"""
mutation ($input: SetMarkInput!) {{ setMark(input: $input) {{ mark {{ id }} {REFUSAL} }} }}
"""
SET_FINAL = """
mutation ($input: SetFinalMarkInput!) {
  setFinalMark(input: $input) { finalMark { id } errors { code message } }
}
"""
CLOSE = """
mutation ($input: ClosePeriodInput!) {
  closePeriod(input: $input) { period { name closedAt } errors { code message } }
}
"""
CAN = """
query ($object: String!, $action: String!, $id: ID, $on: ID) {
  viewer {
    can(object: $object, action: $action, id: $id, on: $on) {
      allowed rule clause reason explanation details { condition scopes closedBy }
    }
  }
}
"""
JOURNAL = """
query ($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) { __typename }
}
"""
COMPLIANCE = """
query ($period: ID!) { institution { compliance(period: $period) { __typename } } }
"""

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def english_apart_from(text: str, *citations: str | None) -> bool:
    """Whether ``text`` is English once the citations it quotes are taken out."""
    for quoted in citations:
        if quoted:
            text = text.replace(quoted, "")
    return CYRILLIC.search(text) is None


def _mark(cell: Cell, value: str, **extra: Any) -> dict[str, Any]:
    return {"input": {"work": cell.work, "student": cell.student, "value": value, **extra}}


async def _full_name(db: Any, slug: str, login: str) -> str:
    async with unscoped(db.factory) as s:
        row = (
            await s.execute(
                select(m.Person.surname, m.Person.name, m.Person.patronymic)
                .join(m.UserAccount, m.UserAccount.person_id == m.Person.id)
                .join(m.Institution, m.Institution.id == m.UserAccount.institution_id)
                .where(m.Institution.slug == slug, m.UserAccount.login == login)
            )
        ).one()
    return " ".join(part for part in row if part)


async def _explain(db: Any, slug: str, login: str, obj: str, act: str, gid: str, lang: str) -> str:
    text, code = await explain(
        db.factory,
        search_dirs(),
        institution=slug,
        login=login,
        obj=obj,
        act=act,
        gid=gid,
        language=lang,
    )
    assert code == 1, text  # a denial
    return text


def _why(said: str) -> str:
    """``policy explain``'s own words about a denial: from "why:" to the clause cited."""
    return said.split("why:", 1)[1].rsplit("\nclause:", 1)[0]


async def _refused(client: Any, document: str, variables: dict[str, Any], **kw: Any) -> Any:
    response = await client.post(document, variables, **kw)
    [payload] = response.json()["data"].values()
    assert payload["mark"] is None
    [error] = payload["errors"]
    assert error["code"] == "FORBIDDEN"
    return error


# =====================================================================================
# Conditions that failed on an allow line whose scope held
# =====================================================================================


async def test_a_closed_period_names_the_period_the_day_and_who_closed_it(
    db: Any, sign_in: Any
) -> None:
    # Given the Altai teacher's mark in a semester the administrator then closes
    teacher = await sign_in(ALTAI, "teacher")
    admin = await sign_in(ALTAI, "administrator")
    cell = await free_cell(db, ALTAI, "ИС-11", "Информатика")
    given = (await teacher.data(SET_MARK, _mark(cell, "3")))["setMark"]
    assert given["errors"] == []
    semester = to_global_id("Period", await period_id(db, ALTAI, cell.date, "semester"))
    closed = (await admin.data(CLOSE, {"input": {"period": semester}}))["closePeriod"]
    assert closed["errors"] == []
    name, day = closed["period"]["name"], closed["period"]["closedAt"][:10]
    closer = await _full_name(db, ALTAI, "administrator")
    ru_day = ".".join(reversed(day.split("-")))

    # When the teacher changes it, in Russian and in English
    change = _mark(cell, "4", expectedVersion=1)
    ru = await _refused(teacher, SET_MARK, change)
    en = await _refused(teacher, SET_MARK, change, headers=EN)

    # Then the error names the closed period, the day, who closed it, the line and clause
    for error in (ru, en):
        assert error["reason"] == "PERIOD_CLOSED"
        assert error["rule"] == "default deny"
        assert error["clause"].startswith("altai-college-2016 п. 4.6")
        details = error["details"]
        assert details["condition"] == "period_open"
        assert "teacher, mark, update, taught, period_open&final_not_set" in details["line"]
        assert (details["period"], details["periodName"]) == (semester, name)
        assert (details["closedAt"][:10], details["closedBy"]) == (day, closer)
    assert (
        f"Период закрыт для изменений: «{name}» закрыт {ru_day}, закрыл(а) {closer}"
        in (ru["message"])
    )
    assert (
        f"The period is closed for changes: «{name}» was closed on {day} by {closer}"
        in (en["message"])
    )
    assert english_apart_from(en["message"], en["clause"], name, closer)

    # and `can` (a query) and `policy explain` say the same
    mark_id = given["mark"]["id"]
    asked = {"object": "mark", "action": "update", "id": mark_id}
    can = (await teacher.data(CAN, asked))["viewer"]["can"]
    assert (can["allowed"], can["reason"], can["details"]["closedBy"]) == (
        False,
        "PERIOD_CLOSED",
        closer,
    )
    assert can["explanation"].startswith("Период закрыт для изменений")
    said = await _explain(db, ALTAI, "teacher", "mark", "update", mark_id, "ru")
    assert (
        "условие «period_open» не выполнено — Период закрыт для изменений: "
        f"«{name}» закрыт {ru_day}, закрыл(а) {closer}"
    ) in said
    said_en = await _explain(db, ALTAI, "teacher", "mark", "update", mark_id, "en")
    assert (
        "condition «period_open» failed — The period is closed for changes: "
        f"«{name}» was closed on {day} by {closer}"
    ) in said_en
    assert english_apart_from(_why(said_en), name, closer)


async def test_a_final_mark_set_is_named_with_its_kind_and_period(db: Any, sign_in: Any) -> None:
    # Given the Altai teacher's mark and then the student's semester mark (п. 4.6)
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    given = (await teacher.data(SET_MARK, _mark(cell, "3")))["setMark"]
    semester_pk = await period_id(db, ALTAI, cell.date, "semester")
    final = {
        "student": cell.student,
        "discipline": to_global_id("Discipline", cell.discipline_pk),
        "period": to_global_id("Period", semester_pk),
        "kind": "SEMESTER",
        "value": "4",
    }
    assert (await teacher.data(SET_FINAL, {"input": final}))["setFinalMark"]["errors"] == []

    # When he changes the mark
    change = _mark(cell, "5", expectedVersion=1)
    ru = await _refused(teacher, SET_MARK, change)
    en = await _refused(teacher, SET_MARK, change, headers=EN)

    # Then the final mark already set is the reason, with the line and clause
    for error in (ru, en):
        assert error["reason"] == "FINAL_MARK_SET"
        assert error["details"]["condition"] == "final_not_set"
        assert error["details"]["finalMarkKind"] == "SEMESTER"
        assert error["details"]["period"] == final["period"]
        assert error["clause"].startswith("altai-college-2016 п. 4.6")
    name = ru["details"]["periodName"]
    assert f"Итоговая отметка уже выставлена (за семестр, «{name}»)" in ru["message"]
    assert f"The final mark is already set (for the semester, «{name}»)" in en["message"]
    assert english_apart_from(en["message"], en["clause"], name)

    said = await _explain(db, ALTAI, "teacher", "mark", "update", given["mark"]["id"], "ru")
    assert "условие «final_not_set» не выполнено — Итоговая отметка уже выставлена" in said
    said_en = await _explain(db, ALTAI, "teacher", "mark", "update", given["mark"]["id"], "en")
    assert "condition «final_not_set» failed — The final mark is already set" in said_en


async def test_an_attestation_mark_set_is_named_in_armavir(db: Any, sign_in: Any) -> None:
    # Given the Armavir teacher's mark and then the student's attestation mark (п. 4.6)
    teacher = await sign_in(ARMAVIR, "teacher")
    cell = await free_cell(db, ARMAVIR, "ПК-11", "Математика")
    given = (await teacher.data(SET_MARK, _mark(cell, "3")))["setMark"]
    year = to_global_id("Period", await period_id(db, ARMAVIR, cell.date, "year"))
    final = {
        "student": cell.student,
        "discipline": to_global_id("Discipline", cell.discipline_pk),
        "period": year,
        "kind": "ATTESTATION",
        "value": "4",
    }
    assert (await teacher.data(SET_FINAL, {"input": final}))["setFinalMark"]["errors"] == []

    # When he changes the mark
    change = _mark(cell, "5", expectedVersion=1)
    ru = await _refused(teacher, SET_MARK, change)
    en = await _refused(teacher, SET_MARK, change, headers=EN)

    # Then the attestation mark is the reason, with the Armavir line and clause
    for error in (ru, en):
        assert error["reason"] == "ATTESTATION_MARK_SET"
        assert error["details"]["condition"] == "attestation_not_set"
        assert error["details"]["finalMarkKind"] == "ATTESTATION"
        assert "period_open&attestation_not_set" in error["details"]["line"]
        assert error["clause"].startswith("armavir-technikum-2025 п. 4.6")
    name = ru["details"]["periodName"]
    assert (
        "Отметка промежуточной аттестации уже выставлена (промежуточная аттестация"
        in (ru["message"])
    )
    assert "The attestation mark is already set (attestation" in en["message"]
    assert english_apart_from(en["message"], en["clause"], name)

    mark_id = given["mark"]["id"]
    said = await _explain(db, ARMAVIR, "teacher", "mark", "update", mark_id, "ru")
    assert "условие «attestation_not_set» не выполнено — Отметка промежуточной аттестации" in said
    said_en = await _explain(db, ARMAVIR, "teacher", "mark", "update", mark_id, "en")
    assert "condition «attestation_not_set» failed — The attestation mark is already set" in (
        said_en
    )


# =====================================================================================
# No allow line reaches the row, or none exists
# =====================================================================================


async def test_a_group_he_does_not_teach_is_out_of_his_scope(db: Any, sign_in: Any) -> None:
    # Given the Altai teacher (ИС-11, ТМ-11) and a cell of ИС-21, which he does not teach
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-21", "Физическая культура")

    # When he gives a mark there, in both languages
    ru = await _refused(teacher, SET_MARK, _mark(cell, "5"))
    en = await _refused(teacher, SET_MARK, _mark(cell, "5"), headers=EN)

    # Then the scope that did not hold is named
    for error in (ru, en):
        assert error["reason"] == "OUT_OF_SCOPE"
        assert error["details"]["scopes"] == ["taught"]
        assert error["details"]["condition"] is None
        assert error["clause"].startswith("altai-college-2016 п. 4.6")
    assert (
        "Не ваша группа или область: регламент разрешает это только для групп и " in (ru["message"])
    )
    assert (
        "Not your group or scope: the ruleset allows this only for the groups and "
        in (en["message"])
    )
    assert english_apart_from(en["message"], en["clause"])

    # and a query for that group's journal is refused at the top level the same way
    period = to_global_id("Period", await period_id(db, ALTAI, cell.date, "semester"))
    asked = {
        "group": to_global_id("Group", cell.group_pk),
        "discipline": to_global_id("Discipline", cell.discipline_pk),
        "period": period,
    }
    for headers, words in (({}, "Не ваша группа"), (EN, "Not your group")):
        response = await teacher.post(JOURNAL, asked, headers=headers)
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert error["extensions"]["reason"] == "OUT_OF_SCOPE"
        assert error["extensions"]["details"]["scopes"] == ["taught"]
        assert words in error["message"]

    # and `policy explain` says the scope did not hold
    said = await _explain(db, ALTAI, "teacher", "lesson", "update", cell.lesson, "ru")
    assert "область «taught» не выполнена" in said
    said_en = await _explain(db, ALTAI, "teacher", "lesson", "update", cell.lesson, "en")
    assert "scope «taught» did not hold" in said_en
    assert "reason: Not your group or scope" in said_en


async def test_no_line_at_all_is_said_in_the_readers_language(db: Any, sign_in: Any) -> None:
    # Given an Altai student, whom no line lets write marks, and the hr specialist, whom
    # none lets read the compliance report
    student = await sign_in(ALTAI, "student")
    hr = await sign_in(ALTAI, "hr_specialist")
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")

    ru = await _refused(student, SET_MARK, _mark(cell, "5"))
    en = await _refused(student, SET_MARK, _mark(cell, "5"), headers=EN)

    for error in (ru, en):
        assert (error["reason"], error["rule"], error["details"]["line"]) == (
            "NO_LINE",
            "default deny",
            None,
        )
    assert ru["clause"] == "нет строки регламента, разрешающей это"
    assert en["clause"] == "no line of the ruleset grants this"
    assert (
        "Ни одна строка регламента не даёт вашим ролям права «создание» на «Отметка»"
        in (ru["message"])
    )
    assert "No line of the ruleset grants your roles «create» on «Mark»" in en["message"]
    assert english_apart_from(en["message"])

    # a query refused at the top level says it too, in one language
    period = to_global_id("Period", await period_id(db, ALTAI, cell.date, "semester"))
    for headers, words in (({}, "Ни одна строка"), (EN, "No line of the ruleset")):
        response = await hr.post(COMPLIANCE, {"period": period}, headers=headers)
        [error] = response.json()["errors"]
        assert error["extensions"]["reason"] == "NO_LINE"
        assert words in error["message"]
    assert error["extensions"]["clause"] == "no line of the ruleset grants this"
    assert english_apart_from(error["message"])

    # and `policy explain` on a mark the teacher gave
    given = (await teacher.data(SET_MARK, _mark(cell, "4")))["setMark"]
    said = await _explain(db, ALTAI, "student", "mark", "update", given["mark"]["id"], "ru")
    assert "причина: Ни одна строка регламента не даёт вашим ролям права «изменение»" in said
    said_en = await _explain(db, ALTAI, "student", "mark", "update", given["mark"]["id"], "en")
    assert "reason: No line of the ruleset grants your roles «update» on «Mark»" in said_en
    assert "clause: no line of the ruleset grants this" in said_en
    assert english_apart_from(said_en)


# =====================================================================================
# The database's closed-period guard gives the same named reason
# =====================================================================================


async def test_the_databases_refusal_names_the_closed_period_too(
    db: Any, make_client: Any, tmp_path: Path
) -> None:
    # Given a copy of the Altai ruleset whose teacher mark lines lack period_open (a
    # college's mistake), and a semester the administrator closed
    copy = tmp_path / ALTAI
    shutil.copytree(SHIPPED / ALTAI, copy)
    (copy / "golden.toml").unlink()
    policy = (copy / "policy.csv").read_text(encoding="utf-8")
    (copy / "policy.csv").write_text(
        policy.replace("period_open&final_not_set", "final_not_set"), encoding="utf-8"
    )
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    semester = to_global_id("Period", await period_id(db, ALTAI, cell.date, "semester"))
    closer = await _full_name(db, ALTAI, "administrator")

    async with make_client(rulesets_path=str(tmp_path)) as client:
        admin = await client.as_(ALTAI, "administrator")
        closed = (await admin.data(CLOSE, {"input": {"period": semester}}))["closePeriod"]
        name, day = closed["period"]["name"], closed["period"]["closedAt"][:10]
        teacher = await client.as_(ALTAI, "teacher")
        # When the teacher gives a mark there: the ruleset lets him, the database refuses
        ru = await _refused(teacher, SET_MARK, _mark(cell, "5"))
        en = await _refused(teacher, SET_MARK, _mark(cell, "5"), headers=EN)

    # Then the answer names the same reason as the policy's own refusal
    for error in (ru, en):
        assert error["reason"] == "PERIOD_CLOSED"
        assert error["details"]["condition"] == "period_open"
        assert error["details"]["closedBy"] == closer
        assert (error["details"]["period"], error["details"]["periodName"]) == (semester, name)
    assert "Период закрыт для изменений: «" in ru["message"]
    assert f"закрыл(а) {closer}" in ru["message"]
    assert (
        f"The period is closed for changes: «{name}» was closed on {day} by {closer}"
        in (en["message"])
    )
    assert english_apart_from(en["message"], en["clause"], name, closer)


async def test_a_deny_line_keeps_naming_its_clause(db: Any, sign_in: Any) -> None:
    # Given nshds12, whose разд. 6 denies students any work with the journal
    student = await sign_in("nshds12-2021", "student")
    asked = {"object": "mark", "action": "create"}

    # When the student asks whether he may give a mark, in both languages
    ru = (await student.data(CAN, asked))["viewer"]["can"]
    en = (await student.post(CAN, asked, headers=EN)).json()["data"]["viewer"]["can"]

    # Then the deny line decided, and its clause is cited
    for can in (ru, en):
        assert (can["allowed"], can["reason"]) == (False, "DENIED_BY_LINE")
        assert can["rule"].endswith(", deny")
        assert "разд. 6" in can["clause"]
    assert ru["explanation"] == "Это запрещено строкой регламента"
    assert en["explanation"] == "A line of the ruleset forbids this"


def test_every_word_a_refusal_can_name_has_its_text_in_both_languages() -> None:
    """A scope, a final-mark kind or an object added to the vocabulary is named by the
    refusals as soon as a ruleset uses it: each needs its words here, or a refusal naming
    it answers INTERNAL (the ``general`` scope once did)."""
    from campusgraph.db.enums import FinalMarkKind
    from campusgraph.i18n import LANGUAGES, keys
    from campusgraph.policies.vocabulary import Scope

    wanted = [f"scope_{s.value}" for s in Scope] + [f"final_kind_{k.value}" for k in FinalMarkKind]
    missing = [(key, lang) for lang in LANGUAGES for key in wanted if key not in keys(lang)]
    assert not missing, f"refusals could not name: {missing}"
