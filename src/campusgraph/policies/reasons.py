"""A refusal's reason in the reader's language: one sentence naming the cause (the closed
period with its date and who closed it, the mark already set, the scopes that did not
hold, no line at all), and the clause it rests on. The API's errors and ``policy
explain`` say the same thing in the same words."""

from __future__ import annotations

import datetime as dt

from campusgraph.i18n import message
from campusgraph.policies.engine import Decision, Reason
from campusgraph.policies.facts import ClosedPeriod
from campusgraph.policies.vocabulary import Scope, action_title, object_spec


def _kind_title(kind: str, language: str) -> str:
    return message(f"final_kind_{kind}", language)


def _date(moment: dt.datetime | None, language: str) -> str:
    if moment is None:
        return "?"
    return moment.strftime("%d.%m.%Y" if language != "en" else "%Y-%m-%d")


def period_closed_reason(period: ClosedPeriod | None, language: str) -> str:
    """The reason a closed period gives, with the period, the day and who closed it."""
    if period is None:
        return message("refusal_period_closed_unknown", language)
    return message(
        "refusal_period_closed",
        language,
        period=period.name,
        date=_date(period.closed_at, language),
        who=period.closed_by or message("refusal_closer_unknown", language),
    )


def reason_text(decision: Decision, language: str) -> str:
    """The refusal's cause in the reader's language (one sentence, no clause)."""
    refusal = decision.refusal
    if refusal is None:
        if decision.line is not None:
            return message("refusal_denied", language)
        return _no_line(decision, language)
    reason = refusal.reason
    if reason is Reason.PERIOD_CLOSED:
        return period_closed_reason(refusal.period, language)
    if reason in (Reason.FINAL_MARK_SET, Reason.ATTESTATION_MARK_SET):
        key = "refusal_final_set" if reason is Reason.FINAL_MARK_SET else "refusal_attestation_set"
        final = refusal.final
        if final is None:
            return message(f"{key}_unknown", language)
        kind = _kind_title(final.kind, language)
        return message(key, language, kind=kind, period=final.period_name)
    if reason is Reason.OUT_OF_SCOPE:
        return message(
            "refusal_out_of_scope", language, scopes=scopes_text(refusal.scopes, language)
        )
    if reason is Reason.DENIED_BY_LINE:
        return message("refusal_denied", language)
    return _no_line(decision, language)


def _no_line(decision: Decision, language: str) -> str:
    spec = object_spec(decision.object)
    obj = decision.object if spec is None else spec.title(language)
    action = action_title(decision.action, language)
    return message("refusal_no_line", language, action=action, object=obj)


def clause_text(decision: Decision, language: str) -> str:
    """The clause cited: the regulation's quotation as written (a citation, Russian in
    every language), or — no line at all — that, said in the reader's language."""
    return decision.clause or message("refusal_no_clause", language)


def forbidden_text(decision: Decision, language: str) -> str:
    return message(
        "forbidden",
        language,
        ruleset=decision.ruleset,
        reason=reason_text(decision, language),
        clause=clause_text(decision, language),
    )


def scopes_text(scopes: tuple[Scope, ...], language: str) -> str:
    """Scopes as the end of "only for …": «групп, которые вы курируете или ваших детей»."""
    titles = [message(f"scope_{scope.value}", language) for scope in scopes]
    return message("refusal_or", language).join(titles)
