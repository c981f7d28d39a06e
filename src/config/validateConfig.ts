// Validate once at start-up, freeze, pass down (style.md §5). Every field is checked against its row of the one
// field table (configFields.ts): kind, range, allowed values, format. Every invalid field is reported with its value
// and the allowed range; `checkConfigAgainstPolicy` adds the cross-checks that need the model's contract. [pure]
import { ConfigError, type ConfigProblem } from '../errors.js';
import type { PolicySpec } from '../policy/policySpec.js';
import { CONFIG_FIELDS, DEADLINE_FRACTION_OF_PERIOD, formatRange, type ConfigField } from './configFields.js';
import type { NodeConfig, NodeConfigInput } from './nodeConfig.js';
import { unknownParameter } from './paramValues.js';

const TOPIC_RE = /^[~/]?[A-Za-z_][A-Za-z0-9_/~{}]*$/;

class Checker {
  readonly problems: ConfigProblem[] = [];
  fail(field: string, value: unknown, allowed: string): void {
    this.problems.push({ field, value, allowed });
  }
}

const TOP_LEVEL_KEYS = new Set(CONFIG_FIELDS.map((f) => f.key.split('.')[0]!));
const TOPIC_KEYS = CONFIG_FIELDS.filter((f) => f.key.startsWith('topics.')).map((f) => f.key.slice('topics.'.length));

/** The value of `f` in `input` (undefined = not given). */
function given(input: NodeConfigInput, f: ConfigField): unknown {
  if (!f.key.startsWith('topics.')) return (input as Record<string, unknown>)[f.key];
  return (input.topics as Record<string, unknown> | undefined)?.[f.key.slice('topics.'.length)];
}

/** `value` checked against its field; returns the frozen value to store, or undefined after recording a problem. */
function checkField(c: Checker, f: ConfigField, value: unknown, periodSec: number | undefined): unknown {
  const fail = (allowed: string): undefined => void c.fail(f.key, value, allowed);
  if (value === null && f.default === null && f.whenUnset !== 'required') return null;
  switch (f.kind) {
    case 'double':
    case 'integer': {
      const r = f.range!;
      const hi = r.hi === 'period' ? (periodSec ?? Infinity) : r.hi; // rate invalid: reported once, on the rate
      const what = f.kind === 'integer' ? 'an integer' : 'a number';
      const ok =
        typeof value === 'number' &&
        (f.kind === 'integer' ? Number.isInteger(value) : Number.isFinite(value)) &&
        (r.loOpen === true ? value > r.lo : value >= r.lo) &&
        (r.hiOpen === true ? value < hi : value <= hi);
      return ok ? value : fail(`${what} in ${formatRange(r, periodSec)}`);
    }
    case 'string':
      if (f.oneOf !== undefined) return typeof value === 'string' && f.oneOf.includes(value) ? value : fail(`one of ${f.oneOf.join(' | ')}`);
      if (f.format === 'topic') return typeof value === 'string' && TOPIC_RE.test(value) ? value : fail('a ROS topic name such as /joint_states');
      return typeof value === 'string' && value.length > 0 ? value : fail('a non-empty path to an .onnx file');
    case 'string_array': {
      const ok = Array.isArray(value) && value.length > 0 && value.every((s) => typeof s === 'string' && s.length > 0) && new Set(value).size === value.length;
      return ok ? Object.freeze([...(value as string[])]) : fail('null or a non-empty list of distinct non-empty names');
    }
    case 'double_array': {
      const ok = Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'number' && Number.isFinite(x));
      return ok ? Object.freeze([...(value as number[])]) : fail(`null (${f.whenUnset}) or a non-empty list of finite numbers`);
    }
  }
}

/** Builds the frozen NodeConfig from user input (CLI flags, ROS parameters, a test), or throws ConfigError naming
 * every invalid field and every unknown one. */
export function validateConfig(input: NodeConfigInput): NodeConfig {
  const c = new Checker();
  for (const [key, value] of Object.entries(input)) if (!TOP_LEVEL_KEYS.has(key)) c.problems.push(unknownParameter(key, value));
  for (const [key, value] of Object.entries(input.topics ?? {})) {
    if (!TOPIC_KEYS.includes(key))
      c.problems.push(
        unknownParameter(
          `topics.${key}`,
          value,
          TOPIC_KEYS.map((k) => `topics.${k}`),
        ),
      );
  }
  const config: Record<string, unknown> = {};
  const topics: Record<string, unknown> = {};
  let periodSec: number | undefined;
  for (const f of CONFIG_FIELDS) {
    let value = given(input, f) ?? f.default;
    if (f.key === 'deadlineSec' && value === null) value = DEADLINE_FRACTION_OF_PERIOD * (periodSec ?? 1);
    const checked = checkField(c, f, value, periodSec);
    if (f.key === 'controlRateHz' && typeof checked === 'number') periodSec = 1 / checked;
    if (f.key.startsWith('topics.')) topics[f.key.slice('topics.'.length)] = checked;
    else config[f.key] = checked;
  }
  if (c.problems.length > 0) throw new ConfigError(c.problems);
  return Object.freeze({ ...config, topics: Object.freeze(topics) }) as NodeConfig;
}

/** Cross-checks between the config and the loaded policy's contract; throws ConfigError naming each mismatch. */
export function checkConfigAgainstPolicy(config: NodeConfig, spec: PolicySpec): void {
  const c = new Checker();
  const Da = spec.actionNames.length;
  const nJoint = spec.stateSources.filter((s) => s === 'joint_states').length;
  if (config.stateJointNames !== null && config.stateJointNames.length !== nJoint) {
    c.fail(
      'stateJointNames',
      config.stateJointNames,
      `${nJoint} names (the model's joint_states entries: ${spec.stateNames.filter((_, i) => spec.stateSources[i] === 'joint_states').join(', ')})`,
    );
  }
  if (config.actionJointNames !== null && config.actionJointNames.length !== Da) {
    c.fail('actionJointNames', config.actionJointNames, `${Da} names (the model's action dimensions: ${spec.actionNames.join(', ')})`);
  }
  if (config.holdPosition !== null) {
    if (config.holdPosition.length !== Da) c.fail('holdPosition', config.holdPosition, `${Da} numbers (one per action dimension)`);
    config.holdPosition.forEach((x, i) => {
      const lo = spec.actionLow[i] ?? -Infinity;
      const hi = spec.actionHigh[i] ?? Infinity;
      if (x < lo || x > hi) c.fail(`holdPosition[${i}]`, x, `within the model's action bounds [${lo}, ${hi}]`);
    });
  }
  if (c.problems.length > 0) throw new ConfigError(c.problems);
}
