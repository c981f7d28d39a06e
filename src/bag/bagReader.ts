// rosbag2 MCAP reader. Accepts a bag directory (metadata.yaml + *.mcap, as `ros2 bag record` writes) or a single
// .mcap file; mcapFile.ts opens each file (indexed, chunk by chunk, compressed chunks decompressed; a file without a
// valid footer is recovered record by record, the loss reported as a BagProblem). Split files are read in time order.
// Nothing here decodes messages unless asked (see codecFor()). close() releases the file handles.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MESSAGE_DEFINITIONS, MessageCodec, SchemaError, isKnownType } from '../msgs/index.js';
import { bagInformation } from './bagInformation.js';
import { BagError, describe, formatNs } from './errors.js';
import type { BagProblem, FileSource } from './fileSource.js';
import { compressedKind, openMcapFile, refuseCompressed } from './mcapFile.js';

export type { BagProblem } from './fileSource.js';

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
    names = bagInformation(yaml, `${path}: metadata.yaml`).relativeFilePaths;
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
    try {
      for (const file of await bagFiles(path)) files.push(await openMcapFile(file, problems));
      return new BagReader(path, inTimeOrder(path, files), problems);
    } catch (err) {
      await Promise.all(files.map((f) => f.close()));
      throw err;
    }
  }

  /** Close the bag's files (one handle each). Reading after close() fails. */
  async close(): Promise<void> {
    await Promise.all(this.#files.map((f) => f.close()));
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
