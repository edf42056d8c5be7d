"""After-action reports and trends, computed with polars over session logs (no console imports here)."""
