"""Project package of the AccrediTrack example backend (settings, URLs, WSGI)."""
