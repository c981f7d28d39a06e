// TimedChunk → the two published messages: oneflow_msgs/ActionChunk and trajectory_msgs/JointTrajectory. Both are
// stamped with the chunk's stamp (t_obs for policy chunks, the tick time for a hold); row r is due at
// stamp + (first_step_offset + r)·dt, which JointTrajectory expresses as points[r].time_from_start.
import type { ActionChunk, Duration, JointTrajectory } from '../msgs/types.js';
import { WATCHDOG_STATE_CODE, type WatchdogState } from '../watchdog/watchdogState.js';
import type { TimedChunk } from './timedChunk.js';

function timeOfNs(ns: bigint): Duration {
  const sec = ns / 1_000_000_000n;
  return { sec: Number(sec), nanosec: Number(ns - sec * 1_000_000_000n) };
}

export type ChunkMeta = {
  readonly modelId: string;
  readonly seq: number;
  readonly names: readonly string[];
  readonly inferenceSec: number;
  readonly fallback: boolean;
  readonly state: WatchdogState;
};

export function toActionChunk(c: TimedChunk, meta: ChunkMeta): ActionChunk {
  return {
    header: { stamp: timeOfNs(c.stampNs), frame_id: '' },
    model_id: meta.modelId,
    seq: BigInt(meta.seq),
    dt_sec: Number(c.dtNs) / 1e9,
    first_step_offset: c.firstStepOffset,
    names: [...meta.names],
    horizon: c.rows,
    data: c.data,
    inference_time_sec: meta.fallback ? 0 : meta.inferenceSec,
    fallback: meta.fallback,
    watchdog_state: WATCHDOG_STATE_CODE[meta.state],
  };
}

export function toJointTrajectory(c: TimedChunk, names: readonly string[]): JointTrajectory {
  const points = [];
  for (let r = 0; r < c.rows; r++) {
    points.push({
      positions: c.data.slice(r * c.dims, (r + 1) * c.dims),
      velocities: [],
      accelerations: [],
      effort: [],
      time_from_start: timeOfNs(BigInt(c.firstStepOffset + r) * c.dtNs),
    });
  }
  return { header: { stamp: timeOfNs(c.stampNs), frame_id: '' }, joint_names: [...names], points };
}
