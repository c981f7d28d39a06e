// sensor_msgs/JointState → the positions of the named joints, in the order asked for (message order is free).
import type { JointState } from '../msgs/types.js';
import { reject, type Rejection } from './rejection.js';

export function decodeJointState(msg: JointState, names: readonly string[], out: Float64Array): Rejection {
  if (msg === null || typeof msg !== 'object' || !Array.isArray(msg.name) || msg.position === undefined || msg.position === null) {
    return reject('malformed', 'JointState without name[] and position[]');
  }
  const position = msg.position;
  for (let i = 0; i < names.length; i++) {
    const j = msg.name.indexOf(names[i]!);
    if (j < 0) return reject('missing_joint', `joint '${names[i]}' not in [${msg.name.join(', ')}]`);
    if (j >= position.length) return reject('missing_joint', `joint '${names[i]}' is name[${j}] but position[] has ${position.length} entries`);
    const v = position[j]!;
    if (typeof v !== 'number' || !Number.isFinite(v)) return reject('non_finite', `joint '${names[i]}' position is ${v}`);
    out[i] = v;
  }
  return null;
}
