// rosbag2 MCAP reader. Accepts a bag directory (metadata.yaml + *.mcap, as `ros2 bag record` writes) or a single
// .mcap file. Reads through the summary index, chunk by chunk, when the file is whole; a file without a valid footer (recording
// killed, copy cut short) is read record by record and its complete chunks recovered, with the loss reported as a
// BagProblem rather than thrown away silently. Nothing here decodes messages unless asked (see codecFor()).
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { McapIndexedReader, type McapTypes } from '@mcap/core';
import { MESSAGE_DEFINITIONS, MessageCodec, SchemaError, isKnownType } from '../msgs/index.js';
import { BagError, describe, formatNs } from './errors.js';
import { compressionFields, relativeFilePaths } from './metadata.js';
import { recover } from './recoverMcap.js';

export interface BagTopic {
  topic: string;
  type: string; // schema name, e.g. sensor_msgs/msg/Image
  schemaEncoding: string; // ros2msg | ros2idl | ...
  messageEncoding: string; // cdr
  definition: string; // schema text
  messageCount: number;
}

export interface BagMessage {
  topic: string;
  type: string;
  logTimeNs: bigint;
  publishTimeNs: bigint;
  sequence: number;
  data: Uint8Array;
}

/** A problem found while opening or reading, that did not stop the read. */
export interface BagProblem {
  kind: 'truncated' | 'unknown_schema';
  topic?: string;
  timeNs?: bigint;
  message: string;
}

const MCAP_MAGIC = [0x89, 0x4d, 0x43, 0x41, 0x50]; // "\x89MCAP"
const SQLITE_MAGIC = 'SQLite format 3';
/** Frame magics (RFC 8878 §3.1.1 for zstd; the LZ4 frame format for lz4): a payload or file that starts so is compressed. */
const COMPRESSED_MAGIC: readonly [string, readonly number[]][] = [
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
];

/** 'zstd' / 'lz4' when `bytes` start with that frame magic, else null. */
function compressedKind(bytes: Uint8Array): string | null {
  for (const [name, magic] of COMPRESSED_MAGIC) if (magic.every((b, i) => bytes[i] === b)) return name;
  return null;
}

/** A rosbag2 bag written with `compression_mode` message or file cannot be read as plain CDR: refuse, naming the way out. */
function refuseCompressed(where: string, yaml: string): void {
  const { mode, format } = compressionFields(yaml);
  if (mode === '') return;
  const what =
    mode === 'message'
      ? `every message payload is ${format || 'compression'}-compressed`
      : `its files are ${format || 'compression'}-compressed whole`;
  throw new BagError(
    `${where} says compression_mode ${mode}, compression_format ${format || '?'}: ${what}; OneFlow reads uncompressed bags. ` +
      'Decompress it first, e.g. `ros2 bag convert` with an output without compression, or rosbags-convert',
  );
}

export interface Channel {
  topic: string;
  schemaId: number;
  messageEncoding: string;
}

/** One .mcap file, indexed or recovered. */
export interface FileSource {
  path: string;
  channels: Map<number, Channel>;
  schemas: Map<number, { name: string; encoding: string; data: Uint8Array }>;
  counts: Map<number, number>;
  /** First and last log time of the file's messages (null when it holds none). */
  span: { startNs: bigint; endNs: bigint } | null;
  messages(): AsyncGenerator<McapTypes.TypedMcapRecords['Message']>;
}

/**
 * Reads ranges of a file on demand (the indexed reader fetches the summary, then one chunk at a time), so a
 * multi-GB bag is never held in memory. Each read opens and closes the file: no handle outlives a call.
 */
class FileReadable implements McapTypes.IReadable {
  constructor(
    readonly path: string,
    readonly bytes: bigint,
  ) {}
  async size(): Promise<bigint> {
    return this.bytes;
  }
  async read(offset: bigint, length: bigint): Promise<Uint8Array> {
    if (offset + length > this.bytes) {
      throw new BagError(`read of ${length} bytes at offset ${offset} runs past the end of ${this.path} (${this.bytes} bytes)`);
    }
    const fh = await open(this.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(Number(length));
      const { bytesRead } = await fh.read(buf, 0, Number(length), Number(offset));
      if (bytesRead !== Number(length)) throw new BagError(`read only ${bytesRead} of ${length} bytes at offset ${offset} of ${this.path}`);
      return buf;
    } finally {
      await fh.close();
    }
  }
}

async function openFile(path: string, problems: BagProblem[]): Promise<FileSource> {
  let size: bigint;
  let head: Buffer;
  try {
    size = BigInt((await stat(path)).size);
    head = Buffer.from(await new FileReadable(path, size).read(0n, size < 16n ? size : 16n));
  } catch (err) {
    throw new BagError(`cannot read bag file ${path}: ${describe(err)}`);
  }
  const packed = compressedKind(head);
  if (packed !== null) {
    throw new BagError(`${path} is a ${packed}-compressed file (rosbag2 compression_mode file), not MCAP; decompress it first (e.g. \`${packed} -d\`)`);
  }
  if (head.toString('latin1').startsWith(SQLITE_MAGIC)) {
    throw new BagError(`${path} is a sqlite3 rosbag2 file; only MCAP is supported (convert it: ros2 bag convert, or rosbags-convert)`);
  }
  if (size < 8n || !MCAP_MAGIC.every((b, i) => head[i] === b)) {
    throw new BagError(`${path} is not an MCAP file: it starts with bytes [${[...head.subarray(0, 8)].join(', ')}], expected the MCAP magic [137, 77, 67, 65, 80, …] (${size} bytes in all)`);
  }
  let reader: McapIndexedReader;
  try {
    reader = await McapIndexedReader.Initialize({ readable: new FileReadable(path, size) });
  } catch (err) {
    return recover(path, await readFile(path), describe(err), problems);
  }
  const compressions = [...new Set(reader.chunkIndexes.map((c) => c.compression).filter((c) => c !== ''))];
  if (compressions.length > 0) {
    throw new BagError(
      `${path} has ${compressions.join(' and ')}-compressed chunks; OneFlow reads uncompressed MCAP (the rosbag2 default). ` +
        `Convert it first, e.g. \`ros2 bag convert\` or \`rosbags-convert\` without compression`,
    );
  }
  try {
    for await (const record of reader.readMetadata({ name: 'rosbag2' })) {
      refuseCompressed(`${path}: its rosbag2 metadata record`, record.metadata.get('serialized_metadata') ?? '');
    }
  } catch (err) {
    throw err instanceof BagError ? err : new BagError(`${path} is corrupt: its metadata records cannot be read: ${describe(err)}`);
  }
  const counts = new Map<number, number>();
  let span: FileSource['span'] = null;
  if (reader.statistics !== undefined) {
    for (const [id, n] of reader.statistics.channelMessageCounts) counts.set(id, Number(n));
    if (reader.statistics.messageCount > 0n) span = { startNs: reader.statistics.messageStartTime, endNs: reader.statistics.messageEndTime };
  } else {
    // No Statistics record (not what rosbag2 writes, but legal MCAP): count the messages once.
    try {
      for await (const m of reader.readMessages()) {
        counts.set(m.channelId, (counts.get(m.channelId) ?? 0) + 1);
        span = span === null ? { startNs: m.logTime, endNs: m.logTime } : { startNs: span.startNs, endNs: m.logTime };
      }
    } catch (err) {
      throw new BagError(`${path} is corrupt: ${describe(err)}`);
    }
  }
  return {
    path,
    channels: new Map([...reader.channelsById].map(([id, c]) => [id, c])),
    schemas: new Map([...reader.schemasById].map(([id, s]) => [id, s])),
    counts,
    span,
    messages: () => reader.readMessages({ validateCrcs: true }),
  };
}

async function readMetadataYaml(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EISDIR') throw new BagError(`${path} is a directory, not rosbag2's metadata file; remove or rename it`);
    throw new BagError(`cannot read ${path}: ${describe(err)}`);
  }
}

async function bagFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new BagError(`bag ${path} does not exist`);
  }
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path);
  let names: string[] = [];
  if (entries.includes('metadata.yaml')) {
    const yaml = await readMetadataYaml(join(path, 'metadata.yaml'));
    refuseCompressed(`${path}: metadata.yaml`, yaml);
    names = relativeFilePaths(yaml);
    const missing = names.filter((n) => !entries.includes(n));
    if (missing.length > 0) throw new BagError(`bag ${path}: metadata.yaml lists ${missing.join(', ')}, which is missing`);
  }
  if (names.length === 0) names = entries.filter((e) => e.endsWith('.mcap')).sort();
  if (names.length === 0) throw new BagError(`bag directory ${path} holds no .mcap file (found: ${entries.join(', ') || 'nothing'})`);
  return names.map((n) => join(path, n));
}

/**
 * The files of a split bag in log-time order. rosbag2 splits one recording into consecutive files; files whose
 * times overlap are not one recording, and reading them one after the other would send time backwards.
 */
function inTimeOrder(path: string, files: FileSource[]): FileSource[] {
  const timed = files.filter((f) => f.span !== null).sort((a, b) => (a.span!.startNs < b.span!.startNs ? -1 : a.span!.startNs > b.span!.startNs ? 1 : 0));
  const range = (f: FileSource) => `${basename(f.path)} (${formatNs(f.span!.startNs)} … ${formatNs(f.span!.endNs)})`;
  for (let i = 1; i < timed.length; i++) {
    const prev = timed[i - 1]!;
    const f = timed[i]!;
    if (f.span!.startNs < prev.span!.endNs) {
      throw new BagError(
        `bag ${path}: file ${range(f)} overlaps ${range(prev)}; the bag's ${files.length} files are not one recording split in time ` +
          `(${timed.map(range).join(', ')}). Replay them one at a time, or merge them first (ros2 bag convert)`,
      );
    }
  }
  return [...timed, ...files.filter((f) => f.span === null)];
}

export class BagReader {
  readonly path: string;
  readonly topics: readonly BagTopic[];
  readonly problems: BagProblem[];
  readonly #files: FileSource[];
  readonly #codecs = new Map<string, MessageCodec>();

  private constructor(path: string, files: FileSource[], problems: BagProblem[]) {
    this.path = path;
    this.#files = files;
    this.problems = problems;
    const byTopic = new Map<string, BagTopic>();
    for (const f of files) {
      for (const [id, ch] of f.channels) {
        const schema = f.schemas.get(ch.schemaId);
        const prev = byTopic.get(ch.topic);
        const type = schema?.name ?? '';
        if (prev !== undefined && prev.type !== type) {
          throw new BagError(`bag ${path}: topic ${ch.topic} carries two types, ${prev.type} and ${type}`);
        }
        const entry = prev ?? {
          topic: ch.topic,
          type,
          schemaEncoding: schema?.encoding ?? '',
          messageEncoding: ch.messageEncoding,
          definition: schema === undefined ? '' : new TextDecoder().decode(schema.data),
          messageCount: 0,
        };
        entry.messageCount += f.counts.get(id) ?? 0;
        byTopic.set(ch.topic, entry);
      }
    }
    this.topics = [...byTopic.values()].sort((a, b) => a.topic.localeCompare(b.topic));
  }

  /** Open a bag directory or .mcap file. Throws BagError (never a raw library error) when it cannot be read. */
  static async open(path: string): Promise<BagReader> {
    const problems: BagProblem[] = [];
    const files: FileSource[] = [];
    for (const file of await bagFiles(path)) files.push(await openFile(file, problems));
    return new BagReader(path, inTimeOrder(path, files), problems);
  }

  topic(name: string): BagTopic | undefined {
    return this.topics.find((t) => t.topic === name);
  }

  /** Messages in log-time order (file by file), optionally only some topics. CRC errors become BagErrors. */
  async *messages(topics?: readonly string[]): AsyncGenerator<BagMessage> {
    const wanted = topics === undefined ? undefined : new Set(topics);
    for (const f of this.#files) {
      let lastNs: bigint | undefined;
      const it = f.messages();
      for (;;) {
        let next;
        try {
          next = await it.next();
        } catch (err) {
          const after = lastNs === undefined ? 'before the first message' : `after ${formatNs(lastNs)}`;
          throw new BagError(`bag file ${f.path} is corrupt ${after}: ${describe(err)}`);
        }
        if (next.done === true) break;
        const m = next.value;
        lastNs = m.logTime;
        const ch = f.channels.get(m.channelId);
        if (ch === undefined) {
          throw new BagError(`bag file ${f.path}: message at ${formatNs(m.logTime)} names channel ${m.channelId}, which is not defined`);
        }
        const packed = compressedKind(m.data);
        if (packed !== null) {
          throw new BagError(
            `${f.path}: the message on ${ch.topic} at ${formatNs(m.logTime)} is ${packed}-compressed (rosbag2 per-message compression), ` +
              `not CDR; OneFlow reads uncompressed bags (decompress it first, e.g. rosbags-convert)`,
          );
        }
        if (wanted !== undefined && !wanted.has(ch.topic)) continue;
        yield {
          topic: ch.topic,
          type: f.schemas.get(ch.schemaId)?.name ?? '',
          logTimeNs: m.logTime,
          publishTimeNs: m.publishTime,
          sequence: m.sequence,
          data: m.data,
        };
      }
    }
  }

  /**
   * The codec for a topic: our own definition for types we know (so a bag's odd text cannot change how we read
   * our inputs), else one parsed from the bag's ros2msg schema. Throws SchemaError naming the topic when neither works.
   */
  codecFor(topicName: string): MessageCodec {
    const cached = this.#codecs.get(topicName);
    if (cached !== undefined) return cached;
    const t = this.topic(topicName);
    if (t === undefined) throw new SchemaError(`bag ${this.path} has no topic ${topicName}`);
    if (t.messageEncoding !== 'cdr') {
      throw new SchemaError(`topic ${topicName} (${t.type}) uses message encoding '${t.messageEncoding}', expected 'cdr'`);
    }
    let codec: MessageCodec;
    if (isKnownType(t.type)) codec = new MessageCodec(t.type, MESSAGE_DEFINITIONS[t.type]);
    else if (t.schemaEncoding !== 'ros2msg' || t.definition.trim() === '') {
      throw new SchemaError(`topic ${topicName}: unknown type '${t.type}' with a '${t.schemaEncoding}' schema that cannot be decoded (need ros2msg)`);
    } else codec = new MessageCodec(t.type, t.definition);
    this.#codecs.set(topicName, codec);
    return codec;
  }

  get messageCount(): number {
    return this.topics.reduce((n, t) => n + t.messageCount, 0);
  }
}
