"""Live layer: read-only AWS inventory, the snapshot, and the read-only guard."""
