"""Clients of the outside systems the portal asks (docs/architecture.md, "Doors and outside
systems"): each behind a small interface, with a real protocol client and a simulator in
``simulators/`` for the tests and the demo."""
