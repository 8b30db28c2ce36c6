"""Bedrock chargeback over AWS Data Exports."""

__version__ = "0.1.0"
