import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BagReader } from '../../src/bag/bagReader.js';
import { BagWriter } from '../../src/bag/bagWriter.js';
import { BagError } from '../../src/bag/errors.js';
import { MessageCodec, SchemaError } from '../../src/msgs/index.js';
import { FIXTURE_BAG, FIXTURE_MCAP, HAVE_PYTHON, VENV_PYTHON, python, tempDir } from './helpers.js';

function fixtureBytes(): Buffer {
  return readFileSync(FIXTURE_MCAP);
}

test('a truncated bag is recovered up to its last complete chunk, and the loss is reported with topic and time', async () => {
  const bytes = fixtureBytes();
  const path = join(tempDir(), 'cut.mcap');
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
  const bag = await BagReader.open(path);
  assert.equal(bag.problems.length, 1);
  const p = bag.problems[0]!;
  assert.equal(p.kind, 'truncated');
  assert.match(
    p.message,
    /cut\.mcap is truncated or its index is damaged .*recovered \d+ messages in complete chunks, the last on \/\S+ at 17000000\d\d\.\d{9} s/,
  );
  let n = 0;
  for await (const _ of bag.messages()) n++;
  assert.ok(n > 0 && n < 196, `recovered ${n} of 196`);
  assert.equal(n, bag.messageCount);
});

test('a file that is not MCAP, a sqlite3 bag, an empty file and a missing path give one clear BagError each', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'junk.mcap'), Buffer.from('hello, this is not a bag at all'));
  await assert.rejects(BagReader.open(join(dir, 'junk.mcap')), (e: unknown) => {
    assert.ok(e instanceof BagError);
    assert.match(e.message, /junk\.mcap is not an MCAP file: it starts with bytes \[104, 101, 108/);
    return true;
  });
  writeFileSync(join(dir, 'old.db3'), Buffer.from('SQLite format 3\0........'));
  await assert.rejects(BagReader.open(join(dir, 'old.db3')), /sqlite3 rosbag2 file; only MCAP is supported/);
  writeFileSync(join(dir, 'empty.mcap'), Buffer.alloc(0));
  await assert.rejects(BagReader.open(join(dir, 'empty.mcap')), /not an MCAP file.*\(0 bytes in all\)/);
  await assert.rejects(BagReader.open(join(dir, 'nope')), /bag .*nope does not exist/);
  await assert.rejects(BagReader.open(tempDir()), /holds no \.mcap file/);
});

async function drain(bag: BagReader): Promise<void> {
  for await (const _ of bag.messages()) {
    // read everything
  }
}

test('a corrupt chunk stops the read with a BagError naming the file and the last good time', async () => {
  // (a) rosbags writes no chunk CRCs: overwrite record framing in the middle of the first chunk.
  const bytes = Buffer.from(fixtureBytes());
  bytes.fill(0xff, 40_000, 100_000);
  const path = join(tempDir(), 'smashed.mcap');
  writeFileSync(path, bytes);
  const bag = await BagReader.open(path);
  await assert.rejects(drain(bag), (e: unknown) => {
    assert.ok(e instanceof BagError, String(e));
    assert.match(e.message, /smashed\.mcap is corrupt (before the first message|after 17000000\d\d\.\d{9} s): /);
    return true;
  });
  // (b) our writer stores chunk CRCs: a few flipped pixel bytes are caught, not replayed as a wrong image.
  const dir = join(tempDir(), 'crc');
  const src = await BagReader.open(FIXTURE_MCAP);
  const w = await BagWriter.create(dir);
  for (const t of src.topics) await w.addTopic(t.topic, t.type);
  for await (const m of src.messages()) await w.writeRaw(m.topic, m.logTimeNs, m.data);
  await w.close();
  const ours = Buffer.from(readFileSync(join(dir, 'crc_0.mcap')));
  for (let i = 40_000; i < 40_010; i++) ours[i] = ours[i]! ^ 0x5a;
  writeFileSync(join(dir, 'crc_0.mcap'), ours);
  await assert.rejects(drain(await BagReader.open(dir)), /crc_0\.mcap is corrupt .*crc/i);
});

test('an unknown type is decoded from its ros2msg text; an undecodable schema gives a SchemaError naming the topic', async () => {
  const dir = join(tempDir(), 'custom');
  const w = await BagWriter.create(dir);
  await w.addTopic('/gripper', 'acme_msgs/msg/Grip', { definition: 'float64 width\nstring mode\n' });
  await w.addTopic('/weird', 'acme_msgs/msg/Weird', { definition: 'this is ~~ not a msg' });
  await w.writeRaw('/gripper', 1n, new MessageCodec('acme_msgs/msg/Grip', 'float64 width\nstring mode\n').encode({ width: 1.5, mode: 'a' }));
  await w.close();
  const bag = await BagReader.open(dir);
  for await (const m of bag.messages(['/gripper'])) {
    assert.deepEqual(bag.codecFor(m.topic).decode(m.data), { width: 1.5, mode: 'a' });
  }
  assert.throws(
    () => bag.codecFor('/weird'),
    (e: unknown) => {
      assert.ok(e instanceof SchemaError);
      assert.match(e.message, /acme_msgs\/msg\/Weird/);
      return true;
    },
  );
  assert.throws(() => bag.codecFor('/absent'), /has no topic \/absent/);
});

/** Every message of a bag as [topic, log time, payload bytes]. */
async function allMessages(bag: BagReader): Promise<[string, bigint, string][]> {
  const out: [string, bigint, string][] = [];
  for await (const m of bag.messages()) out.push([m.topic, m.logTimeNs, Buffer.from(m.data).toString('base64')]);
  return out;
}

/** The fixture rewritten by @mcap/core's writer with chunks compressed by `compress` (256 KiB chunks: several per file). */
async function compressedCopy(
  path: string,
  compression: string,
  compress: (data: Uint8Array) => Uint8Array,
  opts: Record<string, unknown> = {},
): Promise<void> {
  const { McapWriter } = await import('@mcap/core');
  const { open } = await import('node:fs/promises');
  const src = await BagReader.open(FIXTURE_MCAP);
  const fh = await open(path, 'w');
  let pos = 0n;
  const w = new McapWriter({
    writable: {
      write: async (b: Uint8Array) => {
        await fh.write(b);
        pos += BigInt(b.byteLength);
      },
      position: () => pos,
    },
    chunkSize: 256 * 1024,
    compressChunk: (data: Uint8Array) => ({ compression, compressedData: compress(data) }),
    ...opts,
  });
  await w.start({ profile: 'ros2', library: 'test' });
  const channels = new Map<string, number>();
  for (const t of src.topics) {
    const schemaId = await w.registerSchema({ name: t.type, encoding: t.schemaEncoding, data: new TextEncoder().encode(t.definition) });
    channels.set(t.topic, await w.registerChannel({ topic: t.topic, messageEncoding: 'cdr', schemaId, metadata: new Map() }));
  }
  for await (const m of src.messages()) {
    await w.addMessage({ channelId: channels.get(m.topic)!, sequence: m.sequence, logTime: m.logTimeNs, publishTime: m.publishTimeNs, data: m.data });
  }
  await w.end();
  await fh.close();
  await src.close();
}

/** LZ4 frame compression by the PyPI lz4 package (what rosbag2's and mcap's lz4 chunks hold). */
function lz4Frame(data: Uint8Array): Uint8Array {
  const r = spawnSync(VENV_PYTHON, ['-c', 'import sys, lz4.frame; sys.stdout.buffer.write(lz4.frame.compress(sys.stdin.buffer.read()))'], {
    input: data,
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`lz4 failed: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout);
}

test(
  'zstd- and lz4-compressed chunks are decompressed: the same messages, byte for byte, as the uncompressed fixture',
  { skip: !HAVE_PYTHON && 'no .venv' },
  async () => {
    const zstd = await import('@foxglove/wasm-zstd');
    await zstd.isLoaded;
    const fixture = await BagReader.open(FIXTURE_MCAP);
    const want = await allMessages(fixture);
    await fixture.close();
    assert.equal(want.length, 196);
    const dir = tempDir();
    for (const [name, compress] of [
      ['zstd', (d: Uint8Array) => zstd.compress(d, 3)],
      ['lz4', lz4Frame],
    ] as const) {
      const path = join(dir, `${name}.mcap`);
      await compressedCopy(path, name, compress);
      assert.ok(readFileSync(path).length < readFileSync(FIXTURE_MCAP).length * 0.9, `${name} copy is compressed`);
      const bag = await BagReader.open(path);
      assert.deepEqual(bag.problems, []);
      assert.deepEqual(await allMessages(bag), want, name);
      await bag.close();
    }
    // cut short: recovery streams the compressed chunks too, and keeps the complete ones
    const cut = join(dir, 'zstd_cut.mcap');
    const bytes = readFileSync(join(dir, 'zstd.mcap'));
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const bag = await BagReader.open(cut);
    assert.equal(bag.problems[0]?.kind, 'truncated');
    const got = await allMessages(bag);
    assert.ok(got.length > 0 && got.length < 196, `recovered ${got.length} of 196`);
    assert.deepEqual(got, want.filter(([, t]) => t <= got.at(-1)![1]).slice(0, got.length));
    await bag.close();
  },
);

test('a chunk whose compressed bytes are damaged stops the read with a BagError naming the file', async () => {
  const path = join(tempDir(), 'fakez.mcap');
  await compressedCopy(path, 'zstd', (d) => d); // labelled zstd, stored plain
  const bag = await BagReader.open(path);
  await assert.rejects(drain(bag), /fakez\.mcap is corrupt before the first message: /);
  await bag.close();
});

test('a file without Statistics is still counted', async () => {
  const path = join(tempDir(), 'nostats.mcap');
  await compressedCopy(path, '', (d) => d, { useStatistics: false, compressChunk: undefined });
  const bag = await BagReader.open(path);
  assert.equal(bag.topic('/joint_states')?.messageCount, 49);
  assert.equal(bag.messageCount, 196);
  await bag.close();
});

/** The fixture rewritten by the PyPI `rosbags` writer with rosbag2 per-message zstd compression. */
function perMessageZstdBag(): string {
  const dir = join(tempDir(), 'zmsg');
  python(
    `import sys
from pathlib import Path
from rosbags.rosbag2 import Reader, Writer
from rosbags.rosbag2.enums import CompressionFormat, CompressionMode, StoragePlugin
w = Writer(Path(sys.argv[2]), version=9, storage_plugin=StoragePlugin.MCAP)
w.set_compression(CompressionMode.MESSAGE, CompressionFormat.ZSTD)
with Reader(Path(sys.argv[1])) as r, w:
    out = {c.id: w.add_connection(c.topic, c.msgtype, msgdef=c.msgdef.data, rihs01=c.digest) for c in r.connections}
    for c, t, raw in r.messages():
        w.write(out[c.id], t, raw)
`,
    [FIXTURE_BAG, dir],
  );
  return dir;
}

test(
  'a per-message zstd-compressed bag (rosbag2 compression_mode message) is refused, never read as plain CDR',
  { skip: !HAVE_PYTHON && 'no .venv' },
  async () => {
    const dir = perMessageZstdBag();
    await assert.rejects(BagReader.open(dir), (e: unknown) => {
      assert.ok(e instanceof BagError, String(e));
      assert.match(
        e.message,
        /zmsg: metadata\.yaml says compression_mode message, compression_format zstd: every message payload is zstd-compressed; OneFlow reads uncompressed bags\. Decompress it first/,
      );
      return true;
    });
    // the .mcap alone (no metadata.yaml beside it): its payloads start with the zstd frame magic
    const mcap = readdirSync(dir).find((f) => f.endsWith('.mcap'))!;
    const alone = join(tempDir(), 'alone.mcap');
    writeFileSync(alone, readFileSync(join(dir, mcap)));
    await assert.rejects(BagReader.open(alone), /alone\.mcap: its rosbag2 metadata record says compression_mode message, compression_format zstd/);
  },
);

test('a payload that starts with the zstd frame magic is refused as compressed even without any metadata saying so', async () => {
  const dir = join(tempDir(), 'sniff');
  const w = await BagWriter.create(dir);
  await w.addTopic('/g', 'acme_msgs/msg/Grip', { definition: 'float64 width\n' });
  await w.writeRaw('/g', 5_000_000_000n, Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0));
  await w.close();
  const bag = await BagReader.open(dir);
  await assert.rejects(drain(bag), /sniff_0\.mcap: the message on \/g at 5\.000000000 s is zstd-compressed \(rosbag2 per-message compression\), not CDR/);
});

test('a truncated file whose chunks are out of log-time order is recovered in log-time order', async () => {
  const { McapWriter } = await import('@mcap/core');
  const { open } = await import('node:fs/promises');
  const path = join(tempDir(), 'unordered.mcap');
  const fh = await open(path, 'w');
  let pos = 0n;
  const w = new McapWriter({
    writable: {
      write: async (b: Uint8Array) => {
        await fh.write(b);
        pos += BigInt(b.byteLength);
      },
      position: () => pos,
    },
    chunkSize: 64, // a chunk per message or two
  });
  await w.start({ profile: 'ros2', library: 'test' });
  const schemaId = await w.registerSchema({ name: 'acme_msgs/msg/Grip', encoding: 'ros2msg', data: new TextEncoder().encode('float64 width\n') });
  const channelId = await w.registerChannel({ topic: '/g', messageEncoding: 'cdr', schemaId, metadata: new Map() });
  const times = [5n, 3n, 9n, 1n, 7n, 2n, 8n, 4n, 6n, 10n, 11n, 12n];
  for (const [i, t] of times.entries())
    await w.addMessage({ channelId, sequence: i, logTime: t * 1_000_000_000n, publishTime: 0n, data: Uint8Array.of(0, 1, 0, 0, i) });
  await w.end();
  await fh.close();
  const whole = readFileSync(path);
  writeFileSync(path, whole.subarray(0, whole.length - 300)); // footer and summary gone: recovery
  const bag = await BagReader.open(path);
  assert.equal(bag.problems[0]?.kind, 'truncated');
  const got: bigint[] = [];
  for await (const m of bag.messages()) got.push(m.logTimeNs / 1_000_000_000n);
  assert.ok(got.length >= 8, `recovered ${got.length}`);
  assert.deepEqual(
    got,
    [...got].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    'log-time order',
  );
  assert.equal(bag.messageCount, got.length);
  await bag.close();
});
