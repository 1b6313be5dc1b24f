"""Exporting a list in the columns the import reads back.

The rows are those ``rows_where`` selects (the GraphQL query passes the ruleset's SQL filter
for the list's object; the command line passes nothing: every row of the institution).
Personal-data columns are filled only for the rows ``personal_where`` selects (the
ruleset's filter for ``<object>.personal`` read); ``None`` fills them for every row (the
operator). Every export writes an audit event: a list with personal data is a read of it.

- students: every student in a group today, with that group, by group and name, then every
  card still studying but in no group today (not yet placed, on leave) with the group
  column empty: an office checks those cards too (importing such a row back asks for its
  group); expelled and graduated students are the movement book's;
- staff: every employee card, dismissed ones with their dismissal date;
- parents: one row per parent and child (a parent with no child: one row without one);
- disciplines: every discipline, with the index and name of its module.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import False_

from campusgraph.db import models as m
from campusgraph.db.enums import StudentStatus
from campusgraph.exchange.formats import Cell, FileFormat, write_csv, write_xlsx
from campusgraph.exchange.lists import SPECS, ListKind, ListSpec, write_cell
from campusgraph.policies.facts import Viewer
from campusgraph.resolvers.audit import record


@dataclass(frozen=True, slots=True)
class Exported:
    filename: str
    content: bytes
    format: FileFormat
    rows: int
    #: Whether personal-data columns were filled (for the rows the ruleset allows).
    personal: bool


Values = dict[str, Any]


def _person(p: m.Person) -> Values:
    return {
        "surname": p.surname,
        "name": p.name,
        "patronymic": p.patronymic,
        "sex": p.sex,
        "birthDate": p.birth_date,
        "phone": p.phone,
        "email": p.email,
    }


async def _ids(session: AsyncSession, column: Any, where: Any) -> set[int] | None:
    """Ids the personal filter selects; None = all of them."""
    if where is None:
        return None
    if isinstance(where, False_):
        return set()
    return set((await session.execute(select(column).where(where))).scalars().all())


async def _students(
    session: AsyncSession, today: dt.date, rows_where: Any, personal_where: Any
) -> list[Values]:
    s, p, sp, gm, g = m.Student, m.Person, m.StudentPersonal, m.GroupMembership, m.StudyGroup
    stmt = (
        select(s, p, sp, g.name)
        .join(p, p.id == s.person_id)
        .outerjoin(sp, sp.student_id == s.id)
        .outerjoin(
            gm,
            and_(
                gm.student_id == s.id,
                gm.starts_on <= today,
                or_(gm.ends_on.is_(None), gm.ends_on > today),
            ),
        )
        .outerjoin(g, g.id == gm.group_id)
        # NULLs sort first on SQLite and last on PostgreSQL: the groupless last on both.
        .where(
            or_(
                gm.id.is_not(None),
                s.status.in_([StudentStatus.STUDYING, StudentStatus.ACADEMIC_LEAVE]),
            )
        )
        .order_by(g.name.is_(None), g.name, p.surname, p.name, p.patronymic, s.id)
    )
    if rows_where is not None:
        stmt = stmt.where(rows_where)
    personal = await _ids(session, s.id, personal_where)
    out: list[Values] = []
    for student, person, private, group in await session.execute(stmt):
        v = _person(person)
        v.update(
            group=group,
            citizenship=student.citizenship,
            recordBookNumber=student.record_book_number,
            enrolmentOrderNumber=student.enrolment_order_number,
            enrolmentDate=student.enrolment_date,
            fundingSource=student.funding_source,
            studyForm=student.study_form,
            educationLevel=student.education_level,
        )
        if private is not None and (personal is None or student.id in personal):
            v.update(
                snils=private.snils,
                address=private.address,
                registrationAddress=private.registration_address,
            )
        out.append(v)
    return out


async def _staff(session: AsyncSession, rows_where: Any, personal_where: Any) -> list[Values]:
    e, p, ep = m.Employee, m.Person, m.EmployeePersonal
    stmt = (
        select(e, p, ep)
        .join(p, p.id == e.person_id)
        .outerjoin(ep, ep.employee_id == e.id)
        .order_by(p.surname, p.name, p.patronymic, e.id)
    )
    if rows_where is not None:
        stmt = stmt.where(rows_where)
    found = (await session.execute(stmt)).all()
    held: dict[int, list[tuple[bool, str]]] = defaultdict(list)
    positions = await session.execute(
        select(m.EmployeePosition.employee_id, m.EmployeePosition.is_main, m.Position.name)
        .join(m.Position, m.Position.id == m.EmployeePosition.position_id)
        .order_by(m.EmployeePosition.id)
    )
    for employee_id, is_main, name in positions:
        held[employee_id].append((is_main, name))
    personal = await _ids(session, e.id, personal_where)
    out: list[Values] = []
    for employee, person, private in found:
        mine = sorted(held[employee.id], key=lambda x: not x[0])  # the main one first
        v = _person(person)
        v.update(
            position=mine[0][1] if mine else None,
            otherPositions=[name for _, name in mine[1:]],
            category=employee.category,
            diplomaSpeciality=employee.diploma_speciality,
            hiredOn=employee.hired_on,
            dismissedOn=employee.dismissed_on,
        )
        if private is not None and (personal is None or employee.id in personal):
            v.update(snils=private.snils, address=private.address)
        out.append(v)
    return out


async def _parents(session: AsyncSession, rows_where: Any, personal_where: Any) -> list[Values]:
    pa, p, pp, link, st = m.Parent, m.Person, m.ParentPersonal, m.ParentLink, m.Student
    child = aliased(m.Person)
    stmt = (
        select(pa, p, pp, link.kind, child)
        .join(p, p.id == pa.person_id)
        .outerjoin(pp, pp.parent_id == pa.id)
        .outerjoin(link, link.parent_id == pa.id)
        .outerjoin(st, st.id == link.student_id)
        .outerjoin(child, child.id == st.person_id)
        .order_by(p.surname, p.name, p.patronymic, pa.id, child.surname, child.name)
    )
    if rows_where is not None:
        stmt = stmt.where(rows_where)
    personal = await _ids(session, pa.id, personal_where)
    out: list[Values] = []
    for parent, person, private, kind, kid in await session.execute(stmt):
        v = _person(person)
        v["workPlace"] = parent.work_place
        if kid is not None:
            v.update(
                child=" ".join(x for x in (kid.surname, kid.name, kid.patronymic) if x),
                childBirthDate=kid.birth_date,
                relation=kind,
            )
        if private is not None and (personal is None or parent.id in personal):
            v.update(snils=private.snils, address=private.address)
        out.append(v)
    return out


async def _disciplines(session: AsyncSession, rows_where: Any) -> list[Values]:
    d = m.Discipline
    stmt = select(d).order_by(d.code.is_(None), d.code, d.name, d.id)
    if rows_where is not None:
        stmt = stmt.where(rows_where)
    found = (await session.execute(stmt)).scalars().all()
    names = {row.id: (row.code, row.name) for row in found}
    missing = {row.parent_id for row in found if row.parent_id and row.parent_id not in names}
    if missing:
        extra = await session.execute(select(d.id, d.code, d.name).where(d.id.in_(missing)))
        names.update({did: (code, name) for did, code, name in extra})
    out: list[Values] = []
    for row in found:
        module = names.get(row.parent_id) if row.parent_id else None
        out.append(
            {
                "code": row.code,
                "name": row.name,
                "shortName": row.short_name,
                "kind": row.kind,
                "moduleCode": module[0] if module else None,
                "module": module[1] if module else None,
            }
        )
    return out


def render(spec: ListSpec, values: Sequence[Values], fmt: FileFormat) -> bytes:
    headers = [c.header for c in spec.columns]
    rows: list[list[Cell]] = [[write_cell(c, v.get(c.key)) for c in spec.columns] for v in values]
    if fmt is FileFormat.CSV:
        return write_csv(headers, rows)
    return write_xlsx(headers, rows, title=spec.title, widths=[c.width for c in spec.columns])


async def export_list(
    session: AsyncSession,
    *,
    kind: ListKind,
    fmt: FileFormat,
    institution_id: int,
    institution_slug: str,
    today: dt.date,
    rows_where: Any = None,
    personal_where: Any = None,
    viewer: Viewer | None = None,
    source: str = "graphql",
    audit: AsyncSession | None = None,
) -> Exported:
    """The list read through ``session`` and its export recorded in ``audit`` (committed),
    or in ``session`` when there is none: the API reads through a report session (off the
    event loop on SQLite, read-only) and records in a short write session afterwards, so
    the write lock is not held while the rows are read."""
    spec = SPECS[kind]
    values: list[Values]
    if kind is ListKind.STUDENTS:
        values = await _students(session, today, rows_where, personal_where)
    elif kind is ListKind.STAFF:
        values = await _staff(session, rows_where, personal_where)
    elif kind is ListKind.PARENTS:
        values = await _parents(session, rows_where, personal_where)
    else:
        values = await _disciplines(session, rows_where)
    personal = bool(spec.personal_keys) and not isinstance(personal_where, False_)
    content = render(spec, values, fmt)
    recorder = audit if audit is not None else session
    await record(
        recorder,
        viewer=viewer,
        action="export",
        object_type=spec.obj,
        object_id=None,
        institution_id=institution_id,
        after={
            "kind": kind.value,
            "format": fmt.value,
            "rows": len(values),
            "personal": personal,
            "source": source,
        },
    )
    await recorder.commit()
    filename = f"{spec.stem}-{institution_slug}-{today.isoformat()}.{fmt.value}"
    return Exported(filename, content, fmt, len(values), personal)
