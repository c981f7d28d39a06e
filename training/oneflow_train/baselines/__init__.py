"""Baseline one-step students distilled from the same teacher as OneFlow-DP (OneDP, CP, ...): docs/baselines.md."""
