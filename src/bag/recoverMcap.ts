// Recovery of a damaged MCAP file (no footer or summary: a recording killed mid-write, a copy cut short): read it
// record by record, keep every complete chunk, and report what was lost with the topic and time of the last message.
import { McapStreamReader, type McapTypes } from '@mcap/core';
import type { BagProblem, Channel, FileSource } from './bagReader.js';
import { BagError, describe, formatNs } from './errors.js';

/** Read a file without a usable summary record by record; keep every complete chunk. */
export function recover(path: string, bytes: Uint8Array, why: string, problems: BagProblem[]): FileSource {
  const channels = new Map<number, Channel>();
  const schemas = new Map<number, { name: string; encoding: string; data: Uint8Array }>();
  const counts = new Map<number, number>();
  const messages: McapTypes.TypedMcapRecords['Message'][] = [];
  const stream = new McapStreamReader({ validateCrcs: true });
  stream.append(bytes);
  let stopped = '';
  for (;;) {
    let rec;
    try {
      rec = stream.nextRecord();
    } catch (err) {
      stopped = describe(err);
      break;
    }
    if (rec === undefined) break;
    if (rec.type === 'Schema') schemas.set(rec.id, rec);
    else if (rec.type === 'Channel') channels.set(rec.id, rec);
    else if (rec.type === 'Message') {
      messages.push(rec);
      counts.set(rec.channelId, (counts.get(rec.channelId) ?? 0) + 1);
    } else if (rec.type === 'DataEnd' || rec.type === 'Footer') {
      // A whole file that the indexed reader still refused: report the original reason.
      if (rec.type === 'Footer') stopped = '';
    }
  }
  const complete = stream.done() && stopped === '';
  if (complete && messages.length === 0) {
    throw new BagError(`${path} could not be read: ${why}`);
  }
  messages.sort((a, b) => (a.logTime < b.logTime ? -1 : a.logTime > b.logTime ? 1 : 0));
  const last = messages.at(-1);
  const lastTopic = last === undefined ? undefined : channels.get(last.channelId)?.topic;
  problems.push({
    kind: 'truncated',
    ...(lastTopic !== undefined ? { topic: lastTopic } : {}),
    ...(last !== undefined ? { timeNs: last.logTime } : {}),
    message:
      `${path} is truncated or its index is damaged (${why}${stopped !== '' ? `; ${stopped}` : ''}); ` +
      `recovered ${messages.length} messages in complete chunks` +
      (last !== undefined ? `, the last on ${lastTopic ?? '?'} at ${formatNs(last.logTime)}` : '') +
      `; ${stream.bytesRemaining()} trailing bytes of ${bytes.byteLength} unread`,
  });
  return {
    path,
    channels,
    schemas,
    counts,
    span: messages.length === 0 ? null : { startNs: messages[0]!.logTime, endNs: last!.logTime },
    messages: async function* () {
      yield* messages;
    },
  };
}
