"""Parts of campusgraph that need an extra (``pip install 'campusgraph[demo]'``).

The service itself never needs Faker: only the demo data and the generated regions of
load tests do, so it is the ``demo`` extra's. A command that needs an extra which is not
installed ends with one line saying how to install it, not an import traceback: the
error is a ``SystemExit`` whose text is that line (the interpreter prints it, exit
status 1), so it reads the same whichever command or script imported the module.
"""

from __future__ import annotations

import os

from campusgraph.i18n import message, negotiate


def _language() -> str:
    """The language of the process's POSIX locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``:
    ``en_US.UTF-8`` is English), Russian by default."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return negotiate(value.split(".")[0].replace("_", "-"))
    return negotiate(None)


class MissingExtra(SystemExit):
    """A module of an extra that is not installed: the one line that says which extra."""

    def __init__(self, extra: str, error: ModuleNotFoundError) -> None:
        self.extra = extra
        self.module = error.name or "?"
        text = message("missing_extra", _language(), module=self.module, extra=extra)
        super().__init__(f"campusgraph: {text}")
