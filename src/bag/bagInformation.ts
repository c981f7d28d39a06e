// Reading rosbag2's `rosbag2_bagfile_information` (metadata.yaml beside the .mcap files, or the unindented body in
// the MCAP `rosbag2` metadata record) with a YAML parser, so any valid YAML spelling of it reads the same.
import { parse } from 'yaml';
import { BagError, describe } from './errors.js';

/** The fields OneFlow reads; '' or [] when absent. */
export interface BagInformation {
  relativeFilePaths: string[];
  /** rosbag2 `compression_mode`, lower case; '' for none (rosbag2 also writes "none"). */
  compressionMode: string;
  compressionFormat: string;
}

function text(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v).trim().toLowerCase() : '';
}

/** Parse the information block. `where` names the file or record in the error when the YAML is broken. */
export function bagInformation(yaml: string, where: string): BagInformation {
  let doc: unknown;
  try {
    doc = parse(yaml);
  } catch (err) {
    throw new BagError(`${where} is not valid YAML: ${describe(err)}`);
  }
  const root = (doc ?? {}) as Record<string, unknown>;
  const info = (
    typeof root.rosbag2_bagfile_information === 'object' && root.rosbag2_bagfile_information !== null ? root.rosbag2_bagfile_information : root
  ) as Record<string, unknown>;
  const paths = info.relative_file_paths;
  const mode = text(info.compression_mode);
  return {
    relativeFilePaths: Array.isArray(paths) ? paths.map((p) => String(p)) : [],
    compressionMode: mode === 'none' ? '' : mode,
    compressionFormat: text(info.compression_format),
  };
}
