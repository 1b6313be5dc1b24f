"""What people read on screen, in Russian with English available (``Accept-Language: en``)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "unauthenticated": ("Требуется вход в систему.", "Sign-in required."),
    "token_unknown": ("Сеанс не найден: войдите снова.", "Unknown session token: sign in again."),
    "token_expired": ("Сеанс истёк: войдите снова.", "The session has expired: sign in again."),
    "token_revoked": ("Сеанс отозван: войдите снова.", "The session was revoked: sign in again."),
    "account_disabled": ("Учётная запись отключена.", "The account is disabled."),
    "must_change_password": (
        "Смените одноразовый пароль (changePassword), прежде чем продолжить.",
        "Change your one-time password (changePassword) before anything else.",
    ),
    "bad_credentials": (
        "Неверное имя пользователя или пароль.",
        "Wrong login or password.",
    ),
    "forbidden": (
        "Доступ запрещён регламентом «{ruleset}»: {clause}",
        "Forbidden by ruleset «{ruleset}»: {clause}",
    ),
    "not_found": ("Объект не найден.", "Not found."),
    "bad_id": ("Неверный идентификатор: {value}", "Malformed id: {value}"),
    "bad_cursor": ("Неверный курсор страницы.", "Malformed page cursor."),
    "internal": (
        "Внутренняя ошибка сервера. Обратитесь к администратору.",
        "Internal server error. Please contact the administrator.",
    ),
    "page_too_large": (
        "Размер страницы не больше {limit}.",
        "Page size is at most {limit}.",
    ),
    "wrong_type": ("Идентификатор указывает на объект другого типа.", "The id names another type."),
    "period_mismatch": (
        "Период не относится к учебному году группы.",
        "The period is not of the group's academic year.",
    ),
}


def message(key: str, language: str = "ru", **kwargs: object) -> str:
    ru, en = MESSAGES[key]
    text = en if language == "en" else ru
    return text.format(**kwargs) if kwargs else text
