"""The built-in governance practice plugins."""
