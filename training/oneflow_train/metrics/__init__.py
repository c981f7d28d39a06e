"""Distribution-match and coherence metrics for comparing a student's action chunks with its teacher's
(`distillation.md` §10). Pure numpy functions; all inputs in normalised action units unless a docstring says
otherwise."""
from .coherence import chunk_boundary_discontinuity, jerk, within_chunk_smoothness
from .distribution import energy_distance, js_divergence, mmd_rbf, mode_histograms, variance_ratio

__all__ = ["chunk_boundary_discontinuity", "jerk", "within_chunk_smoothness", "energy_distance", "js_divergence",
           "mmd_rbf", "mode_histograms", "variance_ratio"]
