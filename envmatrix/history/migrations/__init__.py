"""The history's Alembic migrations, shipped in the package and run by ``envmatrix.history.store`` (no alembic.ini)."""
