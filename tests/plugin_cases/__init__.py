"""Deliberately broken or minimal plugins, enabled through real entry points in the tests."""
