"""Writing people's cards: students, employees and parents with their personal parts, and the
parent ↔ student links; validation that names the field at fault.

Validation returns ``(field, message)`` pairs keyed by the GraphQL input field name in
camelCase, without the ``input.`` prefix, so one set of checks serves the card mutations
(which add the prefix) and the list import (which maps a field to its column header).

A card is split by the policy object that guards each part: the card itself (``student``,
``employee``, ``parent``), its personal part (``*.personal``: СНИЛС, addresses) and, for
students, health and military registration (``student.health``). :data:`STUDENT_PARTS` and
its siblings say which input field belongs to which part; the mutations declare the
permission of exactly the parts an input touches.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import FundingSource, ParentKind, Sex, StudyForm
from campusgraph.i18n import message
from campusgraph.resolvers.accounts import disable_accounts_of
from campusgraph.resolvers.audit import plain, record
from campusgraph.validators import format_snils, is_valid_email, is_valid_phone, snils_problem

Problem = tuple[str, str]
Values = Mapping[str, Any]


class CardInvalid(Exception):
    """Validation failed; nothing was written. Fields are camelCase input names."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(text for _, text in problems))
        self.problems = list(problems)


class CardNotFound(Exception):
    """The card (or the student of a link) is not in the viewer's institution."""


# -- which field lives where ------------------------------------------------------------------

#: camelCase field → (part, column). Parts: person, card, personal, health.
STUDENT_FIELDS: dict[str, tuple[str, str]] = {
    "surname": ("person", "surname"),
    "name": ("person", "name"),
    "patronymic": ("person", "patronymic"),
    "birthDate": ("person", "birth_date"),
    "sex": ("person", "sex"),
    "citizenship": ("card", "citizenship"),
    "recordBookNumber": ("card", "record_book_number"),
    "enrolmentOrderNumber": ("card", "enrolment_order_number"),
    "enrolmentDate": ("card", "enrolment_date"),
    "fundingSource": ("card", "funding_source"),
    "studyForm": ("card", "study_form"),
    "educationLevel": ("card", "education_level"),
    "snils": ("personal", "snils"),
    "address": ("personal", "address"),
    "registrationAddress": ("personal", "registration_address"),
    "healthGroup": ("health", "health_group"),
    "healthNotes": ("health", "health_notes"),
    "disability": ("health", "disability"),
    "militaryRegistration": ("health", "military_registration"),
}
EMPLOYEE_FIELDS: dict[str, tuple[str, str]] = {
    "surname": ("person", "surname"),
    "name": ("person", "name"),
    "patronymic": ("person", "patronymic"),
    "birthDate": ("person", "birth_date"),
    "sex": ("person", "sex"),
    "phone": ("person", "phone"),
    "email": ("person", "email"),
    "category": ("card", "category"),
    "diplomaSpeciality": ("card", "diploma_speciality"),
    "hiredOn": ("card", "hired_on"),
    "dismissedOn": ("card", "dismissed_on"),
    "positions": ("card", "positions"),
    "snils": ("personal", "snils"),
    "address": ("personal", "address"),
}
PARENT_FIELDS: dict[str, tuple[str, str]] = {
    "surname": ("person", "surname"),
    "name": ("person", "name"),
    "patronymic": ("person", "patronymic"),
    "birthDate": ("person", "birth_date"),
    "sex": ("person", "sex"),
    "phone": ("person", "phone"),
    "email": ("person", "email"),
    "workPlace": ("card", "work_place"),
    "snils": ("personal", "snils"),
    "address": ("personal", "address"),
}

#: The policy object guarding each part of a card.
PART_OBJECT: dict[str, dict[str, str]] = {
    "student": {
        "person": "student",
        "card": "student",
        "personal": "student.personal",
        "health": "student.health",
    },
    "employee": {"person": "employee", "card": "employee", "personal": "employee.personal"},
    "parent": {"person": "parent", "card": "parent", "personal": "parent.personal"},
}
FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "student": STUDENT_FIELDS,
    "employee": EMPLOYEE_FIELDS,
    "parent": PARENT_FIELDS,
}


def objects_touched(card: str, fields: Iterable[str]) -> list[str]:
    """The policy objects guarding the given fields of a ``card`` (in a stable order);
    the card itself when no field is given."""
    parts = FIELDS[card]
    found: list[str] = []
    for name in fields:
        part = parts.get(name)
        if part is None:
            continue
        obj = PART_OBJECT[card][part[0]]
        if obj not in found:
            found.append(obj)
    return sorted(found, key=lambda o: (o != card, o)) or [card]


def personal_fields(card: str) -> frozenset[str]:
    return frozenset(k for k, (part, _) in FIELDS[card].items() if part in ("personal", "health"))


#: Longest value each text field takes (the column sizes).
LIMITS: dict[str, int] = {
    "surname": 128,
    "name": 128,
    "patronymic": 128,
    "citizenship": 64,
    "recordBookNumber": 32,
    "enrolmentOrderNumber": 32,
    "educationLevel": 128,
    "address": 500,
    "registrationAddress": 500,
    "healthGroup": 32,
    "disability": 255,
    "militaryRegistration": 255,
    "category": 64,
    "diplomaSpeciality": 255,
    "phone": 32,
    "email": 255,
    "workPlace": 255,
}
#: Plausible ages on the day of entry, by card.
AGES: dict[str, tuple[int, int]] = {"student": (4, 80), "employee": (14, 100), "parent": (14, 120)}


def clean(value: Any) -> Any:
    """Strings are stripped and an empty one is None; other values pass."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _common_problems(card: str, v: Values, today: dt.date, lang: str) -> list[Problem]:
    problems: list[Problem] = []
    for name in ("surname", "name"):
        if not clean(v.get(name)):
            problems.append((name, message("card_required", lang)))
    for name, limit in LIMITS.items():
        value = v.get(name)
        if isinstance(value, str) and len(value.strip()) > limit:
            problems.append((name, message("card_too_long", lang, limit=limit)))
    birth = v.get("birthDate")
    if birth is not None:
        low, high = AGES[card]
        age = (today - birth).days / 365.25
        if not low <= age <= high:
            problems.append(("birthDate", message("card_birth_implausible", lang)))
    snils = clean(v.get("snils"))
    if snils is not None:
        why = snils_problem(snils)
        if why is not None:
            problems.append(("snils", message(f"card_snils_{why}", lang)))
    email = clean(v.get("email"))
    if email is not None and not is_valid_email(email):
        problems.append(("email", message("card_email", lang)))
    phone = clean(v.get("phone"))
    if phone is not None and not is_valid_phone(phone):
        problems.append(("phone", message("card_phone", lang)))
    return problems


def student_problems(v: Values, today: dt.date, lang: str = "ru") -> list[Problem]:
    """Checks of a student card's values (camelCase keys; a missing key is not checked,
    except the names, birth date and sex, which every card has)."""
    problems = _common_problems("student", v, today, lang)
    for name in ("birthDate", "sex"):
        if v.get(name) is None:
            problems.append((name, message("card_required", lang)))
    if "citizenship" in v and not clean(v.get("citizenship")):
        problems.append(("citizenship", message("card_required", lang)))
    enrolled = v.get("enrolmentDate")
    if enrolled is not None and enrolled > today:
        problems.append(("enrolmentDate", message("card_enrolment_future", lang)))
    birth = v.get("birthDate")
    if enrolled is not None and birth is not None and enrolled <= birth:
        problems.append(("enrolmentDate", message("card_enrolment_before_birth", lang)))
    for name in ("fundingSource", "studyForm"):
        if name in v and v[name] is None:
            problems.append((name, message("card_required", lang)))
    return _sorted(problems, STUDENT_FIELDS)


def employee_problems(v: Values, today: dt.date, lang: str = "ru") -> list[Problem]:
    """Checks of an employee card's values; position names are checked against the
    institution's list by :func:`resolve_positions`."""
    problems = _common_problems("employee", v, today, lang)
    hired, dismissed = v.get("hiredOn"), v.get("dismissedOn")
    if hired is not None and dismissed is not None and dismissed < hired:
        problems.append(("dismissedOn", message("card_dismissed_before_hired", lang)))
    birth = v.get("birthDate")
    if hired is not None and birth is not None and hired <= birth:
        problems.append(("hiredOn", message("card_hired_before_birth", lang)))
    return _sorted(problems, EMPLOYEE_FIELDS)


def parent_problems(v: Values, today: dt.date, lang: str = "ru") -> list[Problem]:
    return _sorted(_common_problems("parent", v, today, lang), PARENT_FIELDS)


def _sorted(problems: list[Problem], order: Mapping[str, Any]) -> list[Problem]:
    rank = {name: i for i, name in enumerate(order)}
    return sorted(problems, key=lambda p: rank.get(p[0], len(rank)))


def prefixed(problems: Iterable[Problem], prefix: str = "input.") -> list[Problem]:
    return [(f"{prefix}{field}", text) for field, text in problems]


# -- the student card (create) ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StudentCardFields:
    surname: str
    name: str
    patronymic: str | None
    birth_date: dt.date
    sex: Sex | None
    citizenship: str
    snils: str | None
    address: str | None
    enrolment_order_number: str | None
    enrolment_date: dt.date | None
    registration_address: str | None = None
    record_book_number: str | None = None
    funding_source: FundingSource = FundingSource.BUDGET
    study_form: StudyForm = StudyForm.FULL_TIME
    education_level: str | None = None

    def values(self) -> dict[str, Any]:
        """camelCase field → value, as the checks and :data:`STUDENT_FIELDS` name them."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            head, *rest = f.name.split("_")
            out[head + "".join(w.title() for w in rest)] = getattr(self, f.name)
        return out


def validate_student_card(
    fields: StudentCardFields, today: dt.date, language: str = "ru"
) -> list[Problem]:
    """Problems of a new card, with ``input.``-prefixed field paths."""
    return prefixed(student_problems(fields.values(), today, language))


def _text(value: Any) -> Any:
    return clean(value)


def _snils(value: str | None) -> str | None:
    value = clean(value)
    return format_snils(value) if value else None


async def insert_students(
    session: AsyncSession,
    institution_id: int,
    cards: Sequence[StudentCardFields],
    *,
    created_on: dt.date,
    created_by_user_id: int | None,
) -> list[tuple[m.Student, m.Person]]:
    """Insert validated cards in three batched statements (persons, cards, personal parts).

    ``created_on`` is the institution's today: the card's deadline is counted to it."""
    persons = [
        m.Person(
            institution_id=institution_id,
            surname=c.surname.strip(),
            name=c.name.strip(),
            patronymic=_text(c.patronymic),
            birth_date=c.birth_date,
            sex=c.sex,
        )
        for c in cards
    ]
    session.add_all(persons)
    await session.flush()
    students = [
        m.Student(
            institution_id=institution_id,
            person_id=p.id,
            citizenship=_text(c.citizenship) or "Российская Федерация",
            record_book_number=_text(c.record_book_number),
            enrolment_order_number=_text(c.enrolment_order_number),
            enrolment_date=c.enrolment_date,
            funding_source=c.funding_source,
            study_form=c.study_form,
            education_level=_text(c.education_level),
            created_on=created_on,
            created_by_user_id=created_by_user_id,
        )
        for c, p in zip(cards, persons, strict=True)
    ]
    session.add_all(students)
    await session.flush()
    await session.execute(
        insert(m.StudentPersonal),
        [
            {
                "institution_id": institution_id,
                "student_id": s.id,
                "snils": _snils(c.snils),
                "address": _text(c.address),
                "registration_address": _text(c.registration_address),
            }
            for c, s in zip(cards, students, strict=True)
        ],
    )
    return list(zip(students, persons, strict=True))


def _created(card: StudentCardFields) -> dict[str, Any]:
    return {
        "surname": card.surname.strip(),
        "name": card.name.strip(),
        "patronymic": _text(card.patronymic),
        "birth_date": card.birth_date.isoformat(),
        "snils_set": bool(clean(card.snils)),
    }


async def create_student_card(
    ctx: Context, fields: StudentCardFields, client_mutation_id: str | None
) -> tuple[m.Student, m.Person]:
    viewer = ctx.viewer
    assert viewer is not None
    inst = viewer.institution_id
    assert inst is not None
    async with ctx.session(write=True) as session:
        [(student, person)] = await insert_students(
            session,
            inst,
            [fields],
            created_on=ctx.settings.current_date(),
            created_by_user_id=viewer.user_id,
        )
        await record(
            session,
            viewer=viewer,
            action="create",
            object_type="student",
            object_id=student.id,
            institution_id=inst,
            after=_created(fields),
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return student, person


# -- updating any card ------------------------------------------------------------------------


def _current(rows: Mapping[str, Any], spec: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (part, column) in spec.items():
        row = rows.get(part)
        if row is not None and hasattr(row, column):
            out[name] = getattr(row, column)
    return out


def _normalised(name: str, value: Any) -> Any:
    value = clean(value)
    if name == "snils" and value is not None and snils_problem(value) != "format":
        return format_snils(value)  # a malformed one stays as given, for the checks to name
    return value


def _audit_changes(
    spec: Mapping[str, tuple[str, str]], before: Values, after: Values, changed: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Before/after of the changed card fields; personal and health values are not copied
    into the audit trail, only named."""
    b: dict[str, Any] = {}
    a: dict[str, Any] = {}
    hidden: list[str] = []
    for name in changed:
        if spec[name][0] in ("personal", "health"):
            hidden.append(name)
            continue
        b[name] = plain(before.get(name))
        a[name] = plain(after.get(name))
    if hidden:
        a["personal_changed"] = sorted(hidden)
    return b, a


def _apply(rows: Mapping[str, Any], spec: Mapping[str, tuple[str, str]], values: Values) -> None:
    for name, value in values.items():
        part, column = spec[name]
        if name == "positions":
            continue
        setattr(rows[part], column, value)


async def update_student_card(
    ctx: Context, student_id: int, changes: Values, client_mutation_id: str | None
) -> tuple[m.Student, m.Person]:
    """Change the given fields (camelCase → value; None clears an optional field)."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    changes = {k: _normalised(k, v) for k, v in changes.items() if k in STUDENT_FIELDS}
    async with ctx.session(write=True) as session:
        student, person = await _card(session, m.Student, student_id)
        personal = await _personal(
            session, m.StudentPersonal, "student_id", viewer.institution_id, student_id
        )
        rows = {"person": person, "card": student, "personal": personal, "health": personal}
        before = _current(rows, STUDENT_FIELDS)
        merged = {**before, **changes}
        today = ctx.settings.current_date()
        problems = [p for p in student_problems(merged, today, ctx.language) if p[0] in changes]
        if problems:
            raise CardInvalid(problems)
        changed = [k for k, v in changes.items() if before.get(k) != v]
        _apply(rows, STUDENT_FIELDS, {k: changes[k] for k in changed})
        if changed:
            b, a = _audit_changes(STUDENT_FIELDS, before, merged, changed)
            await record(
                session,
                viewer=viewer,
                action="update",
                object_type="student",
                object_id=student_id,
                institution_id=viewer.institution_id,
                before=b,
                after=a,
                client_mutation_id=client_mutation_id,
            )
        await session.commit()
    return student, person


CardT = TypeVar("CardT", m.Student, m.Employee, m.Parent)
PersonalT = TypeVar("PersonalT", m.StudentPersonal, m.EmployeePersonal, m.ParentPersonal)


async def _card(session: AsyncSession, card: type[CardT], pk: int) -> tuple[CardT, m.Person]:
    """A student's, employee's or parent's card with its person; :class:`CardNotFound`
    when there is none the session may see."""
    found = (
        await session.execute(
            select(card, m.Person)
            .join(m.Person, m.Person.id == card.person_id)
            .where(card.id == pk)
        )
    ).first()
    if found is None:
        raise CardNotFound
    return found[0], found[1]


async def _personal(
    session: AsyncSession, model: type[PersonalT], owner: str, institution_id: int, pk: int
) -> PersonalT:
    """The card's personal part (``owner`` names its key column), added empty when the
    card has none yet: personal data is optional and filled in later."""
    found = (
        await session.execute(select(model).where(getattr(model, owner) == pk))
    ).scalar_one_or_none()
    if found is None:
        found = model(institution_id=institution_id, **{owner: pk})
        session.add(found)
    return found


# -- employees --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PositionChoice:
    name: str
    is_main: bool = False


async def resolve_positions(
    session: AsyncSession, choices: Sequence[PositionChoice], lang: str, *, required: bool = True
) -> tuple[list[tuple[int, bool]], list[Problem]]:
    """Position names → (position id, is main) in the viewer's institution. With no main
    position marked, the first is the main one; two main ones or an unknown name is a problem."""
    problems: list[Problem] = []
    if not choices:
        if required:
            problems.append(("positions", message("card_positions_required", lang)))
        return [], problems
    names = [c.name.strip() for c in choices]
    known = dict(
        (
            await session.execute(
                select(m.Position.name, m.Position.id).where(m.Position.name.in_(names))
            )
        ).all()
    )
    out: list[tuple[int, bool]] = []
    seen: set[str] = set()
    for choice, name in zip(choices, names, strict=True):
        if name in seen:
            problems.append(("positions", message("card_position_twice", lang, name=name)))
            continue
        seen.add(name)
        pid = known.get(name)
        if pid is None:
            problems.append(("positions", message("card_position_unknown", lang, name=name)))
            continue
        out.append((pid, choice.is_main))
    mains = sum(1 for _, main in out if main)
    if mains > 1:
        problems.append(("positions", message("card_positions_one_main", lang)))
    if out and mains == 0:
        out[0] = (out[0][0], True)
    return out, problems


async def _set_positions(
    session: AsyncSession, institution_id: int, employee_id: int, positions: list[tuple[int, bool]]
) -> None:
    await session.execute(
        delete(m.EmployeePosition)
        .where(m.EmployeePosition.employee_id == employee_id)
        .execution_options(synchronize_session=False)
    )
    if positions:
        await session.execute(
            insert(m.EmployeePosition),
            [
                {
                    "institution_id": institution_id,
                    "employee_id": employee_id,
                    "position_id": pid,
                    "is_main": main,
                }
                for pid, main in positions
            ],
        )


def person_row(institution_id: int, v: Values) -> m.Person:
    return m.Person(
        institution_id=institution_id,
        surname=str(v["surname"]).strip(),
        name=str(v["name"]).strip(),
        patronymic=clean(v.get("patronymic")),
        birth_date=v.get("birthDate"),
        sex=v.get("sex"),
        phone=clean(v.get("phone")),
        email=clean(v.get("email")),
    )


async def insert_employees(
    session: AsyncSession,
    institution_id: int,
    cards: Sequence[Values],
    positions: Sequence[list[tuple[int, bool]]],
) -> list[tuple[m.Employee, m.Person]]:
    """Insert validated employee cards (camelCase values) with their positions."""
    persons = [person_row(institution_id, v) for v in cards]
    session.add_all(persons)
    await session.flush()
    employees = [
        m.Employee(
            institution_id=institution_id,
            person_id=p.id,
            category=clean(v.get("category")),
            diploma_speciality=clean(v.get("diplomaSpeciality")),
            hired_on=v.get("hiredOn"),
            dismissed_on=v.get("dismissedOn"),
        )
        for v, p in zip(cards, persons, strict=True)
    ]
    session.add_all(employees)
    await session.flush()
    await session.execute(
        insert(m.EmployeePersonal),
        [
            {
                "institution_id": institution_id,
                "employee_id": e.id,
                "snils": _snils(v.get("snils")),
                "address": clean(v.get("address")),
            }
            for v, e in zip(cards, employees, strict=True)
        ],
    )
    held = [
        {"institution_id": institution_id, "employee_id": e.id, "position_id": pid, "is_main": main}
        for e, chosen in zip(employees, positions, strict=True)
        for pid, main in chosen
    ]
    if held:
        await session.execute(insert(m.EmployeePosition), held)
    return list(zip(employees, persons, strict=True))


def _person_audit(v: Values) -> dict[str, Any]:
    return {
        "surname": clean(v.get("surname")),
        "name": clean(v.get("name")),
        "patronymic": clean(v.get("patronymic")),
        "birth_date": plain(v.get("birthDate")),
        "snils_set": bool(clean(v.get("snils"))),
    }


async def create_employee_card(
    ctx: Context,
    values: Values,
    positions: Sequence[PositionChoice],
    client_mutation_id: str | None,
) -> tuple[m.Employee, m.Person]:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    problems = employee_problems(values, ctx.settings.current_date(), ctx.language)
    async with ctx.session(write=True) as session:
        chosen, more = await resolve_positions(session, positions, ctx.language)
        if problems or more:
            raise CardInvalid(_sorted(problems + more, EMPLOYEE_FIELDS))
        [(employee, person)] = await insert_employees(session, inst, [values], [chosen])
        await record(
            session,
            viewer=viewer,
            action="create",
            object_type="employee",
            object_id=employee.id,
            institution_id=inst,
            after={**_person_audit(values), "positions": [c.name for c in positions]},
            client_mutation_id=client_mutation_id,
        )
        await _apply_dismissal(session, person.id, None, employee.dismissed_on, ctx)
        await session.commit()
    return employee, person


async def _apply_dismissal(
    session: AsyncSession, person_id: int, old: dt.date | None, new: dt.date | None, ctx: Context
) -> None:
    """A dismissal date that has come disables the person's accounts (and ends their
    sessions) from that day; a later one is enforced at sign-in from its day. Taking a
    dismissal back re-enables exactly the accounts that dismissal disabled."""
    today = ctx.settings.current_date()
    if old is not None and old != new:
        stamp = dt.datetime.combine(old, dt.time(), tzinfo=dt.UTC)
        accounts = (
            (
                await session.execute(
                    select(m.UserAccount).where(
                        m.UserAccount.person_id == person_id, m.UserAccount.disabled_at.is_not(None)
                    )
                )
            )
            .scalars()
            .all()
        )
        for account in accounts:
            if account.disabled_at == stamp:
                account.disabled_at = None
        await session.flush()
    if new is not None and new != old and new <= today:
        await disable_accounts_of(session, person_id, new)


async def update_employee_card(
    ctx: Context,
    employee_id: int,
    changes: Values,
    positions: Sequence[PositionChoice] | None,
    client_mutation_id: str | None,
) -> tuple[m.Employee, m.Person]:
    """Change the given fields; ``positions`` (when given) replaces the list of positions."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    changes = {k: _normalised(k, v) for k, v in changes.items() if k in EMPLOYEE_FIELDS}
    changes.pop("positions", None)
    async with ctx.session(write=True) as session:
        employee, person = await _card(session, m.Employee, employee_id)
        personal = await _personal(session, m.EmployeePersonal, "employee_id", inst, employee_id)
        rows = {"person": person, "card": employee, "personal": personal}
        before = _current(rows, EMPLOYEE_FIELDS)
        merged = {**before, **changes}
        today = ctx.settings.current_date()
        problems = [p for p in employee_problems(merged, today, ctx.language) if p[0] in changes]
        chosen: list[tuple[int, bool]] = []
        if positions is not None:
            chosen, more = await resolve_positions(session, positions, ctx.language)
            problems += more
        if problems:
            raise CardInvalid(_sorted(problems, EMPLOYEE_FIELDS))
        changed = [k for k, v in changes.items() if before.get(k) != v]
        old_dismissal = employee.dismissed_on
        _apply(rows, EMPLOYEE_FIELDS, {k: changes[k] for k in changed})
        b, a = _audit_changes(EMPLOYEE_FIELDS, before, merged, changed)
        if positions is not None:
            await _set_positions(session, inst, employee_id, chosen)
            a["positions"] = [p.name for p in positions]
        if changed or positions is not None:
            await record(
                session,
                viewer=viewer,
                action="update",
                object_type="employee",
                object_id=employee_id,
                institution_id=inst,
                before=b,
                after=a,
                client_mutation_id=client_mutation_id,
            )
        await session.flush()
        await _apply_dismissal(session, person.id, old_dismissal, employee.dismissed_on, ctx)
        await session.commit()
    return employee, person


# -- parents ----------------------------------------------------------------------------------


async def insert_parents(
    session: AsyncSession, institution_id: int, cards: Sequence[Values]
) -> list[tuple[m.Parent, m.Person]]:
    persons = [person_row(institution_id, v) for v in cards]
    session.add_all(persons)
    await session.flush()
    parents = [
        m.Parent(
            institution_id=institution_id, person_id=p.id, work_place=clean(v.get("workPlace"))
        )
        for v, p in zip(cards, persons, strict=True)
    ]
    session.add_all(parents)
    await session.flush()
    await session.execute(
        insert(m.ParentPersonal),
        [
            {
                "institution_id": institution_id,
                "parent_id": p.id,
                "snils": _snils(v.get("snils")),
                "address": clean(v.get("address")),
            }
            for v, p in zip(cards, parents, strict=True)
        ],
    )
    return list(zip(parents, persons, strict=True))


async def create_parent_card(
    ctx: Context, values: Values, client_mutation_id: str | None
) -> tuple[m.Parent, m.Person]:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    problems = parent_problems(values, ctx.settings.current_date(), ctx.language)
    if problems:
        raise CardInvalid(problems)
    async with ctx.session(write=True) as session:
        [(parent, person)] = await insert_parents(session, viewer.institution_id, [values])
        await record(
            session,
            viewer=viewer,
            action="create",
            object_type="parent",
            object_id=parent.id,
            institution_id=viewer.institution_id,
            after=_person_audit(values),
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return parent, person


async def update_parent_card(
    ctx: Context, parent_id: int, changes: Values, client_mutation_id: str | None
) -> tuple[m.Parent, m.Person]:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    changes = {k: _normalised(k, v) for k, v in changes.items() if k in PARENT_FIELDS}
    async with ctx.session(write=True) as session:
        parent, person = await _card(session, m.Parent, parent_id)
        personal = await _personal(session, m.ParentPersonal, "parent_id", inst, parent_id)
        rows = {"person": person, "card": parent, "personal": personal}
        before = _current(rows, PARENT_FIELDS)
        merged = {**before, **changes}
        today = ctx.settings.current_date()
        problems = [p for p in parent_problems(merged, today, ctx.language) if p[0] in changes]
        if problems:
            raise CardInvalid(problems)
        changed = [k for k, v in changes.items() if before.get(k) != v]
        _apply(rows, PARENT_FIELDS, {k: changes[k] for k in changed})
        if changed:
            b, a = _audit_changes(PARENT_FIELDS, before, merged, changed)
            await record(
                session,
                viewer=viewer,
                action="update",
                object_type="parent",
                object_id=parent_id,
                institution_id=inst,
                before=b,
                after=a,
                client_mutation_id=client_mutation_id,
            )
        await session.commit()
    return parent, person


@dataclass(frozen=True, slots=True)
class Linked:
    parent: m.Parent
    parent_person: m.Person
    student: m.Student
    student_person: m.Person
    kind: ParentKind | None


async def _pair(session: AsyncSession, parent_id: int, student_id: int) -> Linked:
    parent = (
        await session.execute(
            select(m.Parent, m.Person)
            .join(m.Person, m.Person.id == m.Parent.person_id)
            .where(m.Parent.id == parent_id)
        )
    ).first()
    student = (
        await session.execute(
            select(m.Student, m.Person)
            .join(m.Person, m.Person.id == m.Student.person_id)
            .where(m.Student.id == student_id)
        )
    ).first()
    if parent is None or student is None:
        raise CardNotFound
    return Linked(parent[0], parent[1], student[0], student[1], None)


async def link_parent(
    ctx: Context, parent_id: int, student_id: int, kind: ParentKind, client_mutation_id: str | None
) -> Linked:
    """Link a parent to a student of the same institution (both are looked up in the
    viewer's institution only); linking again changes the kind."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    async with ctx.session(write=True) as session:
        pair = await _pair(session, parent_id, student_id)
        link = (
            await session.execute(
                select(m.ParentLink).where(
                    m.ParentLink.parent_id == parent_id, m.ParentLink.student_id == student_id
                )
            )
        ).scalar_one_or_none()
        before = None
        if link is None:
            session.add(
                m.ParentLink(
                    institution_id=viewer.institution_id,
                    parent_id=parent_id,
                    student_id=student_id,
                    kind=kind,
                )
            )
        elif link.kind != kind:
            before = {"kind": link.kind.value}
            link.kind = kind
        if link is None or before is not None:
            await record(
                session,
                viewer=viewer,
                action="link" if link is None else "update_link",
                object_type="parent",
                object_id=parent_id,
                institution_id=viewer.institution_id,
                before=before,
                after={"student": student_id, "kind": kind.value},
                client_mutation_id=client_mutation_id,
            )
        await session.commit()
    return dataclasses.replace(pair, kind=kind)


async def unlink_parent(
    ctx: Context, parent_id: int, student_id: int, client_mutation_id: str | None
) -> Linked:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    async with ctx.session(write=True) as session:
        pair = await _pair(session, parent_id, student_id)
        link = (
            await session.execute(
                select(m.ParentLink).where(
                    m.ParentLink.parent_id == parent_id, m.ParentLink.student_id == student_id
                )
            )
        ).scalar_one_or_none()
        if link is None:
            raise CardInvalid([("student", message("card_not_linked", ctx.language))])
        kind = link.kind
        await session.delete(link)
        await record(
            session,
            viewer=viewer,
            action="unlink",
            object_type="parent",
            object_id=parent_id,
            institution_id=viewer.institution_id,
            before={"student": student_id, "kind": kind.value},
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return dataclasses.replace(pair, kind=kind)
