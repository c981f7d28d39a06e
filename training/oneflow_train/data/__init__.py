"""Push-T demonstrations: zarr replay buffer, DP sequence sampler, normaliser, block keypoints."""
