// ROS 2 parameters of the policy node → NodeConfig. [adapter: rclnodejs, passed in — never imported here]
//
// The parameters are the rows of the one field table (configFields.ts): name, type, default, range and description
// come from there, so the descriptors, `--print-params`, `replay --param` and validateConfig() cannot disagree. All
// are read-only (the config is validated once and frozen, style.md §2 — change them and restart). A parameter
// left out of the YAML means the NodeConfig default; a parameter the node does not have is refused with a
// "did you mean". validateConfig() stays the one authority on values; its errors are re-labelled with the ROS names.
import { ConfigError, type ConfigProblem } from '../errors.js';
import type { RclModule, RclNode, RclParameter, RclParameterValue, RclRange } from '../transport/rclnodejsApi.js';
import { CONFIG_FIELDS, formatRange, type ConfigField, type FieldKind } from './configFields.js';
import type { NodeConfig, NodeConfigInput } from './nodeConfig.js';
import { configInputFromValues, rosUnsetValue, unknownParameter } from './paramValues.js';
import { validateConfig } from './validateConfig.js';

export type RosParameterKind = FieldKind;
export type RosParameterValue = number | string | readonly string[] | readonly number[];

export type RosParameterSpec = {
  readonly name: string;
  readonly kind: RosParameterKind;
  readonly default: RosParameterValue;
  /** Inclusive [from, to] of the descriptor; validateConfig may be stricter (an open bound such as (0, 1000]). */
  readonly range?: readonly [number, number];
  /** What the range cannot say: allowed values, open bounds, a bound that depends on another parameter. */
  readonly constraints: string;
  readonly description: string;
  /** The NodeConfig field it sets (`topics.camera` for nested ones). */
  readonly field: string;
};

/** The ROS default of a field: its NodeConfig default, or the kind's "unset" value where that is null. */
function rosDefault(f: ConfigField): RosParameterValue {
  return (f.default ?? rosUnsetValue(f)) as RosParameterValue;
}

function constraintsOf(f: ConfigField): string {
  const parts: string[] = [];
  if (f.oneOf !== undefined) parts.push(`one of ${f.oneOf.join(' | ')}`);
  if (f.format === 'topic') parts.push('a ROS topic name');
  if (f.format === 'names') parts.push('distinct names');
  if (f.range !== undefined) parts.push(formatRange(f.range));
  if (f.default === null && f.whenUnset !== undefined) {
    const unset = rosUnsetValue(f);
    parts.push(f.whenUnset === 'required' ? 'required' : `${Array.isArray(unset) ? '[]' : JSON.stringify(unset)} = ${f.whenUnset}`);
  }
  return parts.join('; ');
}

function specOf(f: ConfigField): RosParameterSpec {
  const r = f.range;
  const range = r !== undefined && typeof r.hi === 'number' ? ([r.lo, r.hi] as const) : undefined;
  const unit = f.unit === '' ? '' : `, ${f.unit}`;
  const constraints = constraintsOf(f);
  return {
    name: f.param,
    kind: f.kind,
    default: rosDefault(f),
    ...(range !== undefined ? { range } : {}),
    constraints,
    description: `${f.description.replace(/\.$/, '')}${unit}${constraints === '' ? '' : `; ${constraints}`}.`,
    field: f.key,
  };
}

export const ROS_PARAMETERS: readonly RosParameterSpec[] = Object.freeze(CONFIG_FIELDS.map(specOf));

/** The NodeConfig input for plain parameter values (integers as numbers); parameters not given keep defaults. */
export function nodeConfigInputFromParameters(values: Readonly<Record<string, RosParameterValue>>): NodeConfigInput {
  return configInputFromValues(values);
}

/** validateConfig() with problems renamed to the ROS parameters ("control_rate_hz (controlRateHz)"). */
export function nodeConfigFromParameters(values: Readonly<Record<string, RosParameterValue>>): NodeConfig {
  try {
    return validateConfig(nodeConfigInputFromParameters(values));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.problems.map((p) => ({ ...p, field: rosLabel(p.field) })));
  }
}

function rosLabel(field: string): string {
  const spec = ROS_PARAMETERS.find((s) => s.field === field);
  return spec === undefined ? field : `parameter ${spec.name} (${field})`;
}

const KIND_TYPE: Record<RosParameterKind, keyof RclModule['ParameterType']> = {
  double: 'PARAMETER_DOUBLE',
  integer: 'PARAMETER_INTEGER',
  string: 'PARAMETER_STRING',
  string_array: 'PARAMETER_STRING_ARRAY',
  double_array: 'PARAMETER_DOUBLE_ARRAY',
};

/**
 * Declares every parameter on `node` (read-only, with type, range and description), taking `--params-file` /
 * `-p` overrides into account, and returns their values as plain JS (integers as numbers). A YAML integer given
 * for a double (`control_rate_hz: 10`) is accepted; any other type mismatch is a ConfigError naming the
 * parameter, the value and the expected type.
 */
export function declareRosParameters(
  rcl: RclModule,
  node: RclNode,
  /** The overrides that apply to this node (default: rclnodejs' own view, which misses `/<node>:` keys). */
  nodeOverrides: readonly RclParameter[] = node.getParameterOverrides(),
): Record<string, RosParameterValue> {
  const T = rcl.ParameterType;
  const overrides = new Map<string, RclParameter>(nodeOverrides.map((p) => [p.name, p]));
  const values: Record<string, RosParameterValue> = {};
  const problems: ConfigProblem[] = [];
  for (const spec of ROS_PARAMETERS) {
    const type = T[KIND_TYPE[spec.kind]];
    const override = overrides.get(spec.name);
    let value = spec.default;
    if (override !== undefined) {
      const coerced = coerceOverride(spec, override, T);
      if (coerced === undefined) {
        problems.push({ field: `parameter ${spec.name}`, value: override.value, allowed: `a ${spec.kind.replace('_', ' ')}` });
        continue;
      }
      value = coerced;
    }
    const range = spec.range === undefined ? null : makeRange(rcl, spec);
    const descriptor = new rcl.ParameterDescriptor(spec.name, type, spec.description, true, range);
    descriptor.additionalConstraints = spec.constraints;
    try {
      // ignoreOverride: the (coerced) override is already in `value`.
      node.declareParameter(new rcl.Parameter(spec.name, type, toRclValue(spec, value)), descriptor, true);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      problems.push({
        field: `parameter ${spec.name}`,
        value,
        allowed: `${spec.range ? `within [${spec.range.join(', ')}]` : `a ${spec.kind}`} (rclnodejs: ${why})`,
      });
      continue;
    }
    values[spec.name] = value;
  }
  // An override for a parameter the node does not have would otherwise be ignored silently (rcl keeps it unread):
  // refuse it. Parameters rclnodejs declared itself (use_sim_time) and QoS overrides are the middleware's.
  for (const name of overrides.keys()) {
    if (!ROS_PARAMETERS.some((s) => s.name === name) && !node.hasParameter(name) && !name.startsWith('qos_overrides.')) {
      problems.push(
        unknownParameter(
          name,
          overrides.get(name)!.value,
          ROS_PARAMETERS.map((s) => s.name),
        ),
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

function makeRange(rcl: RclModule, spec: RosParameterSpec): RclRange {
  const [lo, hi] = spec.range!;
  // FloatingPointRange's step defaults to 1 (whole numbers only): 0 makes it continuous.
  return spec.kind === 'integer' ? new rcl.IntegerRange(BigInt(lo), BigInt(hi), 1n) : new rcl.FloatingPointRange(lo, hi, 0);
}

function toRclValue(spec: RosParameterSpec, value: RosParameterValue): RclParameterValue {
  if (spec.kind === 'integer') return BigInt(value as number);
  if (Array.isArray(value)) return [...(value as (string | number)[])] as RclParameterValue;
  return value as RclParameterValue;
}

/** The override's value in our JS shape, or undefined if its type cannot be this parameter's. */
function coerceOverride(spec: RosParameterSpec, p: RclParameter, T: RclModule['ParameterType']): RosParameterValue | undefined {
  const v = p.value;
  switch (spec.kind) {
    case 'double':
      if (p.type === T.PARAMETER_DOUBLE || p.type === T.PARAMETER_INTEGER) return Number(v);
      return undefined;
    case 'integer':
      if (p.type === T.PARAMETER_INTEGER) return Number(v);
      if (p.type === T.PARAMETER_DOUBLE && Number.isInteger(v)) return v as number;
      return undefined;
    case 'string':
      return p.type === T.PARAMETER_STRING ? (v as string) : undefined;
    case 'string_array':
      return p.type === T.PARAMETER_STRING_ARRAY ? [...(v as string[])] : undefined;
    case 'double_array':
      if (p.type === T.PARAMETER_DOUBLE_ARRAY || p.type === T.PARAMETER_INTEGER_ARRAY) return (v as (number | bigint)[]).map(Number);
      return undefined;
  }
}

/** A Markdown table of the parameters (`oneflow run --print-params`; docs/config.md, kept equal by a test). */
export function parameterTable(): string {
  const cell = (x: string) => x.replaceAll('|', '\\|');
  const rows = CONFIG_FIELDS.map((f) => {
    const d = rosDefault(f);
    const def = Array.isArray(d) ? `[${d.join(', ')}]` : d === '' ? "''" : String(d);
    return `| \`${f.param}\` | \`${f.key}\` | ${f.kind} | ${f.unit} | ${cell(def)} | ${cell(constraintsOf(f))} | ${cell(f.description)} |`;
  });
  return ['| parameter | NodeConfig field | type | unit | default | allowed | description |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}
