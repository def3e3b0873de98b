"""Metrics, graphs and reports over one engagement's views."""
