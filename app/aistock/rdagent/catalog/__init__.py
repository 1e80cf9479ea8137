"""RD-Agent's catalogs inside the workstation: parse, map paths, read sources, sync, query.

* :mod:`.contracts` — pure parsing of RD-Agent's export formats into typed entries;
* :mod:`.pathmap` — RD-Agent paths → local paths, and the trusted roots for model files;
* :mod:`.sources` — reading a directory, the results API or a ZIP into raw bytes;
* :mod:`.sync` — ``CatalogSync``: parse everything, then upsert in one transaction;
* :mod:`.repository` — ``RdagentRepository``: the read API the model runtime and UI use.

Nothing is imported here so that ``import aistock.rdagent.catalog.contracts`` stays cheap and
the CLI's start-up does not pay for the store.
"""
