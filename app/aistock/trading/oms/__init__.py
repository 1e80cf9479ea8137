"""Order management: the journal-first order book and its reconciliation with the broker."""
