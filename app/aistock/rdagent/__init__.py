"""RD-Agent's research inside the workstation.

``catalog`` imports what RD-Agent exports (the four catalogs, alpha meta files, bundles) into
the store; ``demo`` writes a faithful RD-Agent export trained on the demo market; ``runtime``
runs a loop's trained qlib model on the workstation's own data. Nothing here ever calls
RD-Agent's code: RD-Agent is a producer of files and a read-only HTTP API.
"""
