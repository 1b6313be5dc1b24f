"""campusgraph: the graph of an educational institution over GraphQL, governed by pluggable rulesets."""

__version__ = "0.1.0"
