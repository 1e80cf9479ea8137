"""A faithful RD-Agent export trained with real qlib on the demo market (``aistock rdagent build-demo``)."""
