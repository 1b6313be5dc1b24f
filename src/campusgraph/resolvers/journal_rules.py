"""The regulations' journal rules that are not permissions, as pure functions over a
:class:`~campusgraph.policies.ruleset.Ruleset` (its ``[rules]`` tables are the data).

- :func:`validate_lesson` — the lesson-topic rule (``[rules.lesson_topic]``): Tomsk п. 3.1.8
  (topic exactly from the thematic plan, no abbreviated words, no bare «Повторение» /
  «Решение задач», control/laboratory/practical works carry a topic and a number);
  Barnaul п. 2.1 and NSHDS-12 разд. 4 (a topic, and a lesson type, on every lesson).
- :func:`suggest_final_mark` and :func:`needs_approval` — the final-mark rule
  (``[rules.final_mark]``, Armavir разд. 6: each mark an average range and a share of the
  graded works done at given marks; a mark other than the rule's needs the deputy's
  agreement).
- :func:`working_days_after`, :func:`is_working_day`, :func:`overdue_cutoff` — the
  calendar behind every ``*_days`` deadline of ``[rules.deadlines]`` (working days: not a
  weekend, not a Russian public holiday, not an institution's day off; a day transfer
  makes its ``to_date`` a working day and its ``from_date`` a day off).

Nothing here touches the database or Strawberry; callers load the facts and pass them in.
Messages are Russian by default (``language="en"`` gives English), from :mod:`campusgraph.i18n`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import holidays

from campusgraph.db.enums import GRADED_WORK_KINDS, LessonType, WorkKind
from campusgraph.i18n import message, plural
from campusgraph.policies.rule_keys import rule_table
from campusgraph.policies.ruleset import Ruleset

#: (input field, message) — the field is a dotted path of the mutation's input.
Problem = tuple[str, str]

NUMERIC_MARKS = frozenset({"2", "3", "4", "5"})


# =====================================================================================
# Lesson topics
# =====================================================================================


def normalise_topic(text: str) -> str:
    """Whitespace collapsed and trimmed: how plan topics and lesson topics are compared."""
    return " ".join(text.split())


_TRAILING = ".,;:!?…-–— "


def _bare_key(text: str) -> str:
    return normalise_topic(text).rstrip(_TRAILING).casefold().replace("ё", "е")


def is_bare(topic: str, forbidden: Iterable[str]) -> bool:
    """Whether the topic is exactly one of the forbidden bare words («Повторение»,
    «Решение задач»), ignoring case, spacing and trailing punctuation."""
    key = _bare_key(topic)
    return any(key == _bare_key(word) for word in forbidden)


#: Abbreviations that are never a sentence end, whatever follows them (lower case, no dots).
KNOWN_ABBREVIATIONS = frozenset(
    {
        "др", "пр", "см", "ср", "стр", "упр", "рис", "табл", "гл", "пп", "им", "ул", "гг",
        "вв", "тт", "напр", "зад", "реш", "лаб", "практ", "контр", "самост", "сам", "кр",
        "повт", "отв", "вопр", "тетр", "учеб", "иссл", "мин", "сек",
    }
)  # fmt: skip
_EDGE = "«»\"'“”„()[]{},;:!?…"
_WORD = re.compile(r"\S+")


def _is_initial(segment: str) -> bool:
    return len(segment) == 1 and segment.isalpha() and segment.isupper()


def find_abbreviations(topic: str) -> list[str]:
    """Words of the topic that are abbreviated (Tomsk п. 3.1.8: «не допускается сокращение
    слов»). The heuristic, in order, for each whitespace-separated word (quotes and
    brackets around it ignored):

    1. a word without a dot is never an abbreviation (acronyms such as «ПК», «ОС» are
       words of their own, not shortened words);
    2. numbering is not an abbreviation: «1.», «2.3», «1.2.» (digits and dots only);
    3. initials are not abbreviations: one capital letter and a dot, alone or chained
       («А.», «А.С.», «А.С.Пушкин»);
    4. a dot *inside* a word followed by a lower-case letter is an abbreviation
       («т.е.», «и.т.д.», «Реш.задач»); followed by a capital it is a sentence break;
    5. a word ending in a dot is an abbreviation when it is a known one («упр.», «стр.»,
       «др.», «реш.» …, :data:`KNOWN_ABBREVIATIONS`) or a single lower-case letter
       («т.», «с.», «г.»), wherever it stands; with a digit in it, it is numbering;
    6. otherwise a word ending in a dot is a sentence end only when it is the last word
       or the next word starts with a capital letter; before a lower-case word or a
       number it is an abbreviation («Реш. задач», «Практ. работа», «упр. 5»).

    Rule 6 means a new sentence must start with a capital letter («Функции. решение» is
    refused) — which the journal's style requires anyway.
    """
    words = [w.strip(_EDGE) for w in _WORD.findall(normalise_topic(topic))]
    words = [w for w in words if w]
    found: list[str] = []
    for index, word in enumerate(words):
        if "." not in word:
            continue
        if re.fullmatch(r"[\d.]+", word):
            continue
        segments = word.split(".")
        head = segments[:-1]
        if all(_is_initial(s) for s in head) and (segments[-1] == "" or segments[-1][:1].isupper()):
            continue  # «А.», «А.С.», «А.С.Пушкин»
        inner = re.search(r"\.(?=[a-zа-яё])", word)
        if inner is not None:
            found.append(word)
            continue
        if not word.endswith("."):
            continue  # «Функции.Решение»: a sentence break without a space
        stem = word.rstrip(".").replace(".", "")
        if any(ch.isdigit() for ch in stem):
            continue  # «№1.», «2026г.» is numbering, not a shortened word
        if stem.casefold() in KNOWN_ABBREVIATIONS or (len(stem) == 1 and stem.islower()):
            found.append(word)
            continue
        if index == len(words) - 1:
            continue
        following = words[index + 1][:1]
        if following.isupper() or not following.isalnum():
            continue  # a capital, a dash: the sentence ended
        found.append(word)
    return found


#: ``[rules.lesson_topic]``, read by :func:`validate_lesson`.
LESSON_TOPIC = rule_table(
    "lesson_topic",
    reader=__name__,
    keys={
        "required": (bool, "a topic on every lesson (barnaul п. 2.1, nshds12 разд. 4)"),
        "lesson_type_required": (bool, "a lesson type on every lesson (nshds12 разд. 4)"),
        "from_plan": (bool, "the topic exactly from the thematic plan (tomsk п. 3.1.8)"),
        "forbidden_bare": (list, "topics refused on their own («Повторение», tomsk п. 3.1.8)"),
        "no_abbreviations": (bool, "no abbreviated words in a topic (tomsk п. 3.1.8)"),
        "numbered_work_kinds": (list, "work kinds that need a number and a topic (tomsk п. 3.1.8)"),
    },
)


def validate_lesson(
    ruleset: Ruleset,
    *,
    topic: str | None,
    plan_topics: list[str],
    lesson_type: LessonType | str | None,
    works: list[tuple[WorkKind, int | None]],
    language: str = "ru",
) -> list[Problem]:
    """Problems of a lesson under the ruleset's lesson-topic rule, as (input field,
    message) pairs; empty when the lesson is fine or the ruleset has no such rule.

    ``plan_topics`` are the titles of the thematic plan of the lesson's group and
    discipline (empty: there is no plan, so the plan rule does not apply). ``works`` are
    the lesson's graded works as (kind, number). Fields: ``topic``, ``lessonType``,
    ``works.<i>.number``.

    Keys of ``[rules.lesson_topic]`` read: ``required`` (a topic on every lesson),
    ``lesson_type_required``, ``from_plan``, ``forbidden_bare``, ``no_abbreviations``,
    ``numbered_work_kinds`` (such works need a number, and the lesson a topic).
    """
    rules = LESSON_TOPIC.read(ruleset)
    if rules is None:
        return []
    problems: list[Problem] = []
    text = normalise_topic(topic) if topic else ""
    numbered = {str(k) for k in rules.get("numbered_work_kinds", ())}
    numbered_works = [(i, kind, n) for i, (kind, n) in enumerate(works) if str(kind) in numbered]

    if not text:
        if rules.get("required"):
            problems.append(("topic", message("lesson_topic_required", language)))
        elif numbered_works:
            kind = numbered_works[0][1]
            problems.append(
                (
                    "topic",
                    message(
                        "lesson_topic_required_for_work",
                        language,
                        work=_work_name(kind, language),
                    ),
                )
            )
    else:
        forbidden = [str(w) for w in rules.get("forbidden_bare", ())]
        if forbidden and is_bare(text, forbidden):
            problems.append(
                ("topic", message("lesson_topic_bare", language, topic=text.rstrip(_TRAILING)))
            )
        if rules.get("no_abbreviations"):
            abbreviations = find_abbreviations(text)
            if abbreviations:
                problems.append(
                    (
                        "topic",
                        message(
                            "lesson_topic_abbreviated",
                            language,
                            words=", ".join(f"«{w}»" for w in abbreviations),
                        ),
                    )
                )
        if rules.get("from_plan") and plan_topics:
            allowed = {normalise_topic(t) for t in plan_topics}
            if text not in allowed:
                problems.append(("topic", message("lesson_topic_not_in_plan", language)))

    if rules.get("lesson_type_required") and not lesson_type:
        problems.append(("lessonType", message("lesson_type_required", language)))

    for index, kind, number in numbered_works:
        if number is None or number < 1:
            problems.append(
                (
                    f"works.{index}.number",
                    message("work_number_required", language, work=_work_name(kind, language)),
                )
            )
    return problems


def _work_name(kind: WorkKind | str, language: str) -> str:
    """The work kind's name, from the catalogs (``work_kind_<kind>``)."""
    return message(f"work_kind_{kind}", language)


# =====================================================================================
# Final marks
# =====================================================================================

_CENT = Decimal("0.01")
_DEFAULT_CLAUSE = "rules.final_mark"


@dataclass(frozen=True, slots=True)
class MarkCondition:
    """One mark of the rule as data: the average range it takes and the share of the
    graded works that must be done with a mark of ``counted`` (None: with any mark — the
    work was done)."""

    value: str
    average_from: Decimal | None  # inclusive; None: no lower bound
    average_to: Decimal | None  # inclusive; None: no upper bound
    min_share: Fraction
    counted: frozenset[str] | None
    key: str  # where in ruleset.toml, e.g. ``rules.final_mark.marks[0]``


@dataclass(frozen=True, slots=True)
class ConditionCheck:
    """How one mark's condition fared for a student."""

    value: str
    average_from: Decimal | None
    average_to: Decimal | None
    average_holds: bool
    counted: tuple[str, ...] | None
    works: int  # graded works done with a counted mark
    share: Fraction | None  # works / graded works planned
    min_share: Fraction
    share_holds: bool
    key: str

    @property
    def holds(self) -> bool:
        return self.average_holds and self.share_holds


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What the final-mark rule suggests for one student, with its reasoning.

    ``value`` is None when the rule gives no suggestion (no graded works, no numeric
    marks, or the average's mark fails its share condition — a disputed case the teacher
    decides); ``rule`` is the key path in ``ruleset.toml`` that decided; ``checks`` how
    every mark's condition fared."""

    value: str | None
    average: Decimal | None  # rounded half-up to hundredths, as the regulation reads it
    marks_count: int  # numeric marks averaged
    graded_done: int
    graded_planned: int
    graded_share: Fraction | None
    min_share: Fraction
    reasoning: str
    rule: str
    approval_by: str | None  # who agrees a mark that departs from the rule (role slug)
    disputed: bool = False
    clause: str | None = None
    checks: tuple[ConditionCheck, ...] = ()


#: ``[rules.final_mark]``, read by :func:`final_mark_rule` and its callers.
FINAL_MARK = rule_table(
    "final_mark",
    reader=__name__,
    keys={
        "kind": (str, "the rule's kind: average_thresholds or average_and_share"),
        "clause": (str, "the regulation's section the rule encodes, cited in suggestions"),
        "marks": (list, "[[rules.final_mark.marks]]: value, average range, share, share_marks"),
        "thresholds": (list, "[[lowest average, mark], …] from the top (the older form)"),
        "otherwise": (str, "the mark below the last threshold (the older form)"),
        "min_graded_share": (float, "share of graded works done for a suggestion (older form)"),
        "graded_work_kinds": (list, "work kinds that count as graded works"),
        "disputed_decided_by": (str, "the role named as deciding a disputed case"),
        "approval_by": (str, "the role that agrees a mark departing from the rule"),
        "approval_when": (str, "which marks wait for agreement: above (the rule) or differs"),
        "favourable_rounding_needs": (str, "the older name of approval_by"),
    },
)


def final_mark_rule(ruleset: Ruleset) -> Mapping[str, Any] | None:
    """``[rules.final_mark]`` when it is an average-based rule (``marks`` or the older
    ``thresholds``), else None."""
    rule = FINAL_MARK.read(ruleset)
    if rule is None or not (rule.get("marks") or rule.get("thresholds")):
        return None
    if rule.get("kind", "average_thresholds") not in ("average_thresholds", "average_and_share"):
        return None
    return rule


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def mark_conditions(rule: Mapping[str, Any]) -> list[MarkCondition]:
    """The rule's marks, best first.

    ``[[rules.final_mark.marks]]`` entries read ``value``, ``average = [from, to]``
    (inclusive; either may be omitted), ``share`` (the least share of graded works) and
    ``share_marks`` (the marks a work must be done with to count; absent: any mark). The
    older form — ``thresholds = [[t, mark] …]``, ``otherwise`` and ``min_graded_share`` of
    works done with any mark — reads as ranges from each threshold up to the next one
    above (exclusive), ``otherwise`` below the lowest."""
    if rule.get("marks"):
        out: list[MarkCondition] = []
        for index, item in enumerate(rule["marks"]):
            bounds = [*item.get("average", [None, None]), None, None]
            counted = item.get("share_marks")
            out.append(
                MarkCondition(
                    value=str(item["value"]),
                    average_from=_decimal(bounds[0]),
                    average_to=_decimal(bounds[1]),
                    min_share=Fraction(str(item.get("share", 0))),
                    counted=None if counted is None else frozenset(str(v) for v in counted),
                    key=f"rules.final_mark.marks[{index}]",
                )
            )
        return out
    min_share = Fraction(str(rule.get("min_graded_share", 0.5)))
    thresholds = sorted(
        ((Decimal(str(t)), str(v)) for t, v in rule["thresholds"]),
        key=lambda tv: tv[0],
        reverse=True,
    )
    out = []
    above: Decimal | None = None
    for threshold, value in thresholds:
        out.append(
            MarkCondition(
                value=value,
                average_from=threshold,
                average_to=None if above is None else above - _CENT,
                min_share=min_share,
                counted=None,
                key="rules.final_mark.thresholds",
            )
        )
        above = threshold
    out.append(
        MarkCondition(
            value=str(rule.get("otherwise", "2")),
            average_from=None,
            average_to=None if above is None else above - _CENT,
            min_share=min_share,
            counted=None,
            key="rules.final_mark.otherwise",
        )
    )
    return out


def average_of(values: Sequence[str]) -> Decimal | None:
    """The mean of the numeric marks, rounded half-up to hundredths (4.745 → 4.75)."""
    numeric = [int(v) for v in values if v in NUMERIC_MARKS]
    if not numeric:
        return None
    return (Decimal(sum(numeric)) / Decimal(len(numeric))).quantize(_CENT, ROUND_HALF_UP)


def _in_range(condition: MarkCondition, average: Decimal) -> bool:
    low, high = condition.average_from, condition.average_to
    return (low is None or average >= low) and (high is None or average <= high)


def _number(value: Decimal | Fraction | float, language: str) -> str:
    text = f"{float(value):.2f}"
    return text if language == "en" else text.replace(".", ",")


def _percent(share: Fraction) -> str:
    """Whole percent, rounded down (49.9 % reads 49 %, never a misleading 50 %)."""
    return f"{int(share * 100)} %"


def _range_text(condition: MarkCondition | ConditionCheck, language: str) -> str:
    low, high = condition.average_from, condition.average_to
    if low is not None and high is not None:
        return f"{_number(low, language)}–{_number(high, language)}"
    if low is not None:
        return message("final_mark_range_from", language, low=_number(low, language))
    if high is not None:
        return message("final_mark_range_to", language, high=_number(high, language))
    return message("final_mark_range_any", language)


def _counted_text(counted: Iterable[str] | None, language: str) -> str:
    if counted is None:
        return message("final_mark_counted_any", language)
    marks = "/".join(f"«{v}»" for v in sorted(counted, reverse=True))
    return message("final_mark_counted", language, marks=marks)


def _decider(ruleset: Ruleset, rule: Mapping[str, Any], language: str) -> str:
    """Who decides a disputed case (``disputed_decided_by``), by the role's title."""
    slug = rule.get("disputed_decided_by")
    spec = ruleset.roles.get(str(slug), {}) if slug else {}
    title = spec.get("title_en" if language == "en" else "title_ru")
    if not title:
        return message("final_mark_teacher", language)
    return str(title[:1].lower() + title[1:])


def suggest_final_mark(
    ruleset: Ruleset,
    marks: list[tuple[str, WorkKind]],
    planned_graded_works: int,
    *,
    language: str = "ru",
) -> Suggestion | None:
    """The final mark the ruleset's rule suggests, or None when the ruleset has none.

    ``marks`` are the student's current marks in the discipline and period with the kind
    of work each was given for (one mark per work); ``planned_graded_works`` is how many
    graded works (kinds of ``graded_work_kinds``) his group had. The average is of all
    numeric marks, rounded half-up to hundredths; the mark whose average range holds it
    is suggested when its share condition holds too: at least ``share`` of the planned
    graded works done with a mark of ``share_marks`` (a «2» is a mark: that work was done,
    badly; a work without a mark counts for no condition). Otherwise there is no
    suggestion (``value`` None): no graded works (no share can hold), no numeric mark, or
    a disputed case — the average's mark fails its share — which the regulation leaves to
    the teacher (``disputed_decided_by``).
    """
    rule = final_mark_rule(ruleset)
    if rule is None:
        return None
    kinds = {str(k) for k in rule.get("graded_work_kinds", sorted(GRADED_WORK_KINDS))}
    approval_by = rule.get("approval_by", rule.get("favourable_rounding_needs"))
    clause = str(rule.get("clause") or _DEFAULT_CLAUSE)
    conditions = mark_conditions(rule)
    planned = max(planned_graded_works, 0)
    graded = [v for v, kind in marks if str(kind) in kinds]
    done = min(len(graded), planned)
    share = Fraction(done, planned) if planned > 0 else None
    average = average_of([v for v, _ in marks])
    count = sum(1 for v, _ in marks if v in NUMERIC_MARKS)

    checks: list[ConditionCheck] = []
    for c in conditions:
        works = min(
            sum(1 for v in graded if c.counted is None or v in c.counted),
            planned,
        )
        part = Fraction(works, planned) if planned > 0 else None
        checks.append(
            ConditionCheck(
                value=c.value,
                average_from=c.average_from,
                average_to=c.average_to,
                average_holds=average is not None and _in_range(c, average),
                counted=None if c.counted is None else tuple(sorted(c.counted, reverse=True)),
                works=works,
                share=part,
                min_share=c.min_share,
                share_holds=part is not None and part >= c.min_share,
                key=c.key,
            )
        )
    applicable = next((ch for ch in checks if ch.average_holds), None)
    min_share = applicable.min_share if applicable is not None else conditions[0].min_share

    def build(value: str | None, reasoning: str, key: str, *, disputed: bool) -> Suggestion:
        return Suggestion(
            value=value,
            average=average,
            marks_count=count,
            graded_done=done,
            graded_planned=planned_graded_works,
            graded_share=share,
            min_share=min_share,
            reasoning=reasoning,
            rule=key,
            approval_by=str(approval_by) if approval_by else None,
            disputed=disputed,
            clause=clause,
            checks=tuple(checks),
        )

    decider = _decider(ruleset, rule, language)
    if planned <= 0:
        text = message("final_mark_no_graded_works", language, clause=clause, who=decider)
        return build(None, text, "rules.final_mark.graded_work_kinds", disputed=True)
    if average is None:
        text = message(
            "final_mark_no_numeric", language, clause=clause, who=decider, planned=planned
        )
        return build(None, text, "rules.final_mark", disputed=True)
    average_text = message(
        "final_mark_average", language, average=_number(average, language), count=count
    )
    if applicable is None:
        text = message(
            "final_mark_no_range", language, average=average_text, clause=clause, who=decider
        )
        return build(None, text, "rules.final_mark", disputed=True)
    assert applicable.share is not None
    share_text = message(
        "final_mark_share",
        language,
        counted=_counted_text(applicable.counted, language),
        works=applicable.works,
        planned=plural("count_graded_works_of", planned, language),
        share=_percent(applicable.share),
        need=_percent(applicable.min_share),
    )
    range_text = message(
        "final_mark_in_range",
        language,
        average=average_text,
        value=applicable.value,
        range=_range_text(applicable, language),
    )
    if applicable.share_holds:
        text = message(
            "final_mark_given",
            language,
            range=range_text,
            share=share_text,
            value=applicable.value,
            clause=clause,
        )
        return build(applicable.value, text, applicable.key, disputed=False)
    text = message(
        "final_mark_disputed",
        language,
        range=range_text,
        share=share_text,
        value=applicable.value,
        clause=clause,
        who=decider,
    )
    return build(None, text, applicable.key, disputed=True)


def needs_approval(rule: Mapping[str, Any] | None, suggested: str | None, chosen: str) -> bool:
    """Whether a final mark ``chosen`` where the rule suggests ``suggested`` waits for
    the agreement of ``approval_by`` (Armavir разд. 6: «оценка без использования правил
    округления … согласовывается с заместителем директора по учебной работе»).

    ``approval_when`` says which departures: ``"above"`` (the default: a mark above the
    suggestion, in the student's favour) or ``"differs"`` (any other mark). No suggestion
    — a disputed case the regulation leaves to the teacher — and non-numeric marks never
    wait."""
    if rule is None or not (rule.get("approval_by") or rule.get("favourable_rounding_needs")):
        return False
    if suggested not in NUMERIC_MARKS or chosen not in NUMERIC_MARKS:
        return False
    if str(rule.get("approval_when", "above")) == "differs":
        return chosen != suggested
    return int(chosen) > int(suggested)


# =====================================================================================
# Working days
# =====================================================================================


@functools.lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("RU", years=year))


def is_working_day(
    day: dt.date, *, days_off: set[dt.date], transfers: Mapping[dt.date, dt.date]
) -> bool:
    """A day transfer's ``to_date`` is a working day whatever else holds; its
    ``from_date`` is a day off; so are the institution's days off, Russian public holidays
    (``holidays.RU``, with the government's moved days off) and weekends."""
    return _working(day, days_off, transfers, set(transfers.values()))


def _working(
    day: dt.date,
    days_off: set[dt.date],
    transfers: Mapping[dt.date, dt.date],
    targets: set[dt.date],
) -> bool:
    if day in targets:
        return True
    if day in transfers or day in days_off or day in _public_holidays(day.year):
        return False
    return day.isoweekday() < 6


_MAX_SCAN = 400  # days: a deadline never spans more than a year of days off


def working_days_after(
    start: dt.date, n: int, *, days_off: set[dt.date], transfers: Mapping[dt.date, dt.date]
) -> dt.date:
    """The ``n``-th working day after ``start`` (``n = 0``: ``start`` itself — "on the
    day"). A deadline of N working days after an event on ``start`` ends on this day."""
    if n <= 0:
        return start
    targets = set(transfers.values())
    day, counted = start, 0
    for _ in range(_MAX_SCAN):
        day += dt.timedelta(days=1)
        if _working(day, days_off, transfers, targets):
            counted += 1
            if counted == n:
                return day
    raise ValueError(f"no {n} working days within {_MAX_SCAN} days after {start}")


def overdue_cutoff(
    today: dt.date, n: int, *, days_off: set[dt.date], transfers: Mapping[dt.date, dt.date]
) -> dt.date:
    """The last date whose ``n``-working-day deadline has passed by ``today``: an entry
    due for an event on day D is overdue today iff ``D <= overdue_cutoff(today, n)``
    (its deadline day, :func:`working_days_after`, lies before today)."""
    day = today - dt.timedelta(days=1)
    for _ in range(_MAX_SCAN):
        if working_days_after(day, n, days_off=days_off, transfers=transfers) < today:
            return day
        day -= dt.timedelta(days=1)
    raise ValueError(f"no overdue day within {_MAX_SCAN} days before {today}")
