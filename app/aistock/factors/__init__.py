"""qlib-compatible factor expressions evaluated on wide (instrument × day) arrays."""
