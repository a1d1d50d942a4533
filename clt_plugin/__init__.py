"""Cross-lingual transfer experiments for post-training (Shimabucoro et al., 2025)."""

__version__ = "0.1.0"
