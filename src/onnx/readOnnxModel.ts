// Adapter: reads an ONNX file from disk (fs + sha256) and parses it. The node calls this before it creates an
// onnxruntime session, so a bad file is refused with a clear message instead of a native crash.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { OnnxFormatError } from './errors.js';
import { parseOnnxModel } from './parseOnnxModel.js';
import type { OnnxModelFile } from './types.js';

/** Upper bound on the file size we read into memory; protobuf messages cannot exceed 2 GiB anyway. */
export const MAX_ONNX_FILE_BYTES = 2 ** 31 - 1;

export async function readOnnxModel(path: string): Promise<OnnxModelFile> {
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`not a regular file`);
    if (info.size > MAX_ONNX_FILE_BYTES) throw new Error(`${info.size} bytes exceeds the ${MAX_ONNX_FILE_BYTES}-byte protobuf limit`);
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof OnnxFormatError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new OnnxFormatError(`cannot read ONNX model: ${why}`, { path, cause: err });
  }
  const model = parseOnnxModel(bytes, path);
  return Object.freeze({
    ...model,
    path,
    fileSizeBytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
}
