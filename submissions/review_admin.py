"""Admin for the expert review (issue 5)."""
