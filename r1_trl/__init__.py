"""r1-trl: the DeepSeek-R1 training pipeline as TRL recipes."""

__version__ = "0.1.0"
__all__ = ["__version__"]
