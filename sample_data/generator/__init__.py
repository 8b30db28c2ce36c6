"""Makes the shipped sample export (not part of the installed package)."""
