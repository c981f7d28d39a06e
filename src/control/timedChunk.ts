// A time-indexed block of actions (docs/node.md; after Diffusion Policy's eval_real_robot.py):
//
//   row r is meant for  stampNs + (firstStepOffset + r)·dt          stampNs = t_obs, the newest observation used
//
//   t_obs−dt   t_obs    t_obs+dt   …                                   (Push-T contract: first_step_offset = −1)
//   action[0]  action[1] action[2] …  action[Ha−1]        ← model output, Ha rows
//      due ✗     due ✗    kept  …                        ← rows with time ≤ now + actionExecLatency are dropped
//
// Published as ActionChunk {header.stamp = t_obs, first_step_offset, data} and JointTrajectory {header.stamp = t_obs,
// points[r].time_from_start = (firstStepOffset + r)·dt}.

export type TimedChunk = {
  readonly stampNs: bigint;
  readonly dtNs: bigint;
  readonly firstStepOffset: number;
  readonly rows: number;
  readonly dims: number;
  /** rows × dims, row-major, robot units. */
  readonly data: Float64Array;
};

export function rowTimeNs(c: TimedChunk, r: number): bigint {
  return c.stampNs + BigInt(c.firstStepOffset + r) * c.dtNs;
}

/** Rows k0 … k1−1 of a model output `action` ([Ha·Da]) as a chunk stamped at the observation time. */
export function chunkFromAction(action: Float32Array, dims: number, k0: number, k1: number, stampNs: bigint, dtNs: bigint, modelOffset: number): TimedChunk {
  const rows = Math.max(0, k1 - k0);
  const data = new Float64Array(rows * dims);
  for (let i = 0; i < rows * dims; i++) data[i] = action[k0 * dims + i]!;
  return { stampNs, dtNs, firstStepOffset: modelOffset + k0, rows, dims, data };
}

/** The chunk without its rows due at or before cutoffNs (the stamp stays; firstStepOffset counts the dropped rows). */
export function dropDue(c: TimedChunk, cutoffNs: bigint): TimedChunk {
  let d = 0;
  while (d < c.rows && rowTimeNs(c, d) <= cutoffNs) d++;
  if (d === 0) return c;
  return { ...c, firstStepOffset: c.firstStepOffset + d, rows: c.rows - d, data: c.data.slice(d * c.dims) };
}

/** Writes the chunk's value at tNs (linear between rows) into out; false when tNs lies outside its rows. */
export function valueAt(c: TimedChunk, tNs: bigint, out: Float64Array): boolean {
  if (c.rows === 0) return false;
  const first = rowTimeNs(c, 0);
  const last = rowTimeNs(c, c.rows - 1);
  if (tNs < first || tNs > last) return false;
  const pos = Number(tNs - first) / Number(c.dtNs);
  const r0 = Math.min(Math.floor(pos), c.rows - 1);
  const r1 = Math.min(r0 + 1, c.rows - 1);
  const w = pos - r0;
  for (let d = 0; d < c.dims; d++) out[d] = c.data[r0 * c.dims + d]! * (1 - w) + c.data[r1 * c.dims + d]! * w;
  return true;
}

/** The most recent commanded value at tNs: the row due last at or before tNs (else the first row). */
export function commandedAt(c: TimedChunk, tNs: bigint, out: Float64Array): boolean {
  if (c.rows === 0) return false;
  let r = 0;
  while (r + 1 < c.rows && rowTimeNs(c, r + 1) <= tNs) r++;
  for (let d = 0; d < c.dims; d++) out[d] = c.data[r * c.dims + d]!;
  return true;
}
