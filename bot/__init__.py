"""KIM Intake: the messenger intake assistant for municipal integration management (KIM)."""

__version__ = "0.1.0"
