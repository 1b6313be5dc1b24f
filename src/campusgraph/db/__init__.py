"""The store: typed SQLAlchemy models, the engine and sessions, migrations.

Nothing here imports Strawberry; the GraphQL layer sits above.
"""
