"""contactguard: the restricted-contact register and its helpdesk plugin."""

__version__ = "0.1.0"
