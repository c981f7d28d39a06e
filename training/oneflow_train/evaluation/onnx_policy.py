"""`EvalPolicy` over an ONNX file following the OneFlow policy contract (docs/contract.md, schema_version 1).

Inputs `state` float32 [1, To, Ds] (Ds = 5, or 2 = agent xy for image policies), optional `image` uint8
[1, To, H, W, 3], `noise` float32 [1, S, Ha, Da]; output `action` float32 [1, Ha, Da], raw units; the graph is run
once per episode of the batch. The file is refused (ContractError) exactly where the node refuses it — the metadata
against the one schema, the graph against its metadata (oneflow_train.policy_contract) — and where it does not fit
this evaluator: state names that the Push-T state lacks, other action names, or a chunk that does not start at the
first observation (first_step_offset != -(To - 1); the evaluator executes action[To-1 : To-1+Ta]). The state columns
are picked by name, never cut to the graph's width.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..export_contract import PUSHT_ACTION_NAMES, PUSHT_STATE_NAMES
from ..policy_contract import METADATA_KEY, ContractError, Mismatch, Tensor, parse_metadata, signature_problems

_ORT_TYPES = {"tensor(float)": "float32", "tensor(uint8)": "uint8", "tensor(double)": "float64", "tensor(int64)": "int64"}


def _tensors(args) -> list[Tensor]:
    return [Tensor(a.name, _ORT_TYPES.get(a.type, a.type), tuple(a.shape)) for a in args]


def _evaluator_problems(meta: dict) -> list[Mismatch]:
    """What this evaluator (the Push-T env state, DP-style execution) needs beyond the contract itself."""
    obs, act = meta["observation"], meta["action"]
    out = []
    unknown = [n for n in obs["state"]["names"] if n not in PUSHT_STATE_NAMES]
    if unknown:
        out.append(Mismatch("metadata.observation.state.names", f"names from the Push-T state ({', '.join(PUSHT_STATE_NAMES)})",
                            obs["state"]["names"]))
    if act["names"] != PUSHT_ACTION_NAMES:
        out.append(Mismatch("metadata.action.names", PUSHT_ACTION_NAMES, act["names"]))
    if act["first_step_offset"] != -(obs["n_obs_steps"] - 1):
        out.append(Mismatch("metadata.action.first_step_offset", f"-(n_obs_steps - 1) = {1 - obs['n_obs_steps']}",
                            act["first_step_offset"]))
    return out


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
        props = self.session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in props:
            raise ContractError([Mismatch(f'metadata_props["{METADATA_KEY}"]', "schema_version 1 policy JSON",
                                          f"missing (keys present: {', '.join(props) or 'none'})")], str(self.path))
        self.metadata = parse_metadata(props[METADATA_KEY], str(self.path))
        problems = signature_problems(_tensors(self.session.get_inputs()), _tensors(self.session.get_outputs()),
                                      self.metadata)
        problems = problems or _evaluator_problems(self.metadata)
        if problems:
            raise ContractError(problems, str(self.path))
        obs, act = self.metadata["observation"], self.metadata["action"]
        self.n_obs_steps = int(obs["n_obs_steps"])
        self.horizon = int(act["horizon"])
        self.n_action_steps = int(act["n_action_steps"])
        self.noise_shape = tuple(int(d) for d in self.metadata["noise"]["shape"][1:])
        self.uses_image = obs["image"] is not None
        self.state_index = [PUSHT_STATE_NAMES.index(n) for n in obs["state"]["names"]]
        self.state_dim = len(self.state_index)
        self.name = self.metadata.get("name", self.path.stem)

    def _run(self, state, image, noise):
        feeds = {"state": state[..., self.state_index].astype(np.float32), "noise": noise.astype(np.float32)}
        if self.uses_image:
            feeds["image"] = image.astype(np.uint8)
        return self.session.run(["action"], feeds)[0]

    def predict(self, state, image, noise):
        state, noise = np.asarray(state), np.asarray(noise)
        out = [self._run(state[b : b + 1], None if image is None else image[b : b + 1], noise[b : b + 1])
               for b in range(len(state))]
        return np.concatenate(out).astype(np.float32)
