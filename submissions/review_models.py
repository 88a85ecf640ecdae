"""Expert review: criteria, rounds, assignments, conflicts, scores and votes (issue 5)."""
