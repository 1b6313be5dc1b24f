"""Convenience re-exports: how the rest of the service opens sessions."""

from campusgraph.db.engine import create_engine, session_factory
from campusgraph.db.tenancy import TenantScopeMissing, scoped, unscoped

__all__ = ["TenantScopeMissing", "create_engine", "scoped", "session_factory", "unscoped"]
