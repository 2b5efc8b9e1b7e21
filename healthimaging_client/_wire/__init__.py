"""The wire format, as pure functions: the converter, input rules, JSON and gzip bodies, service errors."""
