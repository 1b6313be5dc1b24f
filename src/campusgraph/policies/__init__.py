"""The authorization engine: rules from rulesets, facts from the database, vocabulary in code.

Nothing here imports Strawberry.
"""
