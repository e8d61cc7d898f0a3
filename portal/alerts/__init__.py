"""Monitoring alerts: rules from the reports file, their checks, the alert records and notices."""
