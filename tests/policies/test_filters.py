"""A list's SQL filter is the OR of the viewer's allow lines; an unconditional line that
selects everything the viewer's session can see makes the others redundant, and the filter
is that line alone — but only where the session's tenant confinement makes it so."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from campusgraph.db import models as m
from campusgraph.db.tenancy import scoped, unscoped
from campusgraph.policies.engine import Authorizer, PolicyRegistry
from campusgraph.policies.facts import Facts, Viewer
from campusgraph.policies.ruleset import search_dirs
from tests.support import DEMO_TODAY
from tests.support.databases import Database

EXAMPLE = Path(__file__).parents[2] / "examples" / "rulesets" / "example-college"
INSTITUTION_WIDE = "p, teacher, mark, read, institution, always, allow, test: the whole college\n"


def _registry(tmp_path: Path, extra: str = "") -> PolicyRegistry:
    shutil.copytree(EXAMPLE, tmp_path / "example-college")
    policy = tmp_path / "example-college" / "policy.csv"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n" + extra)
    return PolicyRegistry(search_dirs([tmp_path]))


def _teacher(institutions: tuple[int, ...]) -> Viewer:
    return Viewer(
        user_id=1,
        session_id=None,
        login="teacher",
        institution_ids=institutions,
        institution_id=institutions[0],
        region_id=None,
        roles=frozenset({"teacher"}),
        employee_id=1,
        today=DEMO_TODAY,
    )


def _mark_filter(registry: PolicyRegistry, viewer: Viewer, factory: Any = None) -> Any:
    facts = Facts(viewer, lambda: scoped(factory, viewer.institution_ids))
    return Authorizer(registry.get("example-college"), viewer, facts).where("mark", "read")


def _sql(expr: Any) -> str:
    return str(select(m.Mark.id).where(expr).compile(dialect=sqlite.dialect()))


def test_an_institution_wide_line_is_the_whole_filter(tmp_path: Path) -> None:
    # given a teacher who may read the marks he teaches and, by another line, all of them
    registry = _registry(tmp_path, INSTITUTION_WIDE)

    # when his filter for marks is built for a session of his college only
    alone = _sql(_mark_filter(registry, _teacher((7,))))

    # then the taught line's subquery is gone: the institution line selects every row
    assert "teaching_assignment" not in alone
    assert "mark.institution_id = " in alone


def test_the_lines_stay_where_the_session_sees_more_than_the_institution(
    tmp_path: Path,
) -> None:
    registry = _registry(tmp_path, INSTITUTION_WIDE)
    # a session over two institutions: "his institution" is not all it can see
    wide = _sql(_mark_filter(registry, _teacher((7, 8))))
    # and without the institution-wide line there is nothing to collapse to
    narrow = _sql(_mark_filter(_registry(tmp_path / "plain"), _teacher((7,))))
    assert "teaching_assignment" in wide
    assert "teaching_assignment" in narrow


async def test_the_collapsed_filter_selects_the_same_rows(tmp_path: Path, db: Database) -> None:
    async with unscoped(db.factory) as session:
        institution = (
            await session.execute(
                select(m.Institution.id).where(m.Institution.slug == "armavir-technikum-2025")
            )
        ).scalar_one()
    viewer = _teacher((institution,))
    registry = _registry(tmp_path, INSTITUTION_WIDE)
    collapsed = _mark_filter(registry, viewer, db.factory)
    async with scoped(db.factory, (institution,)) as session:
        seen = await session.scalar(select(func.count(m.Mark.id)).where(collapsed))
        every = await session.scalar(select(func.count(m.Mark.id)))
    assert every
    assert seen == every
