"""Importing a list — all or nothing.

Every row is read and checked first: the cells against their columns, each row against the
same card checks the card mutations use (:mod:`campusgraph.resolvers.people_writes`: names,
plausible dates, the СНИЛС checksum, lengths), then against the institution (known group
and position names, students a parent row names, cards and СНИЛС already there) and against
the other rows of the file (the same person or СНИЛС twice). The report names every bad
cell: its row number as the user sees it (the header is row 1), its column header, the
value and the problem in Russian (English for ``language="en"``). If there is any problem,
or on a dry run, nothing is written; otherwise every row is written in the caller's one
transaction, with one audit event naming what was created.

Students come into their groups the way the service always puts them there: by an
ENROLMENT movement order — the card's enrolment order (number and date, both required with
a group; a row with no group is a card alone, as ``createStudentCard`` makes one),
reused when the institution already has that order, created otherwise — with the group
membership opened on the enrolment date (for a student enrolled in a year since closed,
on the day after the last closed year: closed years are frozen).

The caller opens the session: the GraphQL mutation a session confined to the viewer's
institution, the command line one confined to ``--institution``; either way the tenant
filter of :mod:`campusgraph.db.tenancy` applies to every lookup here.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.db import models as m
from campusgraph.db.enums import DisciplineKind, FundingSource, MovementKind, StudyForm
from campusgraph.exchange.formats import Sheet, cell_text
from campusgraph.exchange.lists import (
    EXTRA_LIMITS,
    SPECS,
    BadCell,
    Column,
    ListKind,
    ListSpec,
    date_text,
    parse_cell,
)
from campusgraph.i18n import message
from campusgraph.policies.facts import Viewer
from campusgraph.resolvers import people_writes as pw
from campusgraph.resolvers.audit import record
from campusgraph.validators import DateProblem, format_snils, snils_problem

#: Rows one file may carry.
MAX_ROWS = 20_000
#: Rows written per batch (the progress bar advances per batch).
CHUNK = 50

#: (stage, done, total): stage is "check" or "write".
Progress = Callable[[str, int, int], None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ImportProblem:
    row: int
    column: str
    value: str
    message: str


@dataclass(slots=True)
class ImportReport:
    kind: ListKind
    rows: int
    imported: int = 0
    dry_run: bool = False
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(Exception):
    """The file as a whole cannot be imported (empty, too long); nothing was read."""


@dataclass(slots=True)
class Row:
    number: int
    values: dict[str, Any]
    raw: dict[str, str]
    #: Keys already reported: one problem per cell.
    bad: set[str] = field(default_factory=set)


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


def name_key(*parts: Any) -> str:
    """People and groups are matched ignoring case, «ё» and extra spaces."""
    text = " ".join(str(p) for p in parts if p)
    return re.sub(r"\s+", " ", text.replace("ё", "е").replace("Ё", "Е")).strip().casefold()


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Values per ``IN (…)`` list: well below SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 500


async def _select_in(
    session: AsyncSession, make: Callable[[list[Any]], Any], values: Iterable[Any]
) -> list[Any]:
    """``make(part)`` for each part of ``values``: the rows of all of them."""
    items = list(values)
    out: list[Any] = []
    for part in _chunks(items, IN_CHUNK):
        out.extend((await session.execute(make(list(part)))).all())
    return out


def _fio(surname: Any, name: Any, patronymic: Any) -> str:
    return " ".join(str(x) for x in (surname, name, patronymic) if x)


class _Run:
    def __init__(
        self,
        session: AsyncSession,
        spec: ListSpec,
        institution_id: int,
        today: dt.date,
        language: str,
        progress: Progress,
    ) -> None:
        self.session = session
        self.spec = spec
        self.inst = institution_id
        self.today = today
        self.lang = language
        self.progress = progress
        self.problems: list[ImportProblem] = []
        self.order = {c.key: i for i, c in enumerate(spec.columns)}

    def msg(self, key: str, **kwargs: object) -> str:
        return message(key, self.lang, **kwargs)

    def add(self, row: Row, key: str, text: str) -> None:
        if key in row.bad:
            return
        row.bad.add(key)
        column = self.spec.column(key)
        self.problems.append(ImportProblem(row.number, column.header, row.raw.get(key, ""), text))

    def card(self, row: Row, problems: Sequence[pw.Problem]) -> None:
        """Card problems (camelCase fields) into the columns that carry those fields."""
        for key, text in problems:
            if key in self.order:
                self.add(row, key, text)

    def sorted_problems(self) -> list[ImportProblem]:
        rank = {c.header: i for i, c in enumerate(self.spec.columns)}
        return sorted(self.problems, key=lambda p: (p.row, rank.get(p.column, -1)))


# -- reading the sheet ------------------------------------------------------------------------


def _columns(run: _Run, sheet: Sheet) -> dict[int, Column] | None:
    spec = run.spec
    mapping: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for index, header in enumerate(sheet.headers):
        column = spec.match(header) if header else None
        if column is None:
            continue  # columns we do not know (№ п/п, notes …) are left alone
        if column.key in seen:
            run.problems.append(ImportProblem(1, header, header, run.msg("import_column_twice")))
            continue
        seen[column.key] = index
        mapping[index] = column
    for column in spec.columns:
        if column.required and column.key not in seen:
            run.problems.append(
                ImportProblem(1, column.header, "", run.msg("import_missing_column"))
            )
    return None if run.problems else mapping


def _rows(run: _Run, sheet: Sheet, mapping: dict[int, Column]) -> list[Row]:
    rows: list[Row] = []
    total = len(sheet.rows)
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        row = Row(number, {}, {})
        for index, column in mapping.items():
            cell = cells[index] if index < len(cells) else None
            row.raw[column.key] = cell_text(cell)
            try:
                row.values[column.key] = parse_cell(column, cell)
            except (DateProblem, BadCell) as exc:
                row.values[column.key] = None
                run.add(row, column.key, exc.text(run.lang))
        for column in run.spec.columns:
            blank = row.values.get(column.key) is None
            if column.required and blank and not column.may_be_blank:
                run.add(row, column.key, run.msg("card_required"))
            limit = EXTRA_LIMITS.get((run.spec.kind, column.key))
            value = row.values.get(column.key)
            if limit is not None and isinstance(value, str) and len(value) > limit:
                run.add(row, column.key, run.msg("card_too_long", limit=limit))
        rows.append(row)
        if done % CHUNK == 0 or done == total:
            run.progress("check", done, total)
    return rows


def uses_personal(kind: ListKind, sheet: Sheet) -> bool:
    """Whether any personal-data column of the file has a value (the import then also
    needs the ruleset's ``<object>.personal`` create)."""
    spec = SPECS[kind]
    indices = [
        i
        for i, header in enumerate(sheet.headers)
        if (column := spec.match(header)) is not None and column.personal
    ]
    return any(i < len(cells) and cell_text(cells[i]) for _, cells in sheet.rows for i in indices)


# -- students ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _StudentPlan:
    rows: list[Row]
    groups: dict[int, int]  # row number → group id
    orders: dict[tuple[str, dt.date], int | None]  # (number, date) → existing order id
    #: The last day of the latest closed academic year: memberships start after it.
    frozen_until: dt.date | None = None


async def _check_students(run: _Run, rows: list[Row]) -> _StudentPlan:
    s, y, g = run.session, m.AcademicYear, m.StudyGroup
    groups: dict[str, int] = {}
    found = await s.execute(
        select(g.id, g.name)
        .join(y, y.id == g.academic_year_id)
        .where(y.closed_at.is_(None), g.graduated_on.is_(None))
        .order_by(y.starts_on, g.id)
    )
    for gid, name in found:
        groups[name_key(name)] = gid  # a later year's group of the same name wins
    plan = _StudentPlan(rows, {}, {})
    plan.frozen_until = (
        await s.execute(select(func.max(y.ends_on)).where(y.closed_at.is_not(None)))
    ).scalar_one_or_none()
    for row in rows:
        v = row.values
        run.card(row, pw.student_problems(_student_values(v), run.today, run.lang))
        if v.get("group") is not None:
            # Enrolled into a group: by its order, so both are needed.
            for needed in ("enrolmentOrderNumber", "enrolmentDate"):
                if v.get(needed) is None and needed not in row.bad:
                    run.add(row, needed, run.msg("card_required"))
            found_group = groups.get(name_key(v["group"]))
            if found_group is None:
                run.add(row, "group", run.msg("import_unknown_group", name=v["group"]))
            else:
                plan.groups[row.number] = found_group
    await _people_duplicates(run, rows, m.Student, m.StudentPersonal, "student_id")
    numbers = {
        v["enrolmentOrderNumber"] for r in rows if (v := r.values).get("enrolmentOrderNumber")
    }
    existing = [
        row[0]
        for row in await _select_in(
            s, lambda part: select(m.MovementOrder).where(m.MovementOrder.number.in_(part)), numbers
        )
    ]
    for row in rows:
        number, day = row.values.get("enrolmentOrderNumber"), row.values.get("enrolmentDate")
        if not number or day is None or row.values.get("group") is None:
            continue  # a card not enrolled in a group keeps its order's number as data
        key = (str(number), day)
        if key in plan.orders:
            continue
        enrolment = next(
            (
                o.id
                for o in existing
                if o.number == number and o.kind is MovementKind.ENROLMENT and o.effective_on == day
            ),
            None,
        )
        clash = any(o.number == number and o.signed_on == day for o in existing)
        if enrolment is None and clash:
            run.add(
                row,
                "enrolmentOrderNumber",
                run.msg("import_order_kind", number=number, date=date_text(day)),
            )
            continue
        plan.orders[key] = enrolment
    return plan


def _student_values(v: dict[str, Any]) -> dict[str, Any]:
    out = {k: v.get(k) for k in pw.STUDENT_FIELDS if k in v}
    for name in ("citizenship", "fundingSource", "studyForm"):
        if out.get(name) is None:
            out.pop(name, None)  # blank means the default
    return out


def _student_card(v: dict[str, Any]) -> pw.StudentCardFields:
    return pw.StudentCardFields(
        surname=v["surname"],
        name=v["name"],
        patronymic=v.get("patronymic"),
        birth_date=v["birthDate"],
        sex=v.get("sex"),
        citizenship=v.get("citizenship") or "Российская Федерация",
        snils=v.get("snils"),
        address=v.get("address"),
        enrolment_order_number=v.get("enrolmentOrderNumber"),
        enrolment_date=v.get("enrolmentDate"),
        registration_address=v.get("registrationAddress"),
        record_book_number=v.get("recordBookNumber"),
        funding_source=v.get("fundingSource") or FundingSource.BUDGET,
        study_form=v.get("studyForm") or StudyForm.FULL_TIME,
        education_level=v.get("educationLevel"),
    )


def _starts_on(enrolled: dt.date, frozen_until: dt.date | None) -> dt.date:
    """The card keeps the real enrolment date and order; the membership in the group
    starts then, or — for a student enrolled in a year since closed (closed years are
    frozen) — on the first day after the last closed year."""
    if frozen_until is not None and enrolled <= frozen_until:
        return frozen_until + dt.timedelta(days=1)
    return enrolled


async def _write_students(run: _Run, plan: _StudentPlan, viewer: Viewer | None) -> list[int]:
    s = run.session
    created: list[tuple[m.Student, m.Person]] = []
    total = len(plan.rows)
    for chunk in _chunks(plan.rows, CHUNK):
        created += await pw.insert_students(
            s,
            run.inst,
            [_student_card(r.values) for r in chunk],
            created_on=run.today,
            created_by_user_id=viewer.user_id if viewer is not None else None,
        )
        run.progress("write", len(created), total)
    orders = dict(plan.orders)
    new = {
        key: m.MovementOrder(
            institution_id=run.inst,
            kind=MovementKind.ENROLMENT,
            number=key[0],
            signed_on=key[1],
            effective_on=key[1],
            note=run.msg("import_order_note"),
            created_by_user_id=viewer.user_id if viewer else None,
            created_on=run.today,
        )
        for key, found in orders.items()
        if found is None
    }
    s.add_all(new.values())
    await s.flush()
    orders.update({key: row.id for key, row in new.items()})
    items: list[dict[str, Any]] = []
    memberships: list[dict[str, Any]] = []
    for row, (student, _) in zip(plan.rows, created, strict=True):
        v = row.values
        group_id = plan.groups.get(row.number)
        if group_id is None:
            continue  # a card alone, as createStudentCard makes it: no order, no group
        order_id = orders[(str(v["enrolmentOrderNumber"]), v["enrolmentDate"])]
        items.append(
            {
                "institution_id": run.inst,
                "order_id": order_id,
                "student_id": student.id,
                "from_group_id": None,
                "to_group_id": group_id,
            }
        )
        memberships.append(
            {
                "institution_id": run.inst,
                "student_id": student.id,
                "group_id": group_id,
                "starts_on": _starts_on(v["enrolmentDate"], plan.frozen_until),
                "ends_on": None,
                "on_leave": False,
                "start_order_id": order_id,
                "end_order_id": None,
            }
        )
    if items:
        await s.execute(insert(m.MovementOrderItem), items)
        await s.execute(insert(m.GroupMembership), memberships)
    return [student.id for student, _ in created]


# -- people already there, or twice in the file -----------------------------------------------


async def _people_duplicates(run: _Run, rows: list[Row], card: Any, personal: Any, fk: str) -> None:
    """The same СНИЛС or the same name and birth date twice in the file, or already on a
    card of this kind in the institution."""
    s, p = run.session, m.Person
    snils = {pw.clean(r.values.get("snils")) for r in rows if "snils" not in r.bad} - {None}
    formatted = {format_snils(x): x for x in snils if not snils_problem(x)}
    taken: dict[str, str] = {}
    if formatted:
        found = await _select_in(
            s,
            lambda part: (
                select(personal.snils, p.surname, p.name, p.patronymic)
                .join(card, card.id == getattr(personal, fk))
                .join(p, p.id == card.person_id)
                .where(personal.snils.in_(part))
            ),
            formatted,
        )
        taken = {number: _fio(a, b, c) for number, a, b, c in found}
    births = {r.values["birthDate"] for r in rows if r.values.get("birthDate") is not None}
    existing: dict[str, str] = {}
    if births:
        found = await _select_in(
            s,
            lambda part: (
                select(p.surname, p.name, p.patronymic, p.birth_date)
                .join(card, card.person_id == p.id)
                .where(p.birth_date.in_(part))
            ),
            births,
        )
        for a, b, c, birth in found:
            existing[name_key(a, b, c, birth.isoformat())] = _fio(a, b, c)
    first_snils: dict[str, int] = {}
    first_person: dict[str, int] = {}
    for row in rows:
        v = row.values
        number = pw.clean(v.get("snils"))
        if number and "snils" not in row.bad and not snils_problem(number):
            key = format_snils(number)
            if key in taken:
                run.add(row, "snils", run.msg("import_snils_taken", who=taken[key]))
            elif key in first_snils:
                run.add(row, "snils", run.msg("import_snils_in_file", row=first_snils[key]))
            else:
                first_snils[key] = row.number
        if v.get("surname") and v.get("name") and v.get("birthDate") is not None:
            key = name_key(v["surname"], v["name"], v.get("patronymic"), v["birthDate"].isoformat())
            if key in existing:
                run.add(row, "surname", run.msg("import_person_exists", who=existing[key]))
            elif key in first_person:
                run.add(row, "surname", run.msg("import_duplicate_row", row=first_person[key]))
            else:
                first_person[key] = row.number


# -- staff ------------------------------------------------------------------------------------


async def _check_staff(run: _Run, rows: list[Row]) -> dict[int, list[tuple[int, bool]]]:
    known = {
        name_key(name): pid
        for pid, name in (await run.session.execute(select(m.Position.id, m.Position.name)))
    }
    chosen: dict[int, list[tuple[int, bool]]] = {}
    for row in rows:
        v = row.values
        run.card(row, pw.employee_problems(v, run.today, run.lang))
        positions: list[tuple[int, bool]] = []
        main = v.get("position")
        if main is not None:
            pid = known.get(name_key(main))
            if pid is None:
                run.add(row, "position", run.msg("card_position_unknown", name=main))
            else:
                positions.append((pid, True))
        unknown = [n for n in v.get("otherPositions") or [] if name_key(n) not in known]
        if unknown:
            run.add(
                row,
                "otherPositions",
                run.msg("card_position_unknown", name="», «".join(unknown)),
            )
        for other in v.get("otherPositions") or []:
            pid = known.get(name_key(other))
            if pid is not None and all(pid != have for have, _ in positions):
                positions.append((pid, False))
        chosen[row.number] = positions
    await _people_duplicates(run, rows, m.Employee, m.EmployeePersonal, "employee_id")
    return chosen


async def _write_staff(
    run: _Run, rows: list[Row], positions: dict[int, list[tuple[int, bool]]]
) -> list[int]:
    created: list[tuple[m.Employee, m.Person]] = []
    for chunk in _chunks(rows, CHUNK):
        created += await pw.insert_employees(
            run.session,
            run.inst,
            [r.values for r in chunk],
            [positions[r.number] for r in chunk],
        )
        run.progress("write", len(created), len(rows))
    return [e.id for e, _ in created]


# -- parents ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _ParentPlan:
    #: Rows that create a card (the first row of each parent not already in the institution).
    new: list[Row] = field(default_factory=list)
    #: row number → the row that creates its parent, or the existing parent's id.
    parent_of: dict[int, Row | int] = field(default_factory=dict)
    #: (row number, student id, kind) of the links to write.
    links: list[tuple[int, int, Any]] = field(default_factory=list)


async def _check_parents(run: _Run, rows: list[Row]) -> _ParentPlan:
    s, p, st = run.session, m.Person, m.Student
    births = {r.values["childBirthDate"] for r in rows if r.values.get("childBirthDate")}
    students: dict[str, list[int]] = defaultdict(list)
    if births:
        found = await _select_in(
            s,
            lambda part: (
                select(st.id, p.surname, p.name, p.patronymic, p.birth_date)
                .join(p, p.id == st.person_id)
                .where(p.birth_date.in_(part))
            ),
            births,
        )
        for sid, a, b, c, birth in found:
            if birth is not None:
                students[name_key(a, b, c, birth.isoformat())].append(sid)
    # Parents already in the institution: by СНИЛС, else by name and birth date.
    pp = m.ParentPersonal
    cards = await s.execute(
        select(m.Parent.id, p.surname, p.name, p.patronymic, p.birth_date, pp.snils)
        .join(p, p.id == m.Parent.person_id)
        .outerjoin(pp, pp.parent_id == m.Parent.id)
    )
    by_snils: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for pid, a, b, c, birth, number in cards:
        if number:
            by_snils[number] = pid
        if birth is not None:
            by_name[name_key(a, b, c, birth.isoformat())] = pid
    linked = set((await s.execute(select(m.ParentLink.parent_id, m.ParentLink.student_id))).all())
    plan = _ParentPlan()
    first_of: dict[str, Row] = {}
    seen_links: dict[tuple[str, int], int] = {}
    for row in rows:
        v = row.values
        run.card(row, pw.parent_problems(v, run.today, run.lang))
        child = [v.get("child"), v.get("childBirthDate"), v.get("relation")]
        child_bad = any(k in row.bad for k in ("child", "childBirthDate", "relation"))
        if not child_bad and any(x is not None for x in child) and any(x is None for x in child):
            missing = next(
                k
                for k, x in zip(("child", "childBirthDate", "relation"), child, strict=True)
                if x is None
            )
            run.add(row, missing, run.msg("import_child_incomplete"))
        student_id: int | None = None
        if all(x is not None for x in child) and not child_bad:
            matches = students.get(name_key(v["child"], v["childBirthDate"].isoformat()), [])
            where = {"name": v["child"], "date": date_text(v["childBirthDate"])}
            if not matches:
                run.add(row, "child", run.msg("import_child_not_found", **where))
            elif len(matches) > 1:
                run.add(row, "child", run.msg("import_child_ambiguous", **where))
            else:
                student_id = matches[0]
        identity, existing = _parent_identity(v, by_snils, by_name)
        if identity is None:
            continue
        if existing is not None:
            plan.parent_of[row.number] = existing
        elif identity in first_of:
            plan.parent_of[row.number] = first_of[identity]
        else:
            first_of[identity] = row
            plan.new.append(row)
            plan.parent_of[row.number] = row
        if student_id is None:
            continue
        if existing is not None and (existing, student_id) in linked:
            run.add(row, "child", run.msg("import_already_linked"))
        elif (identity, student_id) in seen_links:
            run.add(
                row, "child", run.msg("import_duplicate_row", row=seen_links[identity, student_id])
            )
        else:
            seen_links[identity, student_id] = row.number
            plan.links.append((row.number, student_id, v["relation"]))
    return plan


def _parent_identity(
    v: dict[str, Any], by_snils: dict[str, int], by_name: dict[str, int]
) -> tuple[str | None, int | None]:
    number = pw.clean(v.get("snils"))
    if number and not snils_problem(number):
        formatted = format_snils(number)
        return f"snils:{formatted}", by_snils.get(formatted)
    if not v.get("surname") or not v.get("name"):
        return None, None
    birth = v.get("birthDate")
    key = name_key(v["surname"], v["name"], v.get("patronymic"), birth.isoformat() if birth else "")
    return f"name:{key}", by_name.get(key) if birth is not None else None


async def _write_parents(run: _Run, plan: _ParentPlan) -> list[int]:
    created: list[tuple[m.Parent, m.Person]] = []
    for chunk in _chunks(plan.new, CHUNK):
        created += await pw.insert_parents(run.session, run.inst, [r.values for r in chunk])
        run.progress("write", len(created), len(plan.new) or 1)
    ids = {row.number: parent.id for row, (parent, _) in zip(plan.new, created, strict=True)}
    links = []
    for number, student_id, kind in plan.links:
        owner = plan.parent_of[number]
        parent_id = owner if isinstance(owner, int) else ids[owner.number]
        links.append(
            {
                "institution_id": run.inst,
                "parent_id": parent_id,
                "student_id": student_id,
                "kind": kind,
            }
        )
    if links:
        await run.session.execute(insert(m.ParentLink), links)
    if not plan.new:
        run.progress("write", 1, 1)
    return list(ids.values())


# -- disciplines ------------------------------------------------------------------------------
#
# Indices repeat within an institution (each speciality has its own ПМ.01 with its МДК.01.01
# and УП.01), so a discipline is known by its index, name, kind and module together, and a
# module is named by its index, its name, or both — whichever picks exactly one.


def _discipline_key(code: Any, name: Any, kind: Any, module: tuple[Any, Any] | None) -> str:
    return name_key(code or "", "|", name, "|", kind.value if kind else "", "|", *(module or ()))


@dataclass(slots=True)
class _DisciplinePlan:
    #: row number → the module: an existing discipline's id or the file row that makes it.
    module_of: dict[int, int | Row] = field(default_factory=dict)


async def _check_disciplines(run: _Run, rows: list[Row]) -> _DisciplinePlan:
    d = m.Discipline
    found = (await run.session.execute(select(d.id, d.code, d.name, d.kind, d.parent_id))).all()
    by_id = {did: (code, name) for did, code, name, _, _ in found}
    modules: list[tuple[Any, Any, int | Row]] = [
        (code, name, did) for did, code, name, kind, _ in found if kind is DisciplineKind.PM
    ]
    modules += [
        (r.values.get("code"), r.values.get("name"), r)
        for r in rows
        if r.values.get("kind") is DisciplineKind.PM and r.values.get("name")
    ]
    plan = _DisciplinePlan()
    existing = {
        _discipline_key(code, name, kind, by_id.get(parent) if parent else None)
        for _, code, name, kind, parent in found
    }
    first: dict[str, int] = {}
    for row in rows:
        v = row.values
        kind = v.get("kind")
        code, name = v.get("moduleCode"), v.get("module")
        named = code is not None or name is not None
        module: tuple[Any, Any] | None = None
        if kind is DisciplineKind.MDK and not named and "moduleCode" not in row.bad:
            run.add(row, "moduleCode", run.msg("import_mdk_needs_module"))
        elif (
            named and kind is not None and kind not in (DisciplineKind.MDK, DisciplineKind.PRACTICE)
        ):
            run.add(
                row,
                "moduleCode" if code is not None else "module",
                run.msg("import_module_only_mdk"),
            )
        elif named and kind is not None:
            matches = [
                (c, n, ref)
                for c, n, ref in modules
                if (code is None or name_key(c) == name_key(code))
                and (name is None or name_key(n) == name_key(name))
            ]
            at = "moduleCode" if code is not None else "module"
            what = " ".join(str(x) for x in (code, name) if x)
            if not matches:
                run.add(row, at, run.msg("import_module_unknown", module=what))
            elif len(matches) > 1:
                run.add(row, at, run.msg("import_module_ambiguous", module=what))
            else:
                c, n, ref = matches[0]
                plan.module_of[row.number] = ref
                module = (c, n)
        if not v.get("name") or kind is None:
            continue
        key = _discipline_key(v.get("code"), v["name"], kind, module)
        if key in existing:
            run.add(row, "name", run.msg("import_discipline_exists"))
        elif key in first:
            run.add(row, "name", run.msg("import_duplicate_row", row=first[key]))
        else:
            first[key] = row.number
    return plan


async def _write_disciplines(run: _Run, rows: list[Row], plan: _DisciplinePlan) -> list[int]:
    made: dict[int, m.Discipline] = {}
    # Rows outside a module first (the modules among them), so their ids are known.
    first = [r for r in rows if r.number not in plan.module_of]
    then = [r for r in rows if r.number in plan.module_of]
    for batch in (first, then):
        for row in batch:
            v = row.values
            ref = plan.module_of.get(row.number)
            parent_id = made[ref.number].id if isinstance(ref, Row) else ref
            made[row.number] = m.Discipline(
                institution_id=run.inst,
                code=v.get("code"),
                name=v["name"],
                short_name=v.get("shortName"),
                kind=v["kind"],
                parent_id=parent_id,
            )
            run.session.add(made[row.number])
        await run.session.flush()
        run.progress("write", len(made), len(rows))
    return [made[r.number].id for r in rows]


# -- the whole import -------------------------------------------------------------------------


async def import_sheet(
    session: AsyncSession,
    sheet: Sheet,
    *,
    kind: ListKind,
    institution_id: int,
    today: dt.date,
    language: str = "ru",
    dry_run: bool = False,
    viewer: Viewer | None = None,
    source: str = "graphql",
    progress: Progress | None = None,
    client_mutation_id: str | None = None,
) -> ImportReport:
    """Check every row; write them all (and commit) only when none has a problem."""
    spec = SPECS[kind]
    if not sheet.rows:
        raise ImportRefused(message("import_empty", language))
    if len(sheet.rows) > MAX_ROWS:
        raise ImportRefused(message("import_too_many", language, limit=MAX_ROWS))
    run = _Run(session, spec, institution_id, today, language, progress or _noop)
    report = ImportReport(kind, len(sheet.rows), dry_run=dry_run)
    mapping = _columns(run, sheet)
    if mapping is None:
        report.problems = run.sorted_problems()
        return report
    rows = _rows(run, sheet, mapping)
    write: Callable[[], Awaitable[list[int]]]
    if kind is ListKind.STUDENTS:
        write = functools.partial(_write_students, run, await _check_students(run, rows), viewer)
    elif kind is ListKind.STAFF:
        write = functools.partial(_write_staff, run, rows, await _check_staff(run, rows))
    elif kind is ListKind.PARENTS:
        write = functools.partial(_write_parents, run, await _check_parents(run, rows))
    else:
        write = functools.partial(
            _write_disciplines, run, rows, await _check_disciplines(run, rows)
        )
    report.problems = run.sorted_problems()
    if report.problems or dry_run:
        await session.rollback()
        return report
    ids: list[int] = await write()
    await record(
        session,
        viewer=viewer,
        action="import",
        object_type=spec.obj,
        object_id=None,
        institution_id=institution_id,
        after={"kind": kind.value, "rows": len(rows), "created": ids, "source": source},
        client_mutation_id=client_mutation_id,
    )
    await session.commit()
    report.imported = len(rows)
    return report
