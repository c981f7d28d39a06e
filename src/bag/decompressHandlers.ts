// Chunk decompression for MCAP files written with zstd / lz4 / bz2 chunks (the MCAP C++ default, rosbag2's
// zstd_fast / zstd_small presets). @mcap/support's wasm handlers cost ~0.3 s to import and load on a busy 2-core
// machine, so they are loaded only when a file has a compressed chunk (the rosbag2 default is uncompressed).
import type { DecompressHandlers } from '@mcap/core';

let loading: Promise<DecompressHandlers> | undefined;

/** The zstd, lz4 and bz2 handlers, loaded once per process. */
export function decompressHandlers(): Promise<DecompressHandlers> {
  loading ??= import('@mcap/support').then((m) => m.loadDecompressHandlers());
  return loading;
}
