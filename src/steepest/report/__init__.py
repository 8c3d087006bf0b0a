"""Self-contained HTML reports (:class:`Report`) and the guided tour behind ``steepest tour``."""

from .builder import Report, Section, offline_jshtml, plotly_available
from .progress import Progress

__all__ = ["Progress", "Report", "Section", "offline_jshtml", "plotly_available"]
