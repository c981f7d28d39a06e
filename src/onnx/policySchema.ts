// The one JSON Schema of the `oneflow.policy` metadata, checked with ajv. The file lives in the Python package
// (training/oneflow_train/policy_metadata.schema.json) so that pip installs carry it; the npm package lists it in
// `files`. Python checks the same file with jsonschema (oneflow_train/policy_contract.py). This is the one place in
// src/onnx that touches the file system: the schema is read and compiled once, when the module is first imported.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import type { ContractMismatch } from './errors.js';

/** Path of the schema relative to this module, both as `src/onnx/*.ts` and compiled as `<outDir>/src/onnx/*.js`. */
export const POLICY_SCHEMA_URL = new URL('../../../training/oneflow_train/policy_metadata.schema.json', import.meta.url);

type Schema = { readonly properties: { readonly method: { readonly enum: readonly string[] } } };

export const POLICY_SCHEMA: Schema = JSON.parse(readFileSync(POLICY_SCHEMA_URL, 'utf8')) as Schema;

// allErrors: report every problem at once; allowUnionTypes: `"type": ["object", "null"]`. strictNumbers (ajv's
// default) refuses NaN and Infinity as numbers: `1e309` in the JSON text parses to Infinity.
const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(POLICY_SCHEMA);

/** `/action/high/0` → `metadata.action.high[0]`. */
function fieldOf(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : `${out}.${p}`), 'metadata');
}

function valueAt(root: unknown, instancePath: string): unknown {
  return instancePath
    .split('/')
    .slice(1)
    .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], root);
}

function duplicates(items: readonly unknown[]): unknown[] {
  return items.filter((x, i) => items.indexOf(x) < i).filter((x, i, a) => a.indexOf(x) === i);
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : String(v));

/** One ajv error in the node's words (the same texts as `_schema_mismatch` in oneflow_train/policy_contract.py). */
function schemaMismatch(e: ErrorObject, root: unknown): ContractMismatch {
  const found = valueAt(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const field = fieldOf(e.instancePath);
  switch (e.keyword) {
    case 'required':
      return { field: fieldOf(e.instancePath, String(p['missingProperty'])), expected: 'a value', found: 'missing' };
    case 'type':
      if (typeof found === 'number' && !Number.isFinite(found)) {
        return { field, expected: 'a finite number (a JSON number beyond ±1.8e308, e.g. 1e309, reads as infinity)', found };
      }
      return { field, expected: Array.isArray(p['type']) ? p['type'].join(' or ') : p['type'], found };
    case 'const':
      return { field, expected: p['allowedValue'], found };
    case 'enum':
      return { field, expected: `one of ${(p['allowedValues'] as unknown[]).join('|')}`, found };
    case 'minimum':
    case 'maximum':
      return { field, expected: `${String(p['comparison'])} ${String(p['limit'])}`, found };
    case 'minItems':
      return { field, expected: `at least ${String(p['limit'])} entries`, found };
    case 'maxItems':
      return { field, expected: `at most ${String(p['limit'])} entries`, found };
    case 'minLength':
      return { field, expected: 'a non-empty string', found };
    case 'uniqueItems':
      return {
        field,
        expected: `unique entries (${duplicates(found as unknown[])
          .map(show)
          .join(', ')} repeated)`,
        found,
      };
    default:
      return { field, expected: e.message ?? e.keyword, found };
  }
}

/** Every way in which `value` (the parsed JSON) breaks the schema; empty when it fits. */
export function schemaMismatches(value: unknown): ContractMismatch[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => schemaMismatch(e, value));
}
