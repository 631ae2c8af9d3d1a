"""See the module list in portal/api/__init__.py."""
