// What the bag reader needs of one .mcap file, however it was opened (indexed, or recovered record by record).
import type { McapTypes } from '@mcap/core';

/** A problem found while opening or reading, that did not stop the read. */
export interface BagProblem {
  kind: 'truncated' | 'unknown_schema';
  topic?: string;
  timeNs?: bigint;
  message: string;
}

export interface Channel {
  topic: string;
  schemaId: number;
  messageEncoding: string;
}

/** One .mcap file, indexed or recovered. Holds one open file handle until close(). */
export interface FileSource {
  path: string;
  channels: Map<number, Channel>;
  schemas: Map<number, { name: string; encoding: string; data: Uint8Array }>;
  counts: Map<number, number>;
  /** First and last log time of the file's messages (null when it holds none). */
  span: { startNs: bigint; endNs: bigint } | null;
  messages(): AsyncGenerator<McapTypes.TypedMcapRecords['Message']>;
  close(): Promise<void>;
}
