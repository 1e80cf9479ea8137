"""miniQMT through the real xtquant API (the trader class is a parameter)."""
