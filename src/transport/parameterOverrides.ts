// Which of rcl's parsed parameter overrides apply to a node — the rule rclcpp uses (rclcpp parameter_map.cpp,
// `parameter_map_from(params, node_fqn)`), because rclnodejs 2.2.0 applies only the `/**` key and the bare node
// name. launch_ros writes its parameters under the fully qualified name (`/oneflow_policy:`), and `ros2 param dump`
// does too, so with rclnodejs alone every launch argument was silently lost (issue 17).
//
// The rule: each node key is made absolute (`oneflow_policy` → `/oneflow_policy`); `/**` matches any number of
// namespace/name tokens, `/*` exactly one; a key applies when it matches the node's fully qualified name as a whole.
// Keys are applied in the order rcl first met them (file order, then `-p` rules join the key they name, `/**` when
// none), later keys overriding earlier ones — so a launch file's `/oneflow_policy:` dict beats the `/**` params file
// given before it, as on a C++ node. [pure]
import type { RclNodeParameterOverrides, RclParameter } from './rclnodejsApi.js';

/** `/ns/name` from rclnodejs' `namespace()` ('/' or '' at the root) and `name()`. */
export function nodeFqn(namespace: string, name: string): string {
  const ns = namespace === '' || namespace === '/' ? '' : namespace.startsWith('/') ? namespace : `/${namespace}`;
  return `${ns.replace(/\/+$/, '')}/${name}`;
}

const TOKEN = '(/[A-Za-z0-9_~{}]+)';

/** Whether a params-file node key (as written) applies to the node `fqn`. */
export function nodeKeyMatches(key: string, fqn: string): boolean {
  const absolute = key.startsWith('/') ? key : `/${key}`;
  // Escape everything except the wildcards, then `/**` → any number of tokens and `/*` → exactly one.
  const pattern = absolute
    .split(/(\/\*\*|\/\*)/)
    .map((part) => (part === '/**' ? `${TOKEN}*` : part === '/*' ? TOKEN : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`).test(fqn);
}

/** The overrides that apply to `fqn`, one per parameter name, later matching keys winning. */
export function resolveParameterOverrides(entries: readonly RclNodeParameterOverrides[], fqn: string): RclParameter[] {
  const resolved = new Map<string, RclParameter>();
  for (const entry of entries) {
    if (!nodeKeyMatches(entry.name, fqn)) continue;
    for (const p of entry.parameters) resolved.set(p.name, p);
  }
  return [...resolved.values()];
}
