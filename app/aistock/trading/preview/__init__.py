"""Strategy preview: loops trading on virtual books, never on a broker (seed §7.8, DESIGN §7)."""
