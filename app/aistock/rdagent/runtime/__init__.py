"""Run a loop's trained qlib model on the workstation's own data (seed §7.10.2).

The model, its fitted processors and its feature order come from the loop's workspace; the
features come from the FactorEngine (expressions) and fenced ``factor.py`` runs (Python
factors) over the DataService. qlib is used only as a predict-only library: no provider, no
``qlib.init``.
"""
