"""Use cases. Each loads rows, asks the domain, flushes and records an audit entry;
the caller (a view or a CLI command) commits once."""
