"""The Research page: the imported RD-Agent catalog, loop selections and the catalog sync."""

from aistock.ui.research.page import ResearchPage

__all__ = ["ResearchPage"]
