"""Compatibility sweeps that measure jtorch against PyTorch's own operator database."""
