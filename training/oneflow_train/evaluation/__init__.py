"""The Diffusion Policy Push-T evaluation protocol, for any `EvalPolicy` (PyTorch checkpoint, ONNX file, baselines)."""
