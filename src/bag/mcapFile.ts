// Opening one .mcap file of a bag: sniff what it is, read it through its summary index with one file handle kept
// open (@mcap/nodejs FileHandleReadable: the indexed reader fetches the summary, then one chunk at a time, so a
// multi-GB bag is never held in memory), and fall back to record-by-record recovery when the index is unusable.
// Compressed chunks are decompressed; per-message or whole-file rosbag2 compression is refused (docs/replay.md).
import { open, type FileHandle } from 'node:fs/promises';
import { McapIndexedReader } from '@mcap/core';
import { FileHandleReadable } from '@mcap/nodejs';
import { bagInformation } from './bagInformation.js';
import { decompressHandlers } from './decompressHandlers.js';
import { BagError, describe } from './errors.js';
import type { BagProblem, FileSource } from './fileSource.js';
import { recover } from './recoverMcap.js';

const MCAP_MAGIC = [0x89, 0x4d, 0x43, 0x41, 0x50]; // "\x89MCAP"
const SQLITE_MAGIC = 'SQLite format 3';
/** Frame magics (RFC 8878 §3.1.1 for zstd; the LZ4 frame format for lz4): a payload or file that starts so is compressed. */
const COMPRESSED_MAGIC: readonly [string, readonly number[]][] = [
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
];

/** 'zstd' / 'lz4' when `bytes` start with that frame magic, else null. */
export function compressedKind(bytes: Uint8Array): string | null {
  for (const [name, magic] of COMPRESSED_MAGIC) if (magic.every((b, i) => bytes[i] === b)) return name;
  return null;
}

/** A rosbag2 bag written with `compression_mode` message or file cannot be read as plain CDR: refuse, naming the way out. */
export function refuseCompressed(where: string, yaml: string): void {
  const { compressionMode: mode, compressionFormat: format } = bagInformation(yaml, where);
  if (mode === '') return;
  const what =
    mode === 'message' ? `every message payload is ${format || 'compression'}-compressed` : `its files are ${format || 'compression'}-compressed whole`;
  throw new BagError(
    `${where} says compression_mode ${mode}, compression_format ${format || '?'}: ${what}; OneFlow reads uncompressed bags. ` +
      'Decompress it first, e.g. `ros2 bag convert` with an output without compression, or rosbags-convert',
  );
}

/** The first bytes and the size of a file, as a BagError naming the file when it cannot be read. */
async function head(fh: FileHandle, path: string): Promise<{ size: bigint; head: Buffer }> {
  try {
    const size = BigInt((await fh.stat()).size);
    const buf = Buffer.alloc(Number(size < 16n ? size : 16n));
    await fh.read(buf, 0, buf.length, 0);
    return { size, head: buf };
  } catch (err) {
    throw new BagError(`cannot read bag file ${path}: ${describe(err)}`);
  }
}

function refuseNonMcap(path: string, size: bigint, bytes: Buffer): void {
  const packed = compressedKind(bytes);
  if (packed !== null) {
    throw new BagError(`${path} is a ${packed}-compressed file (rosbag2 compression_mode file), not MCAP; decompress it first (e.g. \`${packed} -d\`)`);
  }
  if (bytes.toString('latin1').startsWith(SQLITE_MAGIC)) {
    throw new BagError(`${path} is a sqlite3 rosbag2 file; only MCAP is supported (convert it: ros2 bag convert, or rosbags-convert)`);
  }
  if (size < 8n || !MCAP_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new BagError(
      `${path} is not an MCAP file: it starts with bytes [${[...bytes.subarray(0, 8)].join(', ')}], expected the MCAP magic [137, 77, 67, 65, 80, …] (${size} bytes in all)`,
    );
  }
}

/** The indexed reader, given the decompress handlers only when a chunk is compressed. */
async function indexedReader(fh: FileHandle): Promise<McapIndexedReader> {
  const readable = new FileHandleReadable(fh);
  const plain = await McapIndexedReader.Initialize({ readable });
  if (plain.chunkIndexes.every((c) => c.compression === '')) return plain;
  return McapIndexedReader.Initialize({ readable, decompressHandlers: await decompressHandlers() });
}

/** Counts and log-time span from the Statistics record, or by reading the messages once when there is none. */
async function countMessages(path: string, reader: McapIndexedReader): Promise<Pick<FileSource, 'counts' | 'span'>> {
  const counts = new Map<number, number>();
  let span: FileSource['span'] = null;
  if (reader.statistics !== undefined) {
    for (const [id, n] of reader.statistics.channelMessageCounts) counts.set(id, Number(n));
    if (reader.statistics.messageCount > 0n) span = { startNs: reader.statistics.messageStartTime, endNs: reader.statistics.messageEndTime };
    return { counts, span };
  }
  // No Statistics record (not what rosbag2 writes, but legal MCAP): count the messages once.
  try {
    for await (const m of reader.readMessages()) {
      counts.set(m.channelId, (counts.get(m.channelId) ?? 0) + 1);
      span = span === null ? { startNs: m.logTime, endNs: m.logTime } : { startNs: span.startNs, endNs: m.logTime };
    }
  } catch (err) {
    throw new BagError(`${path} is corrupt: ${describe(err)}`);
  }
  return { counts, span };
}

async function indexedFile(path: string, fh: FileHandle, reader: McapIndexedReader): Promise<FileSource> {
  try {
    for await (const record of reader.readMetadata({ name: 'rosbag2' })) {
      refuseCompressed(`${path}: its rosbag2 metadata record`, record.metadata.get('serialized_metadata') ?? '');
    }
  } catch (err) {
    throw err instanceof BagError ? err : new BagError(`${path} is corrupt: its metadata records cannot be read: ${describe(err)}`);
  }
  return {
    path,
    channels: new Map([...reader.channelsById].map(([id, c]) => [id, c])),
    schemas: new Map([...reader.schemasById].map(([id, s]) => [id, s])),
    ...(await countMessages(path, reader)),
    messages: () => reader.readMessages({ validateCrcs: true }),
    close: () => fh.close(),
  };
}

/** Open one .mcap file of a bag. Throws BagError (never a raw library error) when it cannot be read. */
export async function openMcapFile(path: string, problems: BagProblem[]): Promise<FileSource> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new BagError(`cannot read bag file ${path}: ${describe(err)}`);
  }
  try {
    const { size, head: bytes } = await head(fh, path);
    refuseNonMcap(path, size, bytes);
    let reader: McapIndexedReader;
    try {
      reader = await indexedReader(fh);
    } catch (err) {
      return await recover(path, fh, size, describe(err), problems);
    }
    return await indexedFile(path, fh, reader);
  } catch (err) {
    await fh.close();
    throw err;
  }
}
