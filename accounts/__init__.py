"""Hosts and their accounts."""
