"""Use cases. Each loads rows, asks the domain (workflow/, signatures/), writes and flushes, and
records an audit entry; it never commits. The transaction boundary of the door that called it
(``portal.transaction``: the request, or ``command_boundary`` for a CLI command) commits once or
rolls back. Refusals are ``portal.operations.errors.DomainError`` subclasses."""
