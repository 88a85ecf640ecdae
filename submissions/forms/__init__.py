"""Parsing and validating input, uploads included."""
