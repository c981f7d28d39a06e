"""Minimal pure-python stand-in for safetensors (used only where the real package is missing)."""
