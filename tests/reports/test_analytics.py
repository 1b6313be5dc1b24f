"""The report constructor through the endpoint, against plain SQL written here.

Every figure ``analytics`` answers on the demo data is compared with a raw SQL text of
this module, written from the definitions in the schema's descriptions (not from the
builder): for every measure × dimension pair, on SQLite and PostgreSQL, and never over
an empty set. Then who may aggregate, a teacher's share, the authority's small cells.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from campusgraph import ids
from campusgraph.context import Context
from campusgraph.policies.engine import Forbidden
from campusgraph.reports import analytics as a
from campusgraph.reports.downloads import KINDS
from campusgraph.resolvers.auth import authenticate
from tests.conftest import make_settings

ALTAI = "altai-college-2016"

ANALYTICS = """
query Analytics($measures: [AnalyticsMeasure!]!, $by: [AnalyticsDimension!]!,
                $filter: AnalyticsFilter) {
  analytics(measures: $measures, by: $by, filter: $filter) {
    columns { dimension measure title }
    rows { keys { dimension id label } values students }
    suppressedCells
  }
}
"""

TYPENAME = "query { __typename }"

MEASURES = [ms.name for ms in a.Measure]
DIMENSIONS = [d.name for d in a.Dimension]
ABSENCE_MEASURES = {"ABSENCES", "HOURS_MISSED"}
PAIRS = [
    (ms, d)
    for ms in MEASURES
    for d in DIMENSIONS
    if d != "ABSENCE_REASON" or ms in ABSENCE_MEASURES
]


# -- plain SQL, from the definitions ---------------------------------------------------------
# ``f`` is the fact row (mark, work or attendance), ``l`` its lesson, ``g`` its group,
# ``s`` its student. Each dialect's text where they differ.


def key_sql(dim: str, backend: str, date: str = "f.date") -> str:
    pg = backend == "postgresql"
    return {
        "INSTITUTION": "f.institution_id",
        "DEPARTMENT": "g.department_id",
        "GROUP": "f.group_id",
        "DISCIPLINE": "f.discipline_id",
        "TEACHER": "l.teacher_id",
        # The demo's narrowest periods are quarters (schools) and semesters (colleges).
        "PERIOD": "(SELECT p.id FROM period p WHERE p.institution_id = f.institution_id"
        f" AND p.kind IN ('quarter', 'semester') AND {date} BETWEEN p.starts_on AND p.ends_on)",
        "MONTH": f"to_char({date}, 'YYYY-MM')" if pg else f"substr({date}, 1, 7)",
        # The Monday of the week: the date less its days since Monday.
        "WEEK": (
            f"CAST({date} - (CAST(extract(isodow FROM {date}) AS integer) - 1) AS text)"
            if pg
            else f"date({date}, '-' || ((CAST(strftime('%w', {date}) AS integer) + 6) % 7)"
            " || ' days')"
        ),
        "STUDENT": "s.id",
        "FUNDING_SOURCE": "s.funding_source",
        "ABSENCE_REASON": "COALESCE(f.reason, '')",
    }[dim]


def plain_sql(measure: str, dim: str, backend: str) -> str:
    """key, value for one institution (:inst)."""
    k = key_sql(dim, backend)
    if measure in ("AVERAGE_MARK", "MARK_COUNT", "ACHIEVEMENT_PERCENT", "QUALITY_PERCENT"):
        facts = f"""
            SELECT {k} AS k, f.student_id AS st, f.discipline_id AS d,
                   CAST(f.value AS integer) AS v
            FROM mark f JOIN lesson l ON l.id = f.lesson_id
            JOIN study_group g ON g.id = f.group_id JOIN student s ON s.id = f.student_id
            WHERE f.institution_id = :inst AND f.value IN ('2', '3', '4', '5')"""
        if measure == "AVERAGE_MARK":
            return f"SELECT k, AVG(1.0 * v) FROM ({facts}) x GROUP BY k"
        if measure == "MARK_COUNT":
            return f"SELECT k, COUNT(*) FROM ({facts}) x GROUP BY k"
        # A student's result in a discipline: his average there, rounded half up; he
        # achieves with every result ≥ 3 (average ≥ 2.5), is of quality with every ≥ 4.
        low = 2.5 if measure == "ACHIEVEMENT_PERCENT" else 3.5
        return f"""
            SELECT k, 100.0 * SUM(CASE WHEN lowest >= {low} THEN 1 ELSE 0 END) / COUNT(*)
            FROM (SELECT k, st, MIN(average) AS lowest FROM (
                    SELECT k, st, d, AVG(1.0 * v) AS average FROM ({facts}) x
                    GROUP BY k, st, d) z
                  GROUP BY k, st) y
            GROUP BY k"""
    if measure == "WORKS_DONE_SHARE":
        # Every work × every student in its group on the work's day (no subgroups in the
        # demo); done where a mark of his for that work exists.
        return f"""
            SELECT k, 100.0 * SUM(done) / COUNT(*) FROM (
              SELECT {k} AS k,
                     CASE WHEN EXISTS (SELECT 1 FROM mark mk WHERE mk.work_id = f.id
                                       AND mk.student_id = s.id) THEN 1 ELSE 0 END AS done
              FROM work f JOIN lesson l ON l.id = f.lesson_id
              JOIN study_group g ON g.id = f.group_id
              JOIN group_membership gm ON gm.group_id = f.group_id
                   AND gm.starts_on <= f.date AND (gm.ends_on IS NULL OR gm.ends_on > f.date)
              JOIN student s ON s.id = gm.student_id
              WHERE f.institution_id = :inst) x
            GROUP BY k"""
    minutes = (
        "extract(epoch FROM b.ends_at - b.starts_at) / 60"
        if backend == "postgresql"
        else "(julianday(b.ends_at) - julianday(b.starts_at)) * 1440"
    )
    figure = "COUNT(*)" if measure == "ABSENCES" else f"SUM(COALESCE({minutes} / 45.0, 1))"
    return f"""
        SELECT {k} AS k, {figure}
        FROM attendance f JOIN lesson l ON l.id = f.lesson_id
        JOIN study_group g ON g.id = f.group_id JOIN student s ON s.id = f.student_id
        LEFT JOIN bell_slot b ON b.institution_id = l.institution_id AND b.number = l.slot
        WHERE f.institution_id = :inst AND f.status = 'absent'
        GROUP BY {k}"""


def key_of(key: dict[str, Any]) -> Any:
    """A row's key as the plain SQL has it: a database id, or the value."""
    if key["id"] is None:
        return None
    if a.Dimension[key["dimension"]] in a.ENTITY_TYPES:
        return ids.from_global_id(key["id"])[1]
    return key["id"]


def raw_key(value: Any) -> Any:
    return None if value is None else str(value) if not isinstance(value, int) else value


async def plain(db: Any, sql: str, **params: Any) -> dict[Any, float]:
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text(sql), params)).all()
    return {raw_key(r[0]): float(r[1]) for r in rows}


async def institution_id(db: Any, slug: str) -> int:
    async with db.engine.connect() as conn:
        found = await conn.execute(text("SELECT id FROM institution WHERE slug = :s"), {"s": slug})
        return int(found.scalar_one())


def figures(table: dict[str, Any]) -> dict[Any, float | None]:
    return {
        tuple(key_of(k) for k in row["keys"])
        if len(row["keys"]) > 1
        else key_of(row["keys"][0]): row["values"][0]
        for row in table["rows"]
    }


def same(got: dict[Any, float | None], want: dict[Any, float]) -> None:
    assert want, "the plain SQL found nothing: the comparison would prove nothing"
    assert set(got) == set(want)
    for key, value in want.items():
        found = got[key]
        assert found is not None, key
        assert math.isclose(found, value, rel_tol=1e-9), (key, found, value)


@pytest.fixture(scope="module")
async def deputy(shared_sign_in: Any) -> Any:
    """Altai's deputy director: aggregates and reads every mark and absence of the college
    (its administrator aggregates too, but reads no marks: his small cells are null)."""
    return await shared_sign_in(ALTAI, "deputy_director")


# -- every measure by every dimension equals the plain SQL ----------------------------------


@pytest.mark.parametrize(("measure", "dim"), PAIRS, ids=[f"{m}-{d}" for m, d in PAIRS])
async def test_every_measure_by_every_dimension_equals_plain_sql(
    deputy: Any, shared_db: Any, backend: str, measure: str, dim: str
) -> None:
    # given the deputy director of a college, who may aggregate and read all its rows
    inst = await institution_id(shared_db, ALTAI)
    # when he asks for the measure by the dimension
    data = await deputy.data(ANALYTICS, {"measures": [measure], "by": [dim]})
    table = data["analytics"]
    # then every figure is the plain SQL's, none suppressed
    assert table["suppressedCells"] == 0
    same(figures(table), await plain(shared_db, plain_sql(measure, dim, backend), inst=inst))


async def test_several_measures_and_dimensions_are_one_statement(
    deputy: Any, shared_db: Any, sql_counter: Any, backend: str
) -> None:
    # given the cost of an authenticated request that reads nothing
    with sql_counter() as idle:
        await deputy.data(TYPENAME)
    # when every measure is asked by two dimensions (three families of facts)
    with sql_counter() as sql:
        data = await deputy.data(ANALYTICS, {"measures": MEASURES, "by": ["GROUP", "PERIOD"]})
    # then one statement answers it all, and each column agrees with the single asks
    assert sql.count - idle.count == 1, str(sql)
    rows = data["analytics"]["rows"]
    assert rows
    assert all(len(r["values"]) == len(MEASURES) for r in rows)
    titles = [c["title"] for c in data["analytics"]["columns"]]
    assert titles[:2] == ["Группа (класс)", "Учебный период"]
    # (the counts of a group are the sums over its periods)
    inst = await institution_id(shared_db, ALTAI)
    for measure in ("MARK_COUNT", "ABSENCES"):
        column = MEASURES.index(measure)
        summed: dict[Any, float | None] = {}
        for r in rows:
            group = key_of(r["keys"][0])
            summed[group] = (summed.get(group) or 0.0) + (r["values"][column] or 0.0)
        want = await plain(shared_db, plain_sql(measure, "GROUP", backend), inst=inst)
        same(summed, want)


# -- every filter narrows as the plain SQL does ------------------------------------------------

#: filter field → (the global-id type and the SQL picking one id of the college, or None
#: for a value), and the plain SQL condition it stands for (``:x`` is that id or value).
FILTERS: dict[str, tuple[str | None, str, str]] = {
    "departments": (
        "Department",
        "SELECT MIN(department_id) FROM study_group WHERE institution_id = :inst",
        "f.group_id IN (SELECT id FROM study_group WHERE department_id = :x)",
    ),
    "groups": (
        "Group",
        "SELECT MAX(group_id) FROM mark WHERE institution_id = :inst",
        "f.group_id = :x",
    ),
    "disciplines": (
        "Discipline",
        "SELECT MIN(discipline_id) FROM mark WHERE institution_id = :inst",
        "f.discipline_id = :x",
    ),
    "teachers": (
        "Employee",
        "SELECT MIN(teacher_id) FROM lesson WHERE institution_id = :inst",
        "f.lesson_id IN (SELECT id FROM lesson WHERE teacher_id = :x)",
    ),
    "students": (
        "Student",
        "SELECT MIN(student_id) FROM mark WHERE institution_id = :inst",
        "f.student_id = :x",
    ),
    # (a school's first quarter: a college's semester would hold all the demo's dates)
    "period": (
        "Period",
        "SELECT MIN(id) FROM period WHERE institution_id = :inst AND kind = 'quarter'",
        "f.date BETWEEN (SELECT starts_on FROM period WHERE id = :x)"
        " AND (SELECT ends_on FROM period WHERE id = :x)",
    ),
    "dateFrom": (None, "SELECT '2026-10-01'", "f.date >= :x"),
    "dateTo": (None, "SELECT '2026-10-15'", "f.date <= :x"),
    "fundingSource": (
        None,
        "SELECT 'contract'",
        "f.student_id IN (SELECT id FROM student WHERE funding_source = :x)",
    ),
}


@pytest.mark.parametrize("field", FILTERS)
async def test_each_filter_narrows_like_the_plain_sql(
    deputy: Any, shared_sign_in: Any, shared_db: Any, backend: str, field: str
) -> None:
    # given one id (or value) of the institution for the filter field, and a viewer who
    # may read all its marks and absences (a school's head teacher for its quarters)
    type_name, pick, condition = FILTERS[field]
    slug = "barnaul-school6-2016" if field == "period" else ALTAI
    viewer = await shared_sign_in(slug, "head_teacher") if field == "period" else deputy
    inst = await institution_id(shared_db, slug)
    async with shared_db.engine.connect() as conn:
        x = (await conn.execute(text(pick), {"inst": inst})).scalar_one()
    if type_name is None:
        value: Any = x.upper() if field == "fundingSource" else x
    else:
        value = ids.to_global_id(type_name, int(x))
    if field in ("period", "dateFrom", "dateTo", "fundingSource"):
        value_for_filter: Any = value
    else:
        value_for_filter = [value]
    # when marks and absences are counted by group with that filter
    data = await viewer.data(
        ANALYTICS,
        {
            "measures": ["MARK_COUNT", "ABSENCES"],
            "by": ["GROUP"],
            "filter": {field: value_for_filter},
        },
    )
    # then each count is the plain count under the same condition
    params = {"inst": inst, "x": x if backend == "sqlite" or type_name else _typed(x)}
    for column, table, where in (
        (0, "mark", "f.value IN ('2', '3', '4', '5')"),
        (1, "attendance", "f.status = 'absent'"),
    ):
        want = await plain(
            shared_db,
            f"SELECT f.group_id, COUNT(*) FROM {table} f WHERE f.institution_id = :inst"
            f" AND {where} AND {condition} GROUP BY f.group_id",
            **params,
        )
        got = {
            key_of(r["keys"][0]): r["values"][column]
            for r in data["analytics"]["rows"]
            if r["values"][column] is not None
        }
        same(got, want)
        # (and the filter does narrow: a case it leaves whole would prove nothing)
        everything = await plain(
            shared_db,
            f"SELECT f.group_id, COUNT(*) FROM {table} f WHERE f.institution_id = :inst"
            f" AND {where} GROUP BY f.group_id",
            inst=inst,
        )
        assert want != everything


def _typed(value: str) -> Any:
    """A date literal as PostgreSQL binds it (a date, not text)."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return value


# -- validation -----------------------------------------------------------------------------


async def test_absence_reason_goes_only_with_absence_measures(deputy: Any) -> None:
    # when a mark measure is split by the absence's reason
    payload = await deputy.query(
        ANALYTICS, {"measures": ["AVERAGE_MARK"], "by": ["ABSENCE_REASON"]}
    )
    # then VALIDATION, said in Russian, and only that field fails
    assert payload["data"] == {"analytics": None}
    (error,) = payload["errors"]
    assert error["extensions"]["code"] == "VALIDATION"
    assert "причина пропуска" in error["message"]


async def test_a_table_over_the_row_limit_is_refused_not_cut(deputy: Any) -> None:
    # when each student by each discipline is asked (some 180 students × 10 > 1000)
    payload = await deputy.query(
        ANALYTICS, {"measures": ["MARK_COUNT"], "by": ["STUDENT", "DISCIPLINE"]}
    )
    # then VALIDATION names the limit
    (error,) = payload["errors"]
    assert error["extensions"]["code"] == "VALIDATION"
    assert "1000" in error["message"]


# -- who may aggregate ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "allowed", "refused"),
    [
        ("barnaul-school6-2016", "head_teacher", "secretary"),
        ("tomsk-technikum-2023", "head_of_studies", "hr_head"),
    ],
)
async def test_aggregate_is_granted_by_the_ruleset(
    shared_sign_in: Any, slug: str, allowed: str, refused: str
) -> None:
    variables = {"measures": ["AVERAGE_MARK", "ABSENCES"], "by": ["GROUP"]}
    # given a role with aggregate lines and one without, in the same ruleset
    yes = await shared_sign_in(slug, allowed)
    no = await shared_sign_in(slug, refused)
    # when both ask the same table
    granted = await yes.data(ANALYTICS, variables)
    payload = await no.query(ANALYTICS, variables)
    # then the first gets figures, the second FORBIDDEN (not an empty table)
    assert granted["analytics"]["rows"]
    assert payload["data"] == {"analytics": None}
    (error,) = payload["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_a_teacher_aggregates_the_groups_he_teaches(
    shared_sign_in: Any, shared_db: Any, backend: str
) -> None:
    # given a teacher of the college (taught scope: his group × discipline pairs)
    teacher = await shared_sign_in(ALTAI, "teacher")
    inst = await institution_id(shared_db, ALTAI)
    # when he counts marks by group and discipline
    data = await teacher.data(
        ANALYTICS, {"measures": ["MARK_COUNT"], "by": ["GROUP", "DISCIPLINE"]}
    )
    # then exactly his pairs, each with all its marks
    want = await plain(
        shared_db,
        """
        SELECT f.group_id || ':' || f.discipline_id, COUNT(*) FROM mark f
        WHERE f.institution_id = :inst AND f.value IN ('2', '3', '4', '5')
          AND EXISTS (SELECT 1 FROM teaching_assignment ta
                      JOIN employee e ON e.id = ta.teacher_id
                      JOIN user_account u ON u.person_id = e.person_id
                      WHERE u.login = 'teacher' AND u.institution_id = :inst
                        AND ta.group_id = f.group_id AND ta.discipline_id = f.discipline_id)
        GROUP BY f.group_id, f.discipline_id""",
        inst=inst,
    )
    got = {f"{g}:{d}": v for (g, d), v in figures(data["analytics"]).items()}
    same(got, want)
    everyone = await plain(
        shared_db,
        "SELECT group_id || ':' || discipline_id, COUNT(*) FROM mark WHERE institution_id = :inst"
        " GROUP BY group_id, discipline_id",
        inst=inst,
    )
    assert len(want) < len(everyone)


# -- the authority: every institution, small cells suppressed --------------------------------


async def test_the_authority_sees_every_institution_with_small_cells_suppressed(
    shared_sign_in: Any, shared_db: Any, backend: str
) -> None:
    # given the region's authority, who may aggregate but not read the marks
    authority = await shared_sign_in("demo-region", "authority")
    # when it asks the average mark by institution, group and funding source
    data = await authority.data(
        ANALYTICS, {"measures": ["AVERAGE_MARK"], "by": ["INSTITUTION", "GROUP", "FUNDING_SOURCE"]}
    )
    table = data["analytics"]
    # then (hand count) the cells of fewer than 5 distinct students are null, the others
    # the plain average, and suppressedCells counts the small ones
    cells = await _cells(shared_db)
    small = {key for key, (students, _) in cells.items() if students < 5}
    assert small
    assert len(small) < len(cells)
    got = {tuple(key_of(k) for k in r["keys"]): r for r in table["rows"]}
    assert set(got) == set(cells)
    assert len({key[0] for key in got}) == 5
    for key, (students, average) in cells.items():
        row = got[key]
        assert row["students"] == students
        if key in small:
            assert row["values"] == [None]
        else:
            assert math.isclose(row["values"][0], average, rel_tol=1e-9)
    assert table["suppressedCells"] == len(small)


async def _cells(db: Any) -> dict[tuple[Any, ...], tuple[int, float]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(
                """
                SELECT f.institution_id, f.group_id, s.funding_source,
                       COUNT(DISTINCT f.student_id), AVG(1.0 * CAST(f.value AS integer))
                FROM mark f JOIN student s ON s.id = f.student_id
                WHERE f.value IN ('2', '3', '4', '5')
                GROUP BY f.institution_id, f.group_id, s.funding_source"""
            )
        )
        return {(r[0], r[1], r[2]): (int(r[3]), float(r[4])) for r in rows}


async def test_a_suppressed_student_row_withholds_who_he_is(shared_sign_in: Any) -> None:
    # given the authority (one student is always a small cell)
    authority = await shared_sign_in("demo-region", "authority")
    # when it splits absences by student
    data = await authority.data(
        ANALYTICS, {"measures": ["ABSENCES"], "by": ["STUDENT"], "filter": {"institutions": []}}
    )
    rows = data["analytics"]["rows"]
    # then every row is suppressed and names no one
    assert rows
    assert data["analytics"]["suppressedCells"] == len(rows)
    assert all(r["keys"][0]["id"] is None and r["keys"][0]["label"] is None for r in rows)
    assert all(r["values"] == [None] for r in rows)


async def test_the_authority_gets_teachers_figures_without_their_names(
    shared_sign_in: Any, deputy: Any
) -> None:
    variables = {"measures": ["MARK_COUNT"], "by": ["TEACHER"], "filter": {}}
    # given the authority (no employee cards) and the college's deputy director (all)
    authority = await shared_sign_in("demo-region", "authority")
    # when both count marks by teacher
    region = (await authority.data(ANALYTICS, variables))["analytics"]["rows"]
    college = (await deputy.data(ANALYTICS, variables))["analytics"]["rows"]
    # then the authority has each teacher's id and figure, never his name; the deputy both
    assert region
    assert all(r["keys"][0]["id"] and r["keys"][0]["label"] is None for r in region)
    assert college
    assert all(r["keys"][0]["label"] for r in college)


# -- the file --------------------------------------------------------------------------------


async def _context(running: Any, db: Any, client: Any) -> Context:
    state = running.app.state
    settings = make_settings(db)
    signed = await authenticate(state.factory, client.token, today=settings.today)
    return Context(
        settings=settings,
        factory=state.factory,
        registry=state.registry,
        viewer=signed.viewer,
        ruleset_slug=signed.ruleset,
    )


async def test_the_file_is_the_query_table_where_reports_may_be_exported(
    shared_app: Any, shared_db: Any, shared_sign_in: Any, deputy: Any
) -> None:
    request = a.AnalyticsRequest(
        measures=(a.Measure.AVERAGE_MARK, a.Measure.ABSENCES), by=(a.Dimension.GROUP,)
    )
    payload = a.analytics_payload(request)
    assert a.from_payload(payload) == request
    build: Callable[..., Any] = KINDS["analytics"]
    # given the deputy director (report export, institution) and the authority (none)
    ctx = await _context(shared_app, shared_db, deputy)
    # when the file is built
    table = await build(ctx, payload, "ru")
    # then it holds the query's figures under Russian headers
    data = await deputy.data(ANALYTICS, {"measures": ["AVERAGE_MARK", "ABSENCES"], "by": ["GROUP"]})
    assert [c.title for c in table.columns] == [
        "Группа (класс)",
        "Средний балл",
        "Пропуски",
        "Обучающихся",
    ]
    want = [
        [r["keys"][0]["label"], round(r["values"][0], 2), int(r["values"][1])]
        for r in data["analytics"]["rows"]
    ]
    assert want
    assert [list(row[:3]) for row in table.rows] == want
    # and the authority, which exports no reports, is FORBIDDEN the file
    authority = await shared_sign_in("demo-region", "authority")
    with pytest.raises(Forbidden):
        await build(await _context(shared_app, shared_db, authority), payload, "ru")


ANALYTICS_FILE = """
query AnalyticsFile($measures: [AnalyticsMeasure!]!, $by: [AnalyticsDimension!]!,
                    $format: ReportFormat!) {
  analyticsFile(measures: $measures, by: $by, format: $format) { url filename contentType }
}
"""


async def test_the_file_link_answers_the_table_and_refuses_who_exports_no_reports(
    shared_sign_in: Any, deputy: Any
) -> None:
    # given the deputy director (aggregates, exports the college's reports)
    asked = {"measures": ["AVERAGE_MARK"], "by": ["GROUP"]}
    # when he asks for the table and for its link as CSV, and fetches the link
    data = await deputy.data(ANALYTICS, asked)
    link = (await deputy.data(ANALYTICS_FILE, {**asked, "format": "CSV"}))["analyticsFile"]
    response = await deputy.http.get(link["url"])
    # then the file holds the table's groups and averages (decimal commas, `;`)
    assert response.status_code == 200
    assert link["filename"].endswith(".csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    body = {
        cells[0]: float(cells[1].replace(",", "."))
        for cells in (line.split(";") for line in lines[1:])
        if cells[0] and cells[1]
    }
    want = {r["keys"][0]["label"]: round(r["values"][0], 2) for r in data["analytics"]["rows"]}
    assert want
    assert body == want
    # and the authority, which aggregates but exports no reports, gets no link
    authority = await shared_sign_in("demo-region", "authority")
    refused = await authority.query(ANALYTICS_FILE, {**asked, "format": "CSV"})
    assert refused["data"]["analyticsFile"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# -- the analyst's script ----------------------------------------------------------------------


async def test_the_analysts_script_loads_the_table_with_a_standard_client(
    shared_app: Any, shared_db: Any, backend: str
) -> None:
    # given the example script, a gql client validating against the committed schema
    path = Path(__file__).parents[2] / "examples" / "analyst.py"
    spec = importlib.util.spec_from_file_location("analyst", path)
    assert spec is not None
    assert spec.loader is not None
    analyst = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(analyst)
    # when it runs against the served app as the deputy director
    header, rows = await analyst.analytics_table(
        "http://test/graphql",
        ALTAI,
        "deputy_director",
        "demo",
        ["AVERAGE_MARK"],
        ["GROUP"],
        transport=httpx.ASGITransport(app=shared_app),
    )
    # then its table is the plain average of each group, by the group's name
    inst = await institution_id(shared_db, ALTAI)
    want = await plain(
        shared_db,
        "SELECT g.name, AVG(1.0 * CAST(f.value AS integer)) FROM mark f"
        " JOIN study_group g ON g.id = f.group_id"
        " WHERE f.institution_id = :inst AND f.value IN ('2', '3', '4', '5') GROUP BY g.name",
        inst=inst,
    )
    assert header == ["Группа (класс)", "Средний балл", "Обучающихся"]
    same({name: value for name, value, _students in rows}, want)
