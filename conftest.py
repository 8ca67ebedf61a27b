"""The envmatrix plugin is loaded through its pytest11 entry point; nothing to read here."""
