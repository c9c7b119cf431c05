"""Case consultations: de-identified patient questions routed up the 1-4-4-2 cascade."""
