// Named parameter values → NodeConfigInput, for every way a user names a field: ROS parameters (`control_rate_hz`),
// `oneflow replay --param` (the same snake_case names, or the NodeConfig path `controlRateHz`). Unknown names are
// refused with a "did you mean" instead of being ignored (issue 18 item 11: `controlRateHZ=20` ran at 10 Hz). [pure]
import { ConfigError, type ConfigProblem } from '../errors.js';
import { CONFIG_FIELDS, fieldByName, type ConfigField } from './configFields.js';
import { suggestionSuffix } from './didYouMean.js';
import type { NodeConfigInput } from './nodeConfig.js';

/** The names a user may write: every ROS parameter name and every NodeConfig path. */
export const PARAMETER_NAMES: readonly string[] = Object.freeze(CONFIG_FIELDS.flatMap((f) => [f.param, f.key]));

/** The problem for a name that is no field: the closest real name, and where the full list is. */
export function unknownParameter(name: string, value: unknown, candidates: readonly string[] = PARAMETER_NAMES): ConfigProblem {
  return { field: name, value, unknown: true, allowed: `${suggestionSuffix(name, candidates)}; \`oneflow run --print-params\` lists the parameters` };
}

/** A ROS parameter cannot be null: the value that means "unset" (default, derived, or the model's) per kind. */
export function rosUnsetValue(f: ConfigField): number | string | readonly never[] {
  switch (f.kind) {
    case 'string':
      return '';
    case 'string_array':
    case 'double_array':
      return [];
    default:
      return 0;
  }
}

const isUnset = (f: ConfigField, v: unknown): boolean => f.default === null && (v === null || (Array.isArray(v) ? v.length === 0 : v === rosUnsetValue(f)));

/**
 * Values keyed by ROS name or NodeConfig path → the NodeConfig input. The ROS "unset" encodings of a field whose
 * default is null (`[]`, `deadline_sec: 0`, `model: ''`) and null mean the default. Throws ConfigError listing every
 * unknown name with its suggestion; the values themselves are judged by validateConfig().
 */
export function configInputFromValues(values: Readonly<Record<string, unknown>>): NodeConfigInput {
  const input: Record<string, unknown> = {};
  const topics: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [name, value] of Object.entries(values)) {
    const f = fieldByName(name);
    if (f === undefined) {
      problems.push(unknownParameter(name, value));
      continue;
    }
    const v = isUnset(f, value) ? null : value;
    if (f.key.startsWith('topics.')) topics[f.key.slice('topics.'.length)] = v ?? undefined;
    else input[f.key] = v;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...input, topics } as NodeConfigInput;
}

/** A `--param` value typed by its field's kind: numbers for numeric fields, JSON or `[a, b]` lists for arrays. */
function typedValue(f: ConfigField | undefined, raw: string): unknown {
  if (raw === 'null') return null;
  if (f === undefined || f.kind === 'string') return raw;
  if (f.kind === 'double' || f.kind === 'integer') {
    const x = raw.trim() === '' ? Number.NaN : Number(raw);
    return Number.isNaN(x) ? raw : x; // a non-number stays a string: validation names it
  }
  try {
    return JSON.parse(raw);
  } catch {
    // `[shoulder, elbow]` as ROS writes it: unquoted items
    const m = /^\[(.*)\]$/.exec(raw.trim());
    if (m === null) return raw;
    const items = m[1]!
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return f.kind === 'double_array' ? items.map((s) => (Number.isNaN(Number(s)) ? s : Number(s))) : items;
  }
}

/** `name=value` items (`oneflow replay --param`) → values keyed by NodeConfig path; throws ConfigError naming each
 * malformed item and each unknown name. */
export function parseParamAssignments(items: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      problems.push({ field: '--param', value: item, allowed: 'name=value with a parameter name from `oneflow run --print-params`' });
      continue;
    }
    const name = item.slice(0, eq);
    const f = fieldByName(name);
    if (f === undefined) problems.push(unknownParameter(name, item.slice(eq + 1)));
    else values[f.key] = typedValue(f, item.slice(eq + 1));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}
