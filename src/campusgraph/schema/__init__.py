"""The GraphQL schema: Strawberry types, one module per area, merged in :mod:`.root`."""
