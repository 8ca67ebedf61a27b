"""The environment document as the source of truth: parse it (``parse``), compare the spec with it (``compare``),
start a spec from it (``starter``).

Nothing is imported here: the pytest plugin beside these modules is loaded by every run, and most runs have no
document, so the Markdown parser stays unloaded until one does.
"""
