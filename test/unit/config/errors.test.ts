// One error tree (issue 19 item 3): every error class in src/ extends OneflowError, every code has an exit status,
// and docs/errors.md lists exactly the codes in the source with the same statuses and classes.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BagError } from '../../../src/bag/errors.js';
import {
  ERROR_CODES,
  EXIT_STATUS,
  EXIT_STATUS_OF_CODE,
  ConfigError,
  InferenceWorkerError,
  OneflowError,
  TransportError,
  UsageError,
  exitStatusOf,
} from '../../../src/errors.js';
import { SchemaError } from '../../../src/msgs/codec.js';
import { ModelContractError, OnnxFormatError } from '../../../src/onnx/errors.js';

const ROOT = new URL('../../../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

// A module-private class caught in the same file (a control-flow signal such as cdrBounds' Refusal) never reaches a
// caller and is not part of the tree; every exported one is.
test('no exported error class in src/ bypasses OneflowError', () => {
  const direct: string[] = [];
  for (const file of sources('src')) {
    for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(/export class (\w+) extends (\w*Error)\b/g)) {
      if (m[2] === 'Error' && m[1] !== 'OneflowError') direct.push(`${file}: ${m[1]}`);
    }
  }
  assert.deepEqual(direct, [], 'these extend Error directly; extend OneflowError (src/oneflowError.ts) with a code');
});

test('each class carries its code and exit status', () => {
  const cases: [OneflowError, string, number][] = [
    [new UsageError('x'), 'USAGE', EXIT_STATUS.USAGE],
    [new ConfigError([{ field: 'f', value: 1, allowed: 'y' }]), 'CONFIG_INVALID', EXIT_STATUS.USAGE],
    [new OnnxFormatError('x', { path: 'm.onnx' }), 'ONNX_FORMAT', EXIT_STATUS.MODEL],
    [new ModelContractError([{ field: 'input.state.shape', expected: [1, 2, 5], found: [1, 2, 4] }]), 'MODEL_CONTRACT', EXIT_STATUS.MODEL],
    [new BagError('x'), 'BAG', EXIT_STATUS.INPUT],
    [new SchemaError('x'), 'MSG_SCHEMA', EXIT_STATUS.INPUT],
    [new TransportError('x'), 'TRANSPORT', EXIT_STATUS.RUNTIME],
    [new InferenceWorkerError('x'), 'INFERENCE_WORKER', EXIT_STATUS.RUNTIME],
  ];
  for (const [err, code, status] of cases) {
    assert.ok(err instanceof OneflowError, err.name);
    assert.equal(err.code, code, err.name);
    assert.equal(exitStatusOf(err), status, err.name);
  }
  assert.equal(exitStatusOf(new TypeError('a bug')), EXIT_STATUS.INTERNAL);
  assert.deepEqual(new Set(cases.map(([, c]) => c)), new Set(Object.values(ERROR_CODES)), 'every code has a class above');
});

test('docs/errors.md lists exactly the codes of ERROR_CODES, with their exit statuses', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const block = /<!-- error-codes:begin -->\n([\s\S]*?)\n<!-- error-codes:end -->/.exec(doc);
  assert.ok(block, 'docs/errors.md has the error-codes markers');
  const rows = [...block[1]!.matchAll(/^\| `(\w+)` \| (\d) \| `(\w+)` \| (.+) \| (.+) \|$/gm)];
  const documented = Object.fromEntries(rows.map((r) => [r[1], Number(r[2])]));
  assert.deepEqual(documented, { ...EXIT_STATUS_OF_CODE }, 'docs/errors.md and EXIT_STATUS_OF_CODE disagree');
  const statuses = new Set([...doc.matchAll(/^\| (\d) \| /gm)].map((m) => Number(m[1])));
  assert.deepEqual(statuses, new Set(Object.values(EXIT_STATUS)), 'the exit-status table lists every EXIT_STATUS');
});
