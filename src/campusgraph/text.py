"""Russian text helpers shared by the demo seed and account logins."""

from __future__ import annotations

import re

#: Cyrillic → Latin (the passport transliteration of 2014, simplified: ъ and ь dropped).
TRANSLIT: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "-", "ы": "y", "ь": "-", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip


def translit(text: str) -> str:
    """Lower-case Latin letters and digits only: a login stem."""
    out = "".join(TRANSLIT.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z0-9]", "", out.replace("-", ""))
