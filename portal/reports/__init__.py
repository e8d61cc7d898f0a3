"""Scheduled screenshot reports: definitions, rendering in the system Chromium, checks, delivery, history."""
