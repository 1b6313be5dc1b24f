"""Plain async functions and per-request loaders. Core/ORM selects only, no lazy loads.

Every read of rows goes through :mod:`campusgraph.resolvers.reads`, the one place that
applies the ruleset's SQL filter; nothing else here checks permissions.
"""
