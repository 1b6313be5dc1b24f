"""Failed sign-in counters, shared by every worker of the service.

The state lives in the database, not in a process: uvicorn's workers (and several hosts
behind one balancer) each answer sign-ins, and a counter kept in one of them would let an
attacker spread guesses across the others. A row is keyed by a SHA-256 of what it counts
(a realm and login, or a client address), so the table never holds a login in clear and
an unknown login gets a row exactly like a known one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base


class SignInThrottle(Base):
    __tablename__ = "sign_in_throttle"
    __table_args__ = (Index(None, "last_at"),)

    #: ``sha256("login\\0<realm>\\0<login>")`` or ``sha256("address\\0<ip>")``, hex.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: ``login`` or ``address``: which limits apply (and for whoever reads the table).
    kind: Mapped[str] = mapped_column(String(16))
    #: Attempts counted against the key since its last success or quiet window.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[dt.datetime] = mapped_column()
    #: No sign-in for the key is checked before this moment (a delay or a lockout).
    blocked_until: Mapped[dt.datetime | None] = mapped_column(default=None)
