// geometry_msgs/PoseStamped → [x, y, yaw]. Yaw is the rotation about z of the (not necessarily unit) quaternion:
// atan2(2(wz + xy), w² + x² − y² − z²), which equals the usual formula for unit quaternions.
import type { PoseStamped } from '../msgs/types.js';
import { reject, type Rejection } from './rejection.js';

export function decodePose(msg: PoseStamped, out: Float64Array): Rejection {
  const p = msg?.pose?.position;
  const q = msg?.pose?.orientation;
  if (p === undefined || q === undefined) return reject('malformed', 'PoseStamped without pose.position and pose.orientation');
  const values = [p.x, p.y, q.x, q.y, q.z, q.w];
  if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return reject('non_finite', `pose has a non-finite value: position (${p.x}, ${p.y}), orientation (${q.x}, ${q.y}, ${q.z}, ${q.w})`);
  }
  const n2 = q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w;
  if (n2 < 1e-12) return reject('non_finite', `orientation quaternion has norm² ${n2}`);
  out[0] = p.x;
  out[1] = p.y;
  out[2] = Math.atan2(2 * (q.w * q.z + q.x * q.y), q.w * q.w + q.x * q.x - q.y * q.y - q.z * q.z);
  return null;
}
