"""OneFlow training side: Push-T data/env/eval, DP teacher, OneFlow-DP distillation, ONNX export."""
