"""Figures, reports and the web UI of polsim."""
