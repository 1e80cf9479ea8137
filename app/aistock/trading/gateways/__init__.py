"""Broker connections: the gateway protocol, miniQMT and the miniQMT simulator."""
