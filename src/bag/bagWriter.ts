// rosbag2 MCAP writer: profile "ros2", `cdr` channels, `ros2msg` schemas, chunked and uncompressed, with the
// Statistics record, chunk/message indexes, the `rosbag2` metadata record and a metadata.yaml beside the file —
// what `ros2 bag record` (Jazzy, storage mcap, default preset) leaves. Deterministic: no wall-clock value is
// written anywhere, so the same messages give byte-identical files.
import { mkdir, open, readdir, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { MESSAGE_DEFINITIONS, encodeMessage, isKnownType, type MessageTypeName, type MessageTypes } from '../msgs/index.js';
import { BagError } from './errors.js';
import { DEFAULT_QOS, metadataYaml, qosYaml, serializedMetadata, type QosProfile, type TopicSummary } from './metadata.js';

export const WRITER_LIBRARY = 'oneflow-bag 1';

export interface TopicOptions {
  /** ros2msg text; required for types other than our known ones. */
  definition?: string;
  /** Schema encoding of `definition` (default ros2msg; ros2idl when copying an IDL-defined type). */
  schemaEncoding?: string;
  qos?: QosProfile;
  typeDescriptionHash?: string;
}

interface TopicState extends TopicSummary {
  channelId: number;
  sequence: number;
}

export class BagWriter {
  readonly dir: string;
  readonly fileName: string;
  readonly #handle: FileHandle;
  readonly #mcap: McapWriter;
  readonly #topics = new Map<string, TopicState>();
  readonly #schemaIds = new Map<string, number>();
  #startNs = -1n;
  #endNs = 0n;
  #count = 0;
  #lastNs = -1n;
  #closed = false;

  private constructor(dir: string, fileName: string, handle: FileHandle) {
    this.dir = dir;
    this.fileName = fileName;
    this.#handle = handle;
    this.#mcap = new McapWriter({ writable: new FileHandleWritable(handle) }); // chunked, uncompressed, Statistics
  }

  /** Create a bag directory `dir` holding `<name>_0.mcap` + metadata.yaml. `dir` must not hold a bag already. */
  static async create(dir: string): Promise<BagWriter> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new BagError(`cannot create the output bag directory ${dir}: ${await whyNotDirectory(dir, err)}; choose another --out`);
    }
    const existing = await readdir(dir);
    if (existing.includes('metadata.yaml') || existing.some((f) => f.endsWith('.mcap'))) {
      throw new BagError(`output directory ${dir} already holds a bag (${existing.join(', ')}); choose another --out`);
    }
    const fileName = `${basename(dir.replace(/\/+$/, '')) || 'bag'}_0.mcap`;
    let handle: FileHandle;
    try {
      handle = await open(join(dir, fileName), 'w');
    } catch (err) {
      throw new BagError(`cannot create the output bag directory ${dir}: ${await whyNotDirectory(dir, err)}; choose another --out`);
    }
    const writer = new BagWriter(dir, fileName, handle);
    await writer.#mcap.start({ profile: 'ros2', library: WRITER_LIBRARY });
    return writer;
  }

  /** Declare a topic before writing to it. Types we know carry their own definition text. */
  async addTopic(topic: string, type: string, options: TopicOptions = {}): Promise<void> {
    if (this.#topics.has(topic)) throw new BagError(`topic ${topic} was already added to ${this.fileName}`);
    const definition = options.definition ?? (isKnownType(type) ? MESSAGE_DEFINITIONS[type] : undefined);
    if (definition === undefined) {
      throw new BagError(`topic ${topic}: no ros2msg definition for type ${type}; pass one in TopicOptions.definition`);
    }
    let schemaId = this.#schemaIds.get(type);
    if (schemaId === undefined) {
      schemaId = await this.#mcap.registerSchema({
        name: type,
        encoding: options.schemaEncoding ?? 'ros2msg',
        data: new TextEncoder().encode(definition),
      });
      this.#schemaIds.set(type, schemaId);
    }
    const qos = options.qos ?? DEFAULT_QOS;
    const channelId = await this.#mcap.registerChannel({
      topic,
      messageEncoding: 'cdr',
      schemaId,
      metadata: new Map([['offered_qos_profiles', qosYaml(qos)]]),
    });
    this.#topics.set(topic, {
      topic,
      type,
      qos,
      typeDescriptionHash: options.typeDescriptionHash ?? '',
      messageCount: 0,
      channelId,
      sequence: 0,
    });
  }

  /** Write already-serialised CDR bytes. Log times must not go backwards (rosbag2 readers expect order). */
  async writeRaw(topic: string, logTimeNs: bigint, data: Uint8Array, publishTimeNs: bigint = logTimeNs): Promise<void> {
    const t = this.#topics.get(topic);
    if (t === undefined) throw new BagError(`topic ${topic} was not added to ${this.fileName} before writing`);
    if (logTimeNs < this.#lastNs) {
      throw new BagError(`topic ${topic}: log time ${logTimeNs} ns is earlier than the previous ${this.#lastNs} ns`);
    }
    this.#lastNs = logTimeNs;
    t.sequence += 1;
    t.messageCount += 1;
    this.#count += 1;
    if (this.#startNs < 0n) this.#startNs = logTimeNs;
    this.#endNs = logTimeNs;
    await this.#mcap.addMessage({ channelId: t.channelId, sequence: t.sequence, logTime: logTimeNs, publishTime: publishTimeNs, data });
  }

  /** Encode and write one of our known message types. */
  async write<K extends MessageTypeName>(topic: string, type: K, logTimeNs: bigint, message: MessageTypes[K]): Promise<void> {
    const t = this.#topics.get(topic);
    if (t !== undefined && t.type !== type) {
      throw new BagError(`topic ${topic} carries ${t.type}, cannot write a ${type} to it`);
    }
    await this.writeRaw(topic, logTimeNs, encodeMessage(type, message));
  }

  /** Finish the MCAP (metadata record, summary, Statistics) and write metadata.yaml. */
  async close(rosDistro = 'jazzy'): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const summary = {
      fileName: this.fileName,
      startNs: this.#startNs < 0n ? 0n : this.#startNs,
      endNs: this.#endNs,
      messageCount: this.#count,
      topics: [...this.#topics.values()].map(({ topic, type, qos, typeDescriptionHash, messageCount }) => ({
        topic,
        type,
        qos,
        typeDescriptionHash,
        messageCount,
      })),
      rosDistro,
    };
    try {
      await this.#mcap.addMetadata({ name: 'rosbag2', metadata: new Map([['serialized_metadata', serializedMetadata(summary)]]) });
      await this.#mcap.end();
    } finally {
      await this.#handle.close();
    }
    await writeFile(join(this.dir, 'metadata.yaml'), metadataYaml(summary));
  }

  get messageCount(): number {
    return this.#count;
  }
}

/** A one-line reason why `dir` cannot be made or written, instead of a raw errno (EEXIST, ENOTDIR, EACCES). */
async function whyNotDirectory(dir: string, err: unknown): Promise<string> {
  const code = (err as { code?: string }).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return code === 'EROFS' ? 'the file system is read-only' : 'permission denied';
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    // the path itself, or a folder on the way to it, is a file
    for (let p = dir; p !== dirname(p); p = dirname(p)) {
      const info = await stat(p).catch(() => null);
      if (info !== null && !info.isDirectory()) return p === dir ? 'it is a file' : `${p} is a file`;
    }
  }
  return err instanceof Error ? err.message : String(err);
}
