// Recovery of a damaged MCAP file (no footer or summary: a recording killed mid-write, a copy cut short): stream it
// record by record through one open file handle, keep every complete chunk, and report what was lost with the topic
// and time of the last message. Memory stays bounded (one read block plus one chunk) unless the recovered messages are
// out of log-time order, when they are held and sorted so the replay still sees time go forwards.
import type { FileHandle } from 'node:fs/promises';
import { McapStreamReader, type DecompressHandlers, type McapTypes } from '@mcap/core';
import { decompressHandlers } from './decompressHandlers.js';
import { BagError, describe, formatNs } from './errors.js';
import type { BagProblem, Channel, FileSource } from './fileSource.js';

type Message = McapTypes.TypedMcapRecords['Message'];
type McapRecord = McapTypes.TypedMcapRecord;

const READ_BLOCK_BYTES = 1 << 20;

/** How one streaming pass ended. */
interface PassEnd {
  /** The error that stopped the reader ('' when it reached the end of the data). */
  stopped: string;
  complete: boolean;
  bytesRemaining: number;
}

/** Stream the file once, yielding each record until the data ends or a record cannot be parsed; `end` says how. */
async function* streamRecords(fh: FileHandle, size: bigint, handlers: DecompressHandlers, end: PassEnd): AsyncGenerator<McapRecord> {
  const stream = new McapStreamReader({ validateCrcs: true, decompressHandlers: handlers });
  const block = Buffer.allocUnsafe(READ_BLOCK_BYTES);
  let offset = 0;
  end.stopped = '';
  while (offset < size && end.stopped === '') {
    const { bytesRead } = await fh.read(block, 0, block.length, offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
    stream.append(block.subarray(0, bytesRead));
    for (;;) {
      let rec;
      try {
        rec = stream.nextRecord();
      } catch (err) {
        end.stopped = describe(err);
        break;
      }
      if (rec === undefined) break;
      yield rec;
    }
  }
  end.complete = stream.done() && end.stopped === '';
  end.bytesRemaining = stream.bytesRemaining();
}

const byLogTime = (a: Message, b: Message) => (a.logTime < b.logTime ? -1 : a.logTime > b.logTime ? 1 : 0);

/** Read a file without a usable summary record by record; keep every complete chunk. */
export async function recover(path: string, fh: FileHandle, size: bigint, why: string, problems: BagProblem[]): Promise<FileSource> {
  const handlers = await decompressHandlers();
  const channels = new Map<number, Channel>();
  const schemas = new Map<number, { name: string; encoding: string; data: Uint8Array }>();
  const counts = new Map<number, number>();
  let n = 0;
  let first: Message | undefined;
  let last: Message | undefined;
  let ordered = true;
  const end: PassEnd = { stopped: '', complete: false, bytesRemaining: 0 };
  for await (const rec of streamRecords(fh, size, handlers, end)) {
    if (rec.type === 'Schema') schemas.set(rec.id, rec);
    else if (rec.type === 'Channel') channels.set(rec.id, rec);
    else if (rec.type === 'Message') {
      n++;
      counts.set(rec.channelId, (counts.get(rec.channelId) ?? 0) + 1);
      if (last !== undefined && rec.logTime < last.logTime) ordered = false;
      if (first === undefined || rec.logTime < first.logTime) first = rec;
      if (last === undefined || rec.logTime >= last.logTime) last = rec;
    }
  }
  if (end.complete && n === 0) throw new BagError(`${path} could not be read: ${why}`);
  const lastTopic = last === undefined ? undefined : channels.get(last.channelId)?.topic;
  problems.push({
    kind: 'truncated',
    ...(lastTopic !== undefined ? { topic: lastTopic } : {}),
    ...(last !== undefined ? { timeNs: last.logTime } : {}),
    message:
      `${path} is truncated or its index is damaged (${why}${end.stopped !== '' ? `; ${end.stopped}` : ''}); ` +
      `recovered ${n} messages in complete chunks` +
      (last !== undefined ? `, the last on ${lastTopic ?? '?'} at ${formatNs(last.logTime)}` : '') +
      `; ${end.bytesRemaining} trailing bytes of ${size} unread`,
  });
  return {
    path,
    channels,
    schemas,
    counts,
    span: first === undefined || last === undefined ? null : { startNs: first.logTime, endNs: last.logTime },
    messages: async function* () {
      const again: PassEnd = { stopped: '', complete: false, bytesRemaining: 0 };
      const held: Message[] = [];
      for await (const rec of streamRecords(fh, size, handlers, again)) {
        if (rec.type !== 'Message') continue;
        if (ordered) yield rec;
        else held.push(rec);
      }
      yield* held.sort(byLogTime);
    },
    close: () => fh.close(),
  };
}
