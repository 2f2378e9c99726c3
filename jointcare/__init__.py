"""jointcare: health and social care run as one system."""

__version__ = "0.1.0"
