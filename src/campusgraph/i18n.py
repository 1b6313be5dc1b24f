"""What people read on screen, in Russian with English available.

The texts live in gettext catalogs, ``locale/<language>/LC_MESSAGES/campusgraph.po``: a
translator edits them with any PO tool, and counted nouns take the language's own plural
forms («1 строка», «2 строки», «5 строк») from the catalog's ``Plural-Forms``. The msgids are
stable keys rather than English sentences: Russian is the language of the regulations and
the default, English a translation, so neither language's wording is privileged as the key.

The ``.po`` file is the only source: it is compiled in memory when a language is first used
(Babel), so there is no ``.mo`` file to forget to rebuild.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

#: The languages of the catalogs; the first is the default.
LANGUAGES: Final = ("ru", "en")
DEFAULT_LANGUAGE: Final = "ru"
DOMAIN: Final = "campusgraph"
LOCALE_DIR: Final = Path(__file__).parent / "locale"


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalog of one of :data:`LANGUAGES` (a ``KeyError`` for any other)."""
    if language not in LANGUAGES:
        raise KeyError(language)
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@functools.cache
def keys(language: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """Every message key one catalog translates (plural entries included)."""
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    return frozenset(
        (m.id if isinstance(m.id, str) else str(m.id[0])) for m in catalog if m.id and m.string
    )


def _language(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def message(key: str, language: str = DEFAULT_LANGUAGE, **kwargs: object) -> str:
    """The text of ``key`` in ``language``, its ``{fields}`` filled from ``kwargs``.

    An unknown key is a programming error, not a text to show: it raises ``KeyError``.
    """
    text = translations(_language(language)).gettext(key)
    if text == key and key not in keys(_language(language)):
        raise KeyError(key)
    # Always formatted, so a literal brace is written {{ }} in every entry alike.
    return text.format(**kwargs)


def plural(key: str, count: int, language: str = DEFAULT_LANGUAGE, **kwargs: object) -> str:
    """The form of ``key`` that agrees with ``count`` (filled in as ``{n}``).

    The catalog entry has a ``msgid_plural`` (the same key) and one ``msgstr[i]`` per plural
    form of the language: three in Russian, two in English.
    """
    lang = _language(language)
    text = translations(lang).ngettext(key, key, count)
    if text == key and key not in keys(lang):
        raise KeyError(key)
    return text.format(n=count, **kwargs)


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The language to answer in, from an ``Accept-Language`` header (RFC 9110 §12.5.4).

    Ranges are taken by their weight (``q``), then in the order given; a range names a
    language by its primary subtag (``en-GB`` is English); ``q=0`` excludes it (a weight
    that is not a qvalue too); ``*`` is the default unless it was excluded. A header naming none of :data:`LANGUAGES` gets ``default``.
    """
    if not accept_language:
        return default
    ranges: list[tuple[float, int, str]] = []
    excluded: set[str] = set()
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
                if not 0.0 <= weight <= 1.0:  # not a qvalue: the range is ignored
                    weight = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary and weight > 0:
            ranges.append((-weight, index, primary))
        elif primary:
            excluded.add(primary)
    for _, _, primary in sorted(ranges):
        if primary in LANGUAGES:
            return primary
        if primary == "*":
            # Any language: the default, unless the header excluded it (``ru;q=0, *``).
            allowed = [lang for lang in (default, *LANGUAGES) if lang not in excluded]
            return allowed[0] if allowed else default
    return default
