"""Competencies, training hours and certification: what training coordinators track."""
