"""What an operator sees of a running service: log lines (JSON in production) that each
name their request, Prometheus metrics, optional OpenTelemetry spans of an operation's
stages. Nothing here is configured at import: the CLI configures logging and tracing at
startup, the app installs the middleware and routes."""
