"""Release v5: training courses of organizations and their members' enrollments.

``courses`` and ``accounts`` depend on each other's migrations in both
directions (see releases/README.md).
"""
