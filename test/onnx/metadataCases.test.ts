// The shared bad-metadata table (test/fixtures/contract/metadata_cases.json): the node refuses each case with exactly
// the fields listed; training/tests/test_policy_contract.py runs the same table through the Python exporter's check,
// so export refuses what the node refuses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ModelContractError, parsePolicyMetadata, POLICY_METHODS, STATE_SOURCES } from '../../src/onnx/index.js';
import { POLICY_SCHEMA, POLICY_SCHEMA_URL } from '../../src/onnx/policySchema.js';

type Case = { name: string; path: string; value?: string; fields: string[]; expect: string };
const table = JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 'contract', 'metadata_cases.json'), 'utf8')) as {
  valid: Record<string, unknown>;
  cases: Case[];
};

const PLACEHOLDER = '__value__';

/** The valid metadata with `path` set to the raw JSON text `value` (deleted when absent), as JSON text. */
export function caseText(valid: unknown, c: Case): string {
  const root = structuredClone(valid) as Record<string, unknown>;
  const keys = c.path.split('.');
  const last = keys.pop()!;
  const parent = keys.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, root);
  if (c.value === undefined) delete parent[last];
  else parent[last] = PLACEHOLDER;
  return JSON.stringify(root).replace(`"${PLACEHOLDER}"`, c.value ?? '');
}

describe('oneflow.policy metadata: the shared table of bad cases', () => {
  it('accepts the valid example', () => {
    assert.equal(parsePolicyMetadata(JSON.stringify(table.valid)).name, 'p');
  });
  for (const c of table.cases) {
    it(`refuses ${c.name}`, () => {
      assert.throws(
        () => parsePolicyMetadata(caseText(table.valid, c)),
        (e: unknown) => {
          assert.ok(e instanceof ModelContractError, String(e));
          assert.deepEqual(
            e.mismatches.map((m) => m.field),
            c.fields,
            e.message,
          );
          assert.ok(String(e.mismatches[0]?.expected).includes(c.expect), e.message);
          return true;
        },
      );
    });
  }
  it('names 1e309 as Infinity in the message, not null', () => {
    const c = table.cases.find((x) => x.value === '1e309')!;
    assert.throws(() => parsePolicyMetadata(caseText(table.valid, c)), /action\.high\[0\]: expected 'a finite number .*1e309.*', found Infinity/);
  });
  it('the TypeScript method and source lists are the schema enums', () => {
    const props = POLICY_SCHEMA.properties as unknown as Record<string, { enum?: unknown[] }>;
    assert.deepEqual(props['method']?.enum, [...POLICY_METHODS]);
    const sources = (
      POLICY_SCHEMA as unknown as { properties: { observation: { properties: { state: { properties: { sources: { items: { enum: unknown[] } } } } } } } }
    ).properties.observation.properties.state.properties.sources.items.enum;
    assert.deepEqual(sources, [...STATE_SOURCES]);
  });
  it('the schema the node reads is the one every install ships: npm files, the ROS package, the Docker context', () => {
    const rel = relative(process.cwd(), fileURLToPath(POLICY_SCHEMA_URL));
    assert.equal(rel, join('training', 'oneflow_train', 'policy_metadata.schema.json'));
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
    assert.ok(pkg.files.includes(rel), `package.json files lacks ${rel}`);
    assert.match(
      readFileSync('CMakeLists.txt', 'utf8'),
      /install\(FILES training\/oneflow_train\/policy_metadata\.schema\.json DESTINATION share\/\$\{PROJECT_NAME\}\/training\/oneflow_train\)/,
    );
    assert.match(readFileSync('.dockerignore', 'utf8'), /^!training\/oneflow_train\/policy_metadata\.schema\.json$/m);
  });
});
