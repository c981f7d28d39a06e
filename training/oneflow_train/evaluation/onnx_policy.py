"""`EvalPolicy` over an ONNX file following the OneFlow policy contract (design.md §2, schema_version 1).

Inputs `state` float32 [1, To, Ds] (Ds = 5, or 2 = agent xy for image policies), optional `image` uint8
[1, To, H, W, 3], `noise` float32 [1, S, Ha, Da]; output `action` float32 [1, Ha, Da], raw units. Static batch 1
graphs are run once per episode of the batch; a graph with a dynamic batch dimension is run once for the batch.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class OnnxPolicy:
    def __init__(self, path: str | Path, intra_op_threads: int = 0):
        import onnxruntime as ort

        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: ONNX policy file not found")
        opts = ort.SessionOptions()
        if intra_op_threads:
            opts.intra_op_num_threads = intra_op_threads
        self.session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        if "oneflow.policy" not in meta:
            raise ValueError(f"{self.path}: no metadata_props['oneflow.policy'] (not a OneFlow policy export)")
        self.metadata = json.loads(meta["oneflow.policy"])
        if self.metadata.get("schema_version") != 1:
            raise ValueError(f"{self.path}: schema_version {self.metadata.get('schema_version')!r}, expected 1")
        inputs = {i.name: i for i in self.session.get_inputs()}
        for name in ("state", "noise"):
            if name not in inputs:
                raise ValueError(f"{self.path}: missing input {name!r}; inputs are {sorted(inputs)}")
        obs, act = self.metadata["observation"], self.metadata["action"]
        self.n_obs_steps = int(obs["n_obs_steps"])
        self.horizon = int(act["horizon"])
        self.n_action_steps = int(act["n_action_steps"])
        self.noise_shape = tuple(int(d) for d in self.metadata["noise"]["shape"][1:])
        self.uses_image = "image" in inputs
        self.state_dim = int(inputs["state"].shape[-1])
        self.batch_static = inputs["state"].shape[0] == 1
        self.name = self.metadata.get("name", self.path.stem)

    def _run(self, state, image, noise):
        feeds = {"state": state[..., : self.state_dim].astype(np.float32), "noise": noise.astype(np.float32)}
        if self.uses_image:
            feeds["image"] = image.astype(np.uint8)
        return self.session.run(["action"], feeds)[0]

    def predict(self, state, image, noise):
        state, noise = np.asarray(state), np.asarray(noise)
        if not self.batch_static:
            return self._run(state, image, noise).astype(np.float32)
        out = [self._run(state[b : b + 1], None if image is None else image[b : b + 1], noise[b : b + 1])
               for b in range(len(state))]
        return np.concatenate(out).astype(np.float32)
