"""Organizations, their members and their accreditations."""
