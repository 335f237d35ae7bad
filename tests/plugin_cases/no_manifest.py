"""A module that forgot its MANIFEST."""
