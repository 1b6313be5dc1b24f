"""A generated region for load tests and benchmarks: N institutions × M students.

``campusgraph seed region --institutions 50 --students 1000`` writes what a regional
deployment holds after a term of work: per institution groups of 25–30 students (the
first, the benchmark group, has 30), 15 disciplines taught 30 lessons a week from a
clash-free timetable, every lesson of the first semester (colleges) or half-year (schools)
up to ``today`` with a graded work, about 8 marks per student per discipline per month,
absences in illness spells and lateness, quarter marks where a school quarter has ended,
parents, staff, accounts and role assignments. Institution *i* (0-based) takes the ruleset
of the five shipped ones in turn (``INSTITUTIONS[i % 5]``) and its kind (college or
school).

What the benchmark relies on, in every institution (slug ``<region>-001`` … ): login
``teacher`` (the ruleset's teaching role; password ``demo``) teaches the first discipline
(mathematics, 4 lessons a week) in the first group (30 students) and in the next few;
login = role name for every other role of the ruleset (the curating role curates the first
group and teaches nothing; ``student`` is the first student of the first group and
``parent`` his parent); every other teacher signs in as ``teacherNNN``.

Deterministic: institution *i* depends only on ``seed``, ``today``, *i* and ``students``,
not on how many institutions are generated (ids continue from what the database holds),
so the first institution of a 1-institution region and of a 50-institution region hold
the same rows, ids included, in an empty database — the benchmark compares them. Only the
password hash's salt differs from run to run.

Speed: rows are tuples with ids assigned here; the big tables go to PostgreSQL with
``COPY`` (asyncpg ``copy_records_to_table``; as a superuser with
``session_replication_role = replica``, so per-row foreign-key and closed-period triggers
are skipped: the generator writes consistent rows into open periods only) and to SQLite
with one ``executemany`` per chunk on the raw connection. Each institution is one
transaction. Personal data tables, thematic plans and community tables are left empty.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import itertools
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import holidays
from sqlalchemy import Boolean, Date, DateTime, Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campusgraph.db import models as m
from campusgraph.db.demo import (
    ADULT_FEMALE_NAMES,
    CHILD_FEMALE_NAMES,
    CHILD_MALE_NAMES,
    COLLEGE_BELLS,
    COLLEGE_GENERAL,
    COMMON_ROOMS,
    DEMO_PASSWORD,
    GENERIC_TOPICS,
    HOMEWORK,
    HOMEWORK_SHARE,
    INSTITUTIONS,
    MALE_NAMES,
    NON_STAFF_ROLES,
    ROLE_POSITIONS,
    SCHOOL_BELLS,
    SCHOOL_SUBJECTS,
    SPECIALITIES,
    TOPICS,
    VARIANTS,
    WORK_CYCLES,
    WORK_LESSON_TYPES,
    WORK_PLACES,
    WORK_TITLES,
    DisciplineDef,
    InstitutionSpec,
    _advance_sequences,
    _Calendar,
    _clock,
    _day_transfer,
    _female_surname,
    _flush,
    _Ids,
    _next_ids,
    _Rows,
    _Term,
    _utc,
    academic_year_bounds,
    school_quarters,
)
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    AttestationForm,
    FinalMarkKind,
    FundingSource,
    InstitutionKind,
    LessonType,
    MovementKind,
    ParentKind,
    PeriodKind,
    Sex,
    StudentStatus,
    StudyForm,
    TimetableKind,
    WorkKind,
)
from campusgraph.db.tenancy import unscoped
from campusgraph.i18n import message, plural
from campusgraph.security import hash_password

try:
    from faker import Faker
except ModuleNotFoundError as error:  # the demo extra is not installed
    from campusgraph.extras import MissingExtra

    raise MissingExtra("demo", error) from None

#: Bump when the generated rows change: the benchmark caches datasets by it.
GENERATOR_VERSION = 1

DEFAULT_REGION = "bench-region"
GROUP_MIN, GROUP_MAX = 25, 30
WEEKDAYS, SLOTS = 5, 6
CELLS = WEEKDAYS * SLOTS
#: Lessons a week one teacher takes at most (contiguous blocks of groups per teacher keep
#: the rotated timetable clash-free, see :func:`week_pattern`).
TEACHER_WEEKLY_CAP = 18
MARKS_PER_MONTH = 8
#: Rows per COPY / executemany of a big table.
BATCH = 20_000

#: The 15 disciplines and their lessons a week (30 in all). The first is the benchmark's
#: journal: mathematics, 4 lessons a week.
COLLEGE_WEEKLY: tuple[tuple[str, int], ...] = (
    ("ОУД.04", 4), ("ОУД.01", 3), ("ОУД.03", 3), ("ОУД.02", 2), ("ОУД.05", 2),
    ("ОУД.06", 2), ("ОУД.08", 2), ("ОУД.09", 2), ("ОУД.10", 2), ("ОУД.11", 2),
    ("ОУД.12", 2), ("ОУД.07", 1), ("ОУД.13", 1), ("СГ.01", 1), ("СГ.05", 1),
)  # fmt: skip
SCHOOL_WEEKLY: tuple[tuple[str, int], ...] = (
    ("МА", 4), ("РЯ", 3), ("ИЯ", 3), ("ЛИТ", 2), ("ИС", 2),
    ("ФК", 2), ("ИНФ", 2), ("ФИЗ", 2), ("ХИМ", 2), ("БИО", 2),
    ("ОБЩ", 2), ("ГЕО", 1), ("МУЗ", 1), ("ИЗО", 1), ("ТР", 1),
)  # fmt: skip
COLLEGE_GROUP_PREFIXES = ("ИС", "ТМ", "АТ", "ПК")
SCHOOL_GRADES = (5, 6, 7, 8, 9, 10, 11)
CLASS_LETTERS = "АБВГДЕЖИКЛМН"

Row = tuple[Any, ...]
VALUES = {2: "2", 3: "3", 4: "4", 5: "5"}

#: Columns written to each big table, in tuple order; the rest take their defaults.
BIG_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": (
        "id", "institution_id", "surname", "name", "patronymic", "birth_date", "sex", "phone",
    ),
    "student": (
        "id", "institution_id", "person_id", "status", "citizenship", "record_book_number",
        "enrolment_order_number", "enrolment_date", "funding_source", "study_form",
        "education_level",
    ),
    "parent": ("id", "institution_id", "person_id", "work_place"),
    "parent_link": ("id", "institution_id", "parent_id", "student_id", "kind"),
    "movement_order_item": (
        "id", "institution_id", "order_id", "student_id", "from_group_id", "to_group_id",
    ),
    "group_membership": (
        "id", "institution_id", "student_id", "group_id", "starts_on", "ends_on", "on_leave",
        "start_order_id",
    ),
    "lesson": (
        "id", "institution_id", "group_id", "discipline_id", "teacher_id", "date", "slot",
        "topic", "lesson_type", "homework", "version", "updated_at",
    ),
    "work": (
        "id", "institution_id", "lesson_id", "group_id", "discipline_id", "date", "kind",
        "number", "title",
    ),
    "mark": (
        "id", "institution_id", "work_id", "lesson_id", "student_id", "group_id",
        "discipline_id", "date", "value", "author_user_id", "version", "updated_at",
    ),
    "attendance": (
        "id", "institution_id", "lesson_id", "student_id", "group_id", "discipline_id", "date",
        "status", "reason", "reason_set_by_user_id", "author_user_id", "version", "updated_at",
    ),
    "final_mark": (
        "id", "institution_id", "student_id", "discipline_id", "group_id", "period_id", "date",
        "kind", "value", "needs_approval", "author_user_id", "version", "updated_at",
    ),
}  # fmt: skip
#: Dependency order of the big tables.
BIG_ORDER: tuple[str, ...] = tuple(BIG_COLUMNS)


class _Counters(_Ids):
    """The demo's id allocator, with a fast ``next`` per table for the hot loops."""

    def __init__(self, start: dict[str, int]) -> None:
        super().__init__(start)
        self._counters: dict[str, Callable[[], int]] = {}

    def counter(self, table: str) -> Callable[[], int]:
        found = self._counters.get(table)
        if found is None:
            found = self._counters[table] = itertools.count(self._next.get(table, 1)).__next__
        return found

    def take(self, table: str) -> int:
        return self.counter(table)()


class RegionExists(RuntimeError):
    """The region slug is taken: generate into a fresh database or under another slug."""


# =====================================================================================
# Result
# =====================================================================================


@dataclass(slots=True)
class RegionSummary:
    region: str
    institutions: list[tuple[str, str]] = field(default_factory=list)  # (slug, ruleset)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0

    def render(self, lang: str = "ru") -> str:
        """What ``campusgraph seed region`` prints, in the run's language."""

        def n(key: str, table: str) -> str:
            return plural(key, self.counts.get(table, 0), lang)

        first = self.institutions[0][0] if self.institutions else "—"
        return "\n".join(
            [
                message(
                    "cli_seed_summary",
                    lang,
                    region=self.region,
                    institutions=plural("count_institutions", len(self.institutions), lang),
                    students=n("count_students", "student"),
                    lessons=n("count_lessons", "lesson"),
                    marks=n("count_marks", "mark"),
                    attendance=n("count_attendance_records", "attendance"),
                    seconds=f"{self.seconds:.1f}",
                ),
                message(
                    "cli_seed_sign_in",
                    lang,
                    first=first,
                    region=self.region,
                    password=DEMO_PASSWORD,
                ),
            ]
        )


# =====================================================================================
# Shapes: group sizes, the weekly pattern, teachers' blocks
# =====================================================================================


def group_sizes(students: int) -> list[int]:
    """Sizes of 25–30 summing to ``students``, the first one 30 (the benchmark group);
    fewer than 25 students make one group. Deterministic in ``students`` alone."""
    if students <= 0:
        return []
    if students <= GROUP_MAX:
        return [students]
    low, high = math.ceil(students / GROUP_MAX), students // GROUP_MIN
    count = min(max(round(students / 27.5), low), high) if low <= high else low
    sizes = [GROUP_MAX] + [GROUP_MIN] * (count - 1)
    rest = students - sum(sizes)
    rng = random.Random(f"group-sizes:{students}")
    while rest > 0:
        open_ = [i for i in range(1, count) if sizes[i] < GROUP_MAX]
        if not open_:  # fewer than 25 a group would be needed: overflow evenly
            sizes[1 + rest % (count - 1)] += 1
        else:
            sizes[rng.choice(open_)] += 1
        rest -= 1
    while rest < 0:  # only when count was forced up to ``low``
        shrink = [i for i in range(1, count) if sizes[i] > 1]
        sizes[rng.choice(shrink)] -= 1
        rest += 1
    return sizes


def teacher_block(weekly: int, groups: int) -> int:
    """How many groups one teacher of a discipline with ``weekly`` lessons takes."""
    return max(1, min(groups, TEACHER_WEEKLY_CAP // weekly))


@functools.lru_cache(maxsize=4)
def week_pattern(weekly: tuple[int, ...]) -> tuple[int, ...]:
    """The discipline index of each of the 30 cells (weekday-major) of group 0; group *j*
    follows the pattern rotated by *j* cells.

    Two lessons of one discipline are at least ``teacher_block`` cells apart (cyclically),
    and two groups of one teacher are fewer rotations apart than that: no teacher is ever
    in two places at once, and no group has one discipline more than twice a day. Found
    by a seeded randomised search, so the same for every run."""
    if sum(weekly) != CELLS:
        raise ValueError(f"a week has {CELLS} lessons, not {sum(weekly)}")
    order = sorted(range(len(weekly)), key=lambda i: -weekly[i])
    gaps = [teacher_block(w, CELLS) if w > 1 else 1 for w in weekly]
    rng = random.Random("week-pattern")

    def distance(a: int, b: int) -> int:
        return min((a - b) % CELLS, (b - a) % CELLS)

    for _ in range(5000):
        cells: list[int | None] = [None] * CELLS
        for d in order:
            free = [c for c in range(CELLS) if cells[c] is None]
            rng.shuffle(free)
            spots: list[int] = []
            for c in free:
                if all(distance(c, s) >= gaps[d] for s in spots):
                    spots.append(c)
                    if len(spots) == weekly[d]:
                        break
            if len(spots) < weekly[d]:
                break
            for s in spots:
                cells[s] = d
        else:
            return tuple(c for c in cells if c is not None)
    raise ValueError(f"no clash-free week for {weekly}")


# =====================================================================================
# Names
# =====================================================================================


@functools.lru_cache(maxsize=2)
def _surnames(seed: int) -> tuple[str, ...]:
    fake = Faker("ru_RU")
    fake.seed_instance(f"{seed}:surnames")
    return tuple(dict.fromkeys(fake.last_name_male() for _ in range(600)))


@functools.lru_cache(maxsize=4)
def _days_off(first_year: int) -> dict[dt.date, str]:
    ru = holidays.country_holidays("RU", years=(first_year, first_year + 1), language="ru")
    return {day: str(name) for day, name in sorted(ru.items())}


def _phone(rng: random.Random) -> str:
    r = rng.randint
    return f"+7 9{r(0, 99):02d} {r(0, 999):03d}-{r(0, 99):02d}-{r(0, 99):02d}"


# =====================================================================================
# One institution
# =====================================================================================


@dataclass(slots=True)
class _Discipline:
    id: int
    d: DisciplineDef
    weekly: int
    #: Per lesson position: (topic, lesson type, work kind, work number).
    plan: list[tuple[str, LessonType, WorkKind, int | None]] = field(default_factory=list)
    mark_share: float = 1.0


@dataclass(slots=True)
class _Group:
    index: int
    id: int
    name: str
    year: int
    size: int
    admission_year: int
    order_id: int = 0
    order_number: str = ""
    curator_user: int | None = None


@dataclass(slots=True)
class _Teacher:
    employee_id: int
    person_id: int
    user_id: int = 0


class _Institution:
    """Builds one institution: its structure and staff at once (small tables), then the
    students and journal of one group at a time (big tables, as tuples)."""

    def __init__(
        self,
        index: int,
        *,
        region_slug: str,
        region_id: int,
        students: int,
        seed: int,
        today: dt.date,
        ids: _Counters,
        password_hash: str,
    ) -> None:
        self.index = index
        self.spec: InstitutionSpec = INSTITUTIONS[index % len(INSTITUTIONS)]
        self.college = self.spec.kind is InstitutionKind.COLLEGE
        self.slug = f"{region_slug}-{index + 1:03d}"
        self.region_id = region_id
        self.seed = seed
        self.today = today
        self.ids = ids
        self.password_hash = password_hash
        self.rng = random.Random(f"{seed}:region:{index}")
        self.surnames = _surnames(seed)
        self.small = _Rows(ids)
        self.accounts = _Rows(ids)
        self.sizes = group_sizes(students)
        self.groups: list[_Group] = []
        self.disciplines: list[_Discipline] = []
        self.teachers: dict[tuple[int, int], _Teacher] = {}  # (discipline, block) → teacher
        self.positions: dict[str, int] = {}
        self.curriculum = 0
        self.id = 0
        self.year_id = 0
        self.cal: _Calendar
        self.journal_term: _Term
        self.quarter_one: _Term | None = None
        self.pattern: tuple[int, ...] = ()
        self.bench_student_person = 0
        self.bench_parent_person = 0
        self.record_seq = 0

    # -- the small tables ---------------------------------------------------------------

    def build_structure(self) -> None:
        self.institution()
        self.calendar()
        self.catalogue()
        self.make_groups()
        self.staff()

    def institution(self) -> None:
        n = self.index + 1
        spec = self.spec
        if self.college:
            name = f"ГБПОУ «Региональный колледж № {n}»"
            short = f"РК № {n}"
        else:
            name = f"МБОУ «Средняя общеобразовательная школа № {n}»"
            short = f"СОШ № {n}"
        start, _ = academic_year_bounds(self.today)
        self.id = self.small.add(
            m.Institution,
            region_id=self.region_id,
            slug=self.slug,
            name=name,
            short_name=short,
            kind=spec.kind,
            ruleset=spec.slug,
            address=f"{spec.locality}, ул. Школьная, д. {n}",
            license=f"Лицензия № {1000 + n} (нагрузочные данные)",
            accreditation=None,
            timezone=spec.timezone,
            created_at=_utc(start - dt.timedelta(days=60)),
        )

    def calendar(self) -> None:
        start, end = academic_year_bounds(self.today)
        add = self.small.add
        self.year_id = add(
            m.AcademicYear,
            institution_id=self.id,
            name=f"{start.year}/{end.year}",
            starts_on=start,
            ends_on=end,
            is_current=True,
            closed_at=None,
            closed_by_user_id=None,
        )

        def period(kind: PeriodKind, number: int, name: str, a: dt.date, b: dt.date) -> _Term:
            pid = add(
                m.Period,
                institution_id=self.id,
                academic_year_id=self.year_id,
                kind=kind,
                number=number,
                name=name,
                starts_on=a,
                ends_on=b,
                closed_at=None,
                closed_by_user_id=None,
            )
            return _Term(pid, kind, number, a, b)

        if self.college:
            terms = [
                period(PeriodKind.SEMESTER, 1, "1 семестр", start, dt.date(start.year, 12, 28)),
                period(PeriodKind.SEMESTER, 2, "2 семестр", dt.date(end.year, 1, 12), end),
            ]
            self.journal_term = terms[0]
        else:
            bounds = school_quarters(start)
            terms = [
                period(PeriodKind.QUARTER, n, f"{n} четверть", a, b)
                for n, (a, b) in enumerate(bounds, 1)
            ]
            self.quarter_one = terms[0]
            self.journal_term = period(
                PeriodKind.HALF_YEAR, 1, "1 полугодие", bounds[0][0], bounds[1][1]
            )
            period(PeriodKind.HALF_YEAR, 2, "2 полугодие", bounds[2][0], bounds[3][1])
        period(PeriodKind.YEAR, 1, f"Учебный год {start.year}/{end.year}", start, end)

        days_off = {d: r for d, r in _days_off(start.year).items() if start <= d <= end}
        for day, reason in days_off.items():
            add(m.DayOff, institution_id=self.id, date=day, reason=reason)
        transfer_from, transfer_to = _day_transfer(start, days_off)
        add(
            m.DayTransfer,
            institution_id=self.id,
            from_date=transfer_from,
            to_date=transfer_to,
            reason=f"Перенос занятий {transfer_from:%d.%m} на {transfer_to:%d.%m}",
        )
        self.cal = _Calendar(
            self.year_id, start, end, terms, terms, days_off, transfer_from, transfer_to
        )
        for number, (a, b) in enumerate(COLLEGE_BELLS if self.college else SCHOOL_BELLS, 1):
            add(
                m.BellSlot,
                institution_id=self.id,
                number=number,
                starts_at=_clock(a),
                ends_at=_clock(b),
            )
        for name, _kind, capacity in COMMON_ROOMS:
            add(m.Room, institution_id=self.id, name=name, capacity=capacity, note=None)

    def catalogue(self) -> None:
        weekly = COLLEGE_WEEKLY if self.college else SCHOOL_WEEKLY
        defs = {d.key: d for d in (COLLEGE_GENERAL if self.college else SCHOOL_SUBJECTS)}
        self.pattern = week_pattern(tuple(w for _, w in weekly))
        term = self.journal_term
        days = sum(1 for _ in self.cal.study_days(term.starts_on, term.ends_on))
        weeks = max(1, math.ceil(days / WEEKDAYS))
        for key, w in weekly:
            d = defs[key]
            did = self.small.add(
                m.Discipline,
                institution_id=self.id,
                code=d.code,
                name=d.name,
                short_name=d.short,
                kind=d.kind,
                parent_id=None,
            )
            per_month = w * 52 / 12
            disc = _Discipline(did, d, w, mark_share=min(1.0, MARKS_PER_MONTH / per_month))
            disc.plan = self.plan(d, w * weeks)
            self.disciplines.append(disc)

        program = self.small.add(
            m.EducationalProgram,
            institution_id=self.id,
            speciality_id=None,
            name="Основная образовательная программа (нагрузочные данные)",
            level="ППССЗ" if self.college else "ООО",
            duration_years=3 if self.college else 5,
        )
        start = self.cal.starts_on
        self.curriculum = self.small.add(
            m.Curriculum,
            institution_id=self.id,
            program_id=program,
            name=f"Учебный план {start.year}/{start.year + 1}",
            admission_year=start.year,
            period_kind=PeriodKind.SEMESTER if self.college else PeriodKind.QUARTER,
        )
        terms = 2 if self.college else 4
        for disc in self.disciplines:
            for t in range(1, terms + 1):
                last = t == terms
                self.small.add(
                    m.CurriculumItem,
                    institution_id=self.id,
                    curriculum_id=self.curriculum,
                    discipline_id=disc.id,
                    study_year=1,
                    term=t,
                    hours=disc.weekly * (2 * 17 if self.college else 9),
                    attestation_form=AttestationForm.GRADED_CREDIT
                    if last
                    else AttestationForm.NONE,
                )

    def plan(
        self, d: DisciplineDef, count: int
    ) -> list[tuple[str, LessonType, WorkKind, int | None]]:
        """Topic, lesson type and graded work of each lesson, in order (as the demo's
        thematic plans: a run of lessons per topic, a numbered work every sixth lesson)."""
        base = list(TOPICS.get(d.key, ())) or [t.format(name=d.name) for t in GENERIC_TOPICS]
        cycle = WORK_CYCLES.get(d.style, ())
        variants = VARIANTS.get((self.college, d.style)) or VARIANTS[(self.college, "humanities")]
        numbers: dict[WorkKind, int] = defaultdict(int)
        out: list[tuple[str, LessonType, WorkKind, int | None]] = []
        previous, run, graded = -1, 0, 0
        count = max(count, 1)
        for p in range(1, count + 1):
            index = (p - 1) * len(base) // count
            run = run + 1 if index == previous else 0
            previous = index
            topic = base[index]
            if p % 6 == 0 and cycle:
                kind = cycle[graded % len(cycle)]
                graded += 1
                numbers[kind] += 1
                lesson_type = WORK_LESSON_TYPES[kind] if self.college else LessonType.LESSON
                out.append(
                    (f"{WORK_TITLES[kind]} № {numbers[kind]} по теме «{topic}»", lesson_type,
                     kind, numbers[kind])
                )  # fmt: skip
                continue
            title = topic if run == 0 else topic + variants[(run - 1) % len(variants)]
            if not self.college:
                lesson_type = LessonType.LESSON
            elif d.style == "sport":
                lesson_type = LessonType.PRACTICAL
            else:
                lesson_type = LessonType.LECTURE if run == 0 else LessonType.PRACTICAL
            kind = WorkKind.CLASSWORK if p % 3 else WorkKind.ORAL
            out.append((title, lesson_type, kind, None))
        return out

    def make_groups(self) -> None:
        start = self.cal.starts_on
        specialities: dict[str, tuple[int, int]] = {}
        for j, size in enumerate(self.sizes):
            department = speciality = None
            if self.college:
                key = COLLEGE_GROUP_PREFIXES[j % len(COLLEGE_GROUP_PREFIXES)]
                year = 1 + (j // len(COLLEGE_GROUP_PREFIXES)) % 3
                suffix = j // (len(COLLEGE_GROUP_PREFIXES) * 3) + 1
                name = f"{key}-{year}{suffix}"
                if key not in specialities:
                    s = SPECIALITIES[key]
                    dep = self.small.add(
                        m.Department,
                        institution_id=self.id,
                        name=f"Отделение «{s.name}»",
                        head_employee_id=None,
                    )
                    sid = self.small.add(
                        m.Speciality,
                        institution_id=self.id,
                        code=s.code,
                        name=s.name,
                        qualification=s.qualification,
                    )
                    specialities[key] = (dep, sid)
                department, speciality = specialities[key]
            else:
                year = SCHOOL_GRADES[j % len(SCHOOL_GRADES)]
                letter = j // len(SCHOOL_GRADES)
                name = f"{year}{CLASS_LETTERS[letter % len(CLASS_LETTERS)]}"
                if letter >= len(CLASS_LETTERS):
                    name += str(letter // len(CLASS_LETTERS) + 1)
            admission = start.year - year + 1
            gid = self.small.add(
                m.StudyGroup,
                institution_id=self.id,
                name=name,
                study_year=year,
                academic_year_id=self.year_id,
                department_id=department,
                speciality_id=speciality,
                curriculum_id=self.curriculum,
                admission_year=admission,
                graduated_on=None,
            )
            group = _Group(j, gid, name, year, size, admission)
            signed = dt.date(admission, 8, 25)
            group.order_number = f"{100 + j}-{self.spec.order_suffix}"
            group.order_id = self.small.add(
                m.MovementOrder,
                institution_id=self.id,
                kind=MovementKind.ENROLMENT,
                number=group.order_number,
                signed_on=signed,
                effective_on=dt.date(admission, 9, 1),
                note=f"О зачислении в группу {name}" if self.college else "О зачислении",
                created_by_user_id=None,
                created_at=_utc(signed, 7),
            )
            self.groups.append(group)

    def person(self, sex: Sex, birth: dt.date, *, child: bool) -> tuple[int, str, str, str]:
        rng = self.rng
        stem = rng.choice(self.surnames)
        father = rng.choice(MALE_NAMES)
        if sex is Sex.MALE:
            name = rng.choice(CHILD_MALE_NAMES) if child else rng.choice(MALE_NAMES)[0]
            surname, patronymic = stem, father[1]
        else:
            name = rng.choice(CHILD_FEMALE_NAMES if child else ADULT_FEMALE_NAMES)
            surname, patronymic = _female_surname(stem), father[2]
        pid = self.small.add(
            m.Person,
            institution_id=self.id,
            surname=surname,
            name=name,
            patronymic=patronymic,
            birth_date=birth,
            sex=sex,
            email=None,
            phone=_phone(rng),
        )
        return pid, surname, name, patronymic

    def employee(self, position: str) -> tuple[int, int]:
        rng = self.rng
        sex = Sex.FEMALE if rng.random() < 0.75 else Sex.MALE
        birth = self.today - dt.timedelta(days=int(rng.uniform(25, 63) * 365.25))
        person_id, *_ = self.person(sex, birth, child=False)
        employee_id = self.small.add(
            m.Employee,
            institution_id=self.id,
            person_id=person_id,
            category=rng.choice(("высшая", "первая", "без категории")),
            diploma_speciality="Педагогическое образование",
            hired_on=self.cal.starts_on - dt.timedelta(days=rng.randint(20, 9000)),
            dismissed_on=None,
        )
        pos = self.position(position)
        self.small.add(
            m.EmployeePosition,
            institution_id=self.id,
            employee_id=employee_id,
            position_id=pos,
            is_main=True,
        )
        return employee_id, person_id

    def position(self, name: str) -> int:
        if name not in self.positions:
            self.positions[name] = self.small.add(m.Position, institution_id=self.id, name=name)
        return self.positions[name]

    def account(self, login: str, person_id: int | None, roles: Sequence[str]) -> int:
        created = _utc(self.cal.starts_on - dt.timedelta(days=10))
        user_id = self.accounts.add(
            m.UserAccount,
            institution_id=self.id,
            region_id=None,
            person_id=person_id,
            login=login,
            password_hash=self.password_hash,
            must_change_password=False,
            disabled_at=None,
            created_at=created,
            last_login_at=None,
        )
        for role in roles:
            self.accounts.add(
                m.RoleAssignment, user_id=user_id, institution_id=self.id, region_id=None, role=role
            )
        return user_id

    def staff(self) -> None:
        spec = self.spec
        teaching, curating = spec.teaching_role, spec.curating_role
        for role in spec.roles:
            if role in NON_STAFF_ROLES or role in (teaching, curating):
                continue
            _, person_id = self.employee(ROLE_POSITIONS[role])
            self.account(role, person_id, [role])
        position = "Преподаватель" if self.college else "Учитель"
        groups = len(self.groups)
        number = 1
        # Teachers: each discipline's groups in contiguous blocks (see week_pattern).
        for di, disc in enumerate(self.disciplines):
            block = teacher_block(disc.weekly, groups)
            for b in range(math.ceil(groups / block)):
                employee_id, person_id = self.employee(position)
                teacher = _Teacher(employee_id, person_id)
                login = "teacher" if number == 1 else f"teacher{number:03d}"
                teacher.user_id = self.account(login, person_id, [teaching])
                number += 1
                self.teachers[(di, b)] = teacher
                for j in range(b * block, min(groups, (b + 1) * block)):
                    self.small.add(
                        m.TeachingAssignment,
                        institution_id=self.id,
                        teacher_id=employee_id,
                        discipline_id=disc.id,
                        group_id=self.groups[j].id,
                        subgroup_id=None,
                        academic_year_id=self.year_id,
                        hours=disc.weekly * (2 * 17 if self.college else 34),
                    )
        # Curators: the first group's is a dedicated account that teaches nothing; every
        # other group is curated by one of its own teachers (at most one group each).
        curating_teachers: set[int] = set()
        for group in self.groups:
            if group.index == 0:
                employee_id, person_id = self.employee("Педагог-организатор")
                group.curator_user = self.account(curating, person_id, [curating])
            else:
                employee_id = 0
                for step in range(len(self.disciplines)):
                    di = (group.index + step) % len(self.disciplines)
                    block = teacher_block(self.disciplines[di].weekly, groups)
                    t = self.teachers[(di, group.index // block)]
                    if t.employee_id not in curating_teachers and t.user_id != self.first_user:
                        employee_id = t.employee_id
                        curating_teachers.add(employee_id)
                        self.accounts.add(
                            m.RoleAssignment,
                            user_id=t.user_id,
                            institution_id=self.id,
                            region_id=None,
                            role=curating,
                        )
                        group.curator_user = t.user_id
                        break
                if not employee_id:
                    employee_id, person_id = self.employee("Педагог-организатор")
                    group.curator_user = self.account(
                        f"curator{group.index:03d}", person_id, [curating]
                    )
            self.small.add(
                m.Curatorship,
                institution_id=self.id,
                group_id=group.id,
                curator_id=employee_id,
                starts_on=self.cal.starts_on,
                ends_on=None,
            )
        # The weekly timetable: group j follows the pattern rotated by j cells.
        term = self.journal_term
        for group in self.groups:
            for cell in range(CELLS):
                di = self.pattern[(cell + group.index) % CELLS]
                block = teacher_block(self.disciplines[di].weekly, groups)
                self.small.add(
                    m.TimetableEntry,
                    institution_id=self.id,
                    kind=TimetableKind.LESSON,
                    group_id=group.id,
                    subgroup_id=None,
                    discipline_id=self.disciplines[di].id,
                    teacher_id=self.teachers[(di, group.index // block)].employee_id,
                    room_id=None,
                    weekday=cell // SLOTS + 1,
                    slot=cell % SLOTS + 1,
                    valid_from=term.starts_on,
                    valid_to=term.ends_on,
                    note=None,
                )

    @property
    def first_user(self) -> int:
        """The ``teacher`` account (the first teacher of the first discipline)."""
        return self.teachers[(0, 0)].user_id

    def person_accounts(self) -> None:
        """The benchmark group's first student and his parent (rows written by then)."""
        spec = self.spec
        if "student" in spec.roles and self.bench_student_person:
            self.account("student", self.bench_student_person, ["student"])
        if "parent" in spec.roles and self.bench_parent_person:
            self.account("parent", self.bench_parent_person, ["parent"])
        if "authority" in spec.roles:
            self.account("authority", None, ["authority"])

    # -- the big tables, one group at a time --------------------------------------------

    def group_rows(self, group: _Group) -> dict[str, list[Row]]:
        """Students, parents and the journal of one group, as tuples (BIG_COLUMNS)."""
        rng = random.Random(f"{self.seed}:region:{self.index}:{group.index}")
        take = self.ids.take
        inst, gid = self.id, group.id
        out: dict[str, list[Row]] = {name: [] for name in BIG_ORDER}
        person, student, parent = out["person"], out["student"], out["parent"]
        enrolled = dt.date(group.admission_year, 9, 1)
        age = (15 + group.year) if self.college else (6 + group.year)
        students: list[int] = []
        ability: list[float] = []
        absence: list[float] = []
        for i in range(group.size):
            sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
            stem = rng.choice(self.surnames)
            father = rng.choice(MALE_NAMES)
            if sex is Sex.MALE:
                surname, name, patronymic = stem, rng.choice(CHILD_MALE_NAMES), father[1]
            else:
                surname = _female_surname(stem)
                name, patronymic = rng.choice(CHILD_FEMALE_NAMES), father[2]
            birth = self.cal.starts_on - dt.timedelta(days=int((age + rng.random()) * 365.25))
            pid = take("person")
            person.append((pid, inst, surname, name, patronymic, birth, sex.value, None))
            sid = take("student")
            self.record_seq += 1
            student.append(
                (sid, inst, pid, StudentStatus.STUDYING.value, "Российская Федерация",
                 f"{group.admission_year % 100:02d}-{self.record_seq:05d}", group.order_number,
                 enrolled,
                 (FundingSource.BUDGET if rng.random() < 0.9 else FundingSource.CONTRACT).value,
                 StudyForm.FULL_TIME.value,
                 "Основное общее образование" if self.college else None)
            )  # fmt: skip
            out["movement_order_item"].append(
                (take("movement_order_item"), inst, group.order_id, sid, None, gid)
            )
            out["group_membership"].append(
                (take("group_membership"), inst, sid, gid, enrolled, None, False, group.order_id)
            )
            mother = rng.random() < 0.85
            ppid = take("person")
            parent_birth = birth - dt.timedelta(days=int(rng.uniform(21, 40) * 365.25))
            if mother:
                person.append(
                    (ppid, inst, _female_surname(stem), rng.choice(ADULT_FEMALE_NAMES),
                     rng.choice(MALE_NAMES)[2], parent_birth, Sex.FEMALE.value, _phone(rng))
                )  # fmt: skip
            else:
                person.append(
                    (ppid, inst, stem, father[0], rng.choice(MALE_NAMES)[1], parent_birth,
                     Sex.MALE.value, _phone(rng))
                )  # fmt: skip
            parent_id = take("parent")
            parent.append((parent_id, inst, ppid, rng.choice(WORK_PLACES)))
            kind = ParentKind.MOTHER if mother else ParentKind.FATHER
            out["parent_link"].append((take("parent_link"), inst, parent_id, sid, kind.value))
            if group.index == 0 and i == 0:
                self.bench_student_person, self.bench_parent_person = pid, ppid
            students.append(sid)
            ability.append(min(4.9, max(2.7, rng.gauss(3.85, 0.5))))
            absence.append(rng.lognormvariate(0, 0.5))
        self.journal(group, rng, students, ability, absence, out)
        return out

    def journal(
        self,
        group: _Group,
        rng: random.Random,
        students: list[int],
        ability: list[float],
        absence: list[float],
        out: dict[str, list[Row]],
    ) -> None:
        next_lesson, next_work = self.ids.counter("lesson"), self.ids.counter("work")
        next_mark, next_attendance = self.ids.counter("mark"), self.ids.counter("attendance")
        inst, gid = self.id, group.id
        lessons, works, marks, attendance = (
            out["lesson"],
            out["work"],
            out["mark"],
            out["attendance"],
        )
        term = self.journal_term
        last = min(self.today - dt.timedelta(days=1), term.ends_on)
        groups = len(self.groups)
        slots: list[tuple[_Discipline, int, int]] = []  # per cell: discipline, its index, teacher
        for cell in range(CELLS):
            di = self.pattern[(cell + group.index) % CELLS]
            disc = self.disciplines[di]
            block = teacher_block(disc.weekly, groups)
            slots.append((disc, di, self.teachers[(di, group.index // block)].user_id))
        teacher_ids = {
            di: self.teachers[(di, group.index // teacher_block(d.weekly, groups))].employee_id
            for di, d in enumerate(self.disciplines)
        }
        n = len(students)
        # A mark is round(N(ability + the student's bias in the discipline, 0.7)) within
        # 2..5: drawn with one uniform number against the three cumulative bounds.
        bounds: list[list[tuple[float, float, float]]] = []
        for s in range(n):
            row = []
            for _ in self.disciplines:
                dist = NormalDist(ability[s] + rng.gauss(0, 0.3), 0.7)
                row.append((dist.cdf(2.5), dist.cdf(3.5), dist.cdf(4.5)))
            bounds.append(row)
        position = [0] * len(self.disciplines)
        ill: dict[int, str | None] = {}
        curator = group.curator_user
        quarter = self.quarter_one
        q_sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        absent_v, late_v = AttendanceStatus.ABSENT.value, AttendanceStatus.LATE.value
        reasons = (AbsenceReason.ILLNESS.value, AbsenceReason.EXCUSED.value, None)
        unexcused = AbsenceReason.UNEXCUSED.value
        homework_share = {
            di: HOMEWORK_SHARE.get(d.d.style, 0.9) for di, d in enumerate(self.disciplines)
        }
        for day, weekday in self.cal.study_days(term.starts_on, last):
            recent = (self.today - day).days <= 7
            for s in range(n):
                if s in ill:
                    if rng.random() < 0.4:
                        del ill[s]
                elif rng.random() < 0.022 * absence[s]:
                    if recent and rng.random() < 0.7:
                        ill[s] = None
                    else:
                        ill[s] = rng.choices(reasons, (50, 20, 30))[0]
            in_quarter = quarter is not None and day <= quarter.ends_on
            for slot in range(1, SLOTS + 1):
                disc, di, author = slots[(weekday - 1) * SLOTS + slot - 1]
                pos = position[di]
                position[di] = pos + 1
                topic, lesson_type, kind, number = disc.plan[pos % len(disc.plan)]
                stamp = _utc(day, 8 + slot)
                homework = None
                if rng.random() < homework_share[di]:
                    homework = self.homework(disc.d, pos, rng)
                lid = next_lesson()
                did = disc.id
                lessons.append(
                    (lid, inst, gid, did, teacher_ids[di], day, slot, topic, lesson_type.value,
                     homework, 1, stamp)
                )  # fmt: skip
                wid = next_work()
                if number is not None:
                    title = f"{WORK_TITLES[kind]} № {number}"
                    share = 0.95
                elif kind is WorkKind.CLASSWORK:
                    title = "Работа на занятии" if self.college else "Работа на уроке"
                    share = disc.mark_share
                else:
                    title = "Устный опрос" if self.college else "Устный ответ"
                    share = disc.mark_share
                works.append((wid, inst, lid, gid, did, day, kind.value, number, title))
                for s in range(n):
                    status = reason = None
                    if s in ill:
                        status, reason = absent_v, ill[s]
                    else:
                        r = rng.random()
                        if r < 0.013:
                            status = absent_v
                            if not recent and rng.random() < 0.45:
                                reason = unexcused
                        elif r < 0.033:
                            status = late_v
                    if status is not None:
                        attendance.append(
                            (next_attendance(), inst, lid, students[s], gid, did, day, status,
                             reason, curator if reason else None, author, 1, stamp)
                        )  # fmt: skip
                        if status == absent_v:
                            continue
                    if rng.random() >= share:
                        continue
                    b2, b3, b4 = bounds[s][di]
                    r = rng.random()
                    value = 2 if r < b2 else 3 if r < b3 else 4 if r < b4 else 5
                    marks.append(
                        (next_mark(), inst, wid, lid, students[s], gid, did, day, VALUES[value],
                         author, 1, stamp)
                    )  # fmt: skip
                    if in_quarter:
                        acc = q_sums[(s, di)]
                        acc[0] += value
                        acc[1] += 1
        if quarter is not None and self.today > quarter.ends_on:
            stamp = _utc(quarter.ends_on, 15)
            for (s, di), (total, count) in sorted(q_sums.items()):
                block = teacher_block(self.disciplines[di].weekly, groups)
                out["final_mark"].append(
                    (self.ids.take("final_mark"), inst, students[s], self.disciplines[di].id, gid,
                     quarter.id, quarter.ends_on, FinalMarkKind.PERIOD.value,
                     str(round(total / count)), False,
                     self.teachers[(di, group.index // block)].user_id, 1, stamp)
                )  # fmt: skip

    def homework(self, d: DisciplineDef, position: int, rng: random.Random) -> str:
        templates = HOMEWORK.get((self.college, d.style)) or HOMEWORK[(self.college, "humanities")]
        p = 4 + position * 2
        k = 1 + position % 12
        return rng.choice(templates).format(
            n=position // 2 + 1, m=k, k=k + 3, p=p, q=p + 3, topic=d.name
        )


# =====================================================================================
# Writing the big tables
# =====================================================================================


def _check_columns(table: Table, columns: Sequence[str]) -> None:
    """Every column the tuples leave out must be nullable or have a server default."""
    missing = [c for c in columns if c not in table.c]
    if missing:
        raise RuntimeError(f"region seed: {table.name} has no columns {missing}")
    for column in table.c:
        if column.name in columns or column.nullable or column.server_default is not None:
            continue
        raise RuntimeError(
            f"region seed: {table.name}.{column.name} is NOT NULL without a server default "
            "and the generator does not write it: add it to BIG_COLUMNS"
        )


def _sqlite_value(column_type: Any) -> Callable[[Any], Any] | None:
    """How SQLAlchemy would store a value of this type on SQLite (raw executemany)."""
    if isinstance(column_type, DateTime) or isinstance(
        getattr(column_type, "impl", None), DateTime
    ):

        def stamp(value: Any) -> Any:
            if value is None:
                return None
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")

        return functools.lru_cache(maxsize=4096)(stamp)
    if isinstance(column_type, Date):
        return functools.lru_cache(maxsize=4096)(lambda v: None if v is None else v.isoformat())
    if isinstance(column_type, Boolean):
        return lambda v: None if v is None else int(v)
    return None


class _Writer:
    """Bulk writes of big-table tuples: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, session: AsyncSession, postgres: bool) -> None:
        self.session = session
        self.postgres = postgres
        self.tables = {name: _table_by_name(name) for name in BIG_ORDER}
        for name, columns in BIG_COLUMNS.items():
            _check_columns(self.tables[name], columns)
        self.convert: dict[str, list[Callable[[Any], Any] | None]] = {
            name: [_sqlite_value(self.tables[name].c[c].type) for c in columns]
            for name, columns in BIG_COLUMNS.items()
        }

    async def _driver(self) -> Any:
        conn = await self.session.connection()
        raw = await conn.get_raw_connection()
        return raw.driver_connection

    async def write(self, name: str, rows: list[Row]) -> None:
        if not rows:
            return
        driver = await self._driver()
        columns = BIG_COLUMNS[name]
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            if self.postgres:
                await driver.copy_records_to_table(name, records=chunk, columns=list(columns))
            else:
                await driver.executemany(self._insert_sql(name), self._sqlite_rows(name, chunk))

    def _insert_sql(self, name: str) -> str:
        columns = BIG_COLUMNS[name]
        marks = ", ".join("?" for _ in columns)
        return f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})"

    def _sqlite_rows(self, name: str, rows: Iterable[Row]) -> list[Row]:
        converters = self.convert[name]
        if not any(converters):
            return list(rows)
        pairs = [(i, f) for i, f in enumerate(converters) if f is not None]
        out = []
        for row in rows:
            values = list(row)
            for i, f in pairs:
                values[i] = f(values[i])
            out.append(tuple(values))
        return out


def _table_by_name(name: str) -> Table:
    for model in m.__dict__.values():
        table = getattr(model, "__table__", None)
        if isinstance(table, Table) and table.name == name:
            return table
    raise KeyError(name)


# =====================================================================================
# Progress
# =====================================================================================


class _Progress:
    """One rich bar over all groups of all institutions, with rows written; or nothing."""

    def __init__(self, enabled: bool, total: int, lang: str = "ru") -> None:
        self.bar: Any = None
        self.task = 0
        self.lang = lang
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description:<20}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[written]}"),
                TimeElapsedColumn(),
                TextColumn(message("cli_seed_remaining", lang)),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self.task = int(
                self.bar.add_task(
                    message("cli_seed_region_task", lang), total=total, written=self._written(0, 0)
                )
            )

    def _written(self, rows: int, marks: int) -> str:
        """«групп · 43 строки · 5 отметок» after the bar's done/total of groups."""
        return message(
            "cli_seed_written",
            self.lang,
            rows=plural("count_rows", rows, self.lang),
            marks=plural("count_marks", marks, self.lang),
        )

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def update(self, description: str, advance: int, rows: int, marks: int) -> None:
        if self.bar is not None:
            self.bar.update(
                self.task,
                description=description,
                advance=advance,
                written=self._written(rows, marks),
            )


# =====================================================================================
# The whole region
# =====================================================================================


async def _is_superuser(session: AsyncSession) -> bool:
    value = await session.execute(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    )
    return bool(value.scalar())


async def seed_region(
    factory: async_sessionmaker[AsyncSession],
    *,
    institutions: int,
    students: int,
    seed: int = 2026,
    today: dt.date | None = None,
    region: str = DEFAULT_REGION,
    progress: bool = False,
    password_hash: str | None = None,
    language: str = "ru",
) -> RegionSummary:
    """Generate ``institutions`` institutions of ``students`` students each in a new
    region ``region`` (refused with :class:`RegionExists` if the slug is taken).

    Everything follows from ``seed`` and ``today`` (default: the real date). Each
    institution is committed on its own; on PostgreSQL the sequences are moved past the
    new rows and the tables analysed at the end. ``password_hash`` (default: a hash of
    ``demo`` with the current settings) is shared by every account."""
    if institutions < 1 or students < 1:
        raise ValueError("at least one institution and one student")
    started = time.perf_counter()
    today = today or dt.date.today()
    password_hash = password_hash or hash_password(DEMO_PASSWORD)
    summary = RegionSummary(region)
    async with unscoped(factory, write=True) as session, session.begin():
        taken = await session.execute(select(m.Region.id).where(m.Region.slug == region))
        if taken.first() is not None:
            raise RegionExists(f"region {region!r} already exists")
        postgres = (await session.connection()).dialect.name == "postgresql"
        ids = _Counters(await _next_ids(session))
        rows = _Rows(ids)
        region_id = rows.add(
            m.Region, slug=region, name=f"Нагрузочный регион ({region})", ruleset="base"
        )
        user_id = rows.add(
            m.UserAccount,
            institution_id=None,
            region_id=region_id,
            person_id=None,
            login="authority",
            password_hash=password_hash,
            must_change_password=False,
            disabled_at=None,
            created_at=_utc(academic_year_bounds(today)[0] - dt.timedelta(days=10)),
            last_login_at=None,
        )
        rows.add(
            m.RoleAssignment, user_id=user_id, institution_id=None, region_id=region_id,
            role="authority",
        )  # fmt: skip
        await _flush(session, rows)
        superuser = postgres and await _is_superuser(session)

    per_institution = len(group_sizes(students))
    written = marks = 0
    try:
        with _Progress(progress, institutions * per_institution, language) as bar:
            for index in range(institutions):
                builder = _Institution(
                    index,
                    region_slug=region,
                    region_id=region_id,
                    students=students,
                    seed=seed,
                    today=today,
                    ids=ids,
                    password_hash=password_hash,
                )
                builder.build_structure()
                bar.update(builder.slug, 0, written, marks)
                async with unscoped(factory, write=True) as session, session.begin():
                    if superuser:
                        await session.execute(text("SET LOCAL session_replication_role = replica"))
                    if postgres:
                        await session.execute(text("SET LOCAL synchronous_commit = off"))
                    await _flush(session, builder.small)
                    writer = _Writer(session, postgres)
                    for table, batch in builder.small.by_table.items():
                        summary.counts[str(table)] += len(batch)
                    # The next group is generated in a thread while this one is written
                    # (COPY and SQLite mostly wait on I/O): one generation at a time, in
                    # order, so ids and rows do not depend on the overlap.
                    groups = builder.groups
                    pending = asyncio.ensure_future(
                        asyncio.to_thread(builder.group_rows, groups[0])
                    )
                    for k in range(len(groups)):
                        out = await pending
                        if k + 1 < len(groups):
                            pending = asyncio.ensure_future(
                                asyncio.to_thread(builder.group_rows, groups[k + 1])
                            )
                        for table in BIG_ORDER:
                            await writer.write(table, out[table])
                            summary.counts[table] += len(out[table])
                            written += len(out[table])
                        marks += len(out["mark"])
                        bar.update(builder.slug, 1, written, marks)
                    builder.person_accounts()
                    await _flush(session, builder.accounts)
                    for table, batch in builder.accounts.by_table.items():
                        summary.counts[str(table)] += len(batch)
                summary.institutions.append((builder.slug, builder.spec.slug))
    finally:
        if postgres:
            async with unscoped(factory, write=True) as session, session.begin():
                await _advance_sequences(session)
    if postgres:
        async with factory() as session:
            await session.execute(text("ANALYZE"))
            await session.commit()
    summary.seconds = time.perf_counter() - started
    return summary
