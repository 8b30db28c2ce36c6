"""The sample month and the generator that writes it (not part of the installed package)."""
