// A bounds check of a CDR payload against its message definition, run before the decoder allocates anything.
// @foxglove/rosmsg2-serialization trusts every sequence length it reads: a 100-byte JointState whose name[] claims
// 16 million entries made it build a 16-million-slot array and read strings until it ran off the end (≈ 0.4 s per
// message). Here every length is checked against the bytes left, using the fewest bytes one element can take, so
// such a message is refused in time proportional to its real size.
//
// Layout rules walked (plain XCDR1, what rosbag2 and ROS 2 publishers write; facts from the OMG CDR spec as
// implemented by @foxglove/cdr's CdrReader): a 4-byte encapsulation header; each primitive aligned to its size
// (relative to the end of that header); sequences and strings start with a uint32 count (strings count their
// terminating NUL); empty typed arrays are not aligned; fixed-size arrays have no count. The walk mirrors the
// reader exactly, so it never refuses a payload the reader would decode.

/** The fields of a parsed ros2msg definition that the walk needs (a subset of @foxglove/rosmsg's output). */
export type CdrField = {
  readonly type: string;
  readonly name: string;
  readonly isComplex?: boolean;
  readonly isArray?: boolean;
  readonly arrayLength?: number;
  readonly isConstant?: boolean;
};
export type CdrDefinition = { readonly name?: string; readonly definitions: readonly CdrField[] };

/** Size = alignment of each primitive; time/duration are two 4-byte integers. */
const PRIMITIVE_SIZE: Readonly<Record<string, number>> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  byte: 1,
  char: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
};
const ENCAPSULATION_CDR_BE = 0;
const ENCAPSULATION_CDR_LE = 1;
const HEADER_BYTES = 4;

class Refusal extends Error {}

export class CdrBounds {
  readonly #root: readonly CdrField[];
  readonly #types: Map<string, readonly CdrField[]>;
  readonly #minSize = new Map<string, number>();

  constructor(definitions: readonly CdrDefinition[]) {
    const root = definitions.find((d) => d.definitions.length === 0 || !d.definitions.every((f) => f.isConstant === true));
    this.#root = root?.definitions ?? [];
    this.#types = new Map(definitions.map((d) => [d.name ?? '', d.definitions]));
  }

  /** Why `bytes` cannot be a message of this type (with the field, the claim and the bytes left), or null. */
  check(bytes: Uint8Array): string | null {
    if (bytes.byteLength < HEADER_BYTES) return `${bytes.byteLength} bytes cannot hold the 4-byte CDR encapsulation header`;
    const kind = bytes[1]!;
    if (bytes[0] !== 0 || (kind !== ENCAPSULATION_CDR_BE && kind !== ENCAPSULATION_CDR_LE)) {
      return `encapsulation header [${bytes[0]}, ${kind}] is not plain CDR ([0, 0] big- or [0, 1] little-endian)`;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      this.#walk(this.#root, view, kind === ENCAPSULATION_CDR_LE, { offset: HEADER_BYTES }, '', 0);
      return null;
    } catch (err) {
      if (err instanceof Refusal) return err.message;
      throw err;
    }
  }

  #walk(fields: readonly CdrField[], view: DataView, le: boolean, at: { offset: number }, path: string, depth: number): void {
    if (depth > 32) throw new Refusal(`${path}: nesting deeper than 32 levels`);
    const data = fields.filter((f) => f.isConstant !== true);
    if (data.length === 0) {
      take(view, at, 1, 1, path || 'empty message'); // ROS 2 gives an empty message one uint8 member
      return;
    }
    for (const f of data) {
      const name = path === '' ? f.name : `${path}.${f.name}`;
      if (f.isArray !== true) {
        this.#one(f, view, le, at, name, depth);
        continue;
      }
      let count: number;
      if (f.arrayLength !== undefined) count = f.arrayLength;
      else count = readU32(view, le, take(view, at, 4, 4, `${name} length`));
      const min = this.#elementMinSize(f);
      const left = view.byteLength - at.offset;
      if (count * min > left) {
        throw new Refusal(`${name}[] claims ${count} elements of ≥ ${min} bytes, but only ${left} of ${view.byteLength} bytes are left`);
      }
      const size = PRIMITIVE_SIZE[f.type];
      if (size !== undefined) {
        if (count > 0) take(view, at, size, size * count, `${name}[]`); // typed arrays: aligned once, unless empty
        continue;
      }
      for (let i = 0; i < count; i++) this.#one(f, view, le, at, `${name}[${i}]`, depth);
    }
  }

  /** One element of field `f`'s type. */
  #one(f: CdrField, view: DataView, le: boolean, at: { offset: number }, name: string, depth: number): void {
    const size = PRIMITIVE_SIZE[f.type];
    if (size !== undefined) {
      take(view, at, size, size, name);
    } else if (f.type === 'time' || f.type === 'duration') {
      take(view, at, 4, 4, name);
      take(view, at, 4, 4, name);
    } else if (f.type === 'string') {
      const length = readU32(view, le, take(view, at, 4, 4, `${name} length`));
      const left = view.byteLength - at.offset;
      if (length > 1 && length > left) throw new Refusal(`${name} claims a ${length}-byte string, but only ${left} of ${view.byteLength} bytes are left`);
      at.offset += length;
    } else if (f.isComplex === true) {
      const nested = this.#types.get(f.type);
      if (nested === undefined) throw new Refusal(`${name}: type ${f.type} is not defined in the schema`);
      this.#walk(nested, view, le, at, name, depth + 1);
    } else {
      throw new Refusal(`${name}: type ${f.type} cannot be decoded`);
    }
  }

  /** The fewest bytes one array element of `f`'s type takes (≥ 1). */
  #elementMinSize(f: CdrField): number {
    const size = PRIMITIVE_SIZE[f.type];
    if (size !== undefined) return size;
    if (f.type === 'time' || f.type === 'duration') return 8;
    if (f.type === 'string') return 4;
    return this.#structMinSize(f.type, 0);
  }

  #structMinSize(type: string, depth: number): number {
    const cached = this.#minSize.get(type);
    if (cached !== undefined) return cached;
    const fields = (this.#types.get(type) ?? []).filter((f) => f.isConstant !== true);
    let n = 0;
    for (const f of fields) {
      if (f.isArray === true) n += f.arrayLength === undefined ? 4 : f.arrayLength * (depth > 32 ? 1 : this.#elementMinSizeAt(f, depth + 1));
      else n += depth > 32 ? 1 : this.#elementMinSizeAt(f, depth + 1);
    }
    const min = Math.max(1, n);
    this.#minSize.set(type, min);
    return min;
  }

  #elementMinSizeAt(f: CdrField, depth: number): number {
    return f.isComplex === true ? this.#structMinSize(f.type, depth) : this.#elementMinSize(f);
  }
}

/** Aligns `at` to `align` (relative to the end of the header), checks `bytes` fit, advances; returns the start. */
function take(view: DataView, at: { offset: number }, align: number, bytes: number, name: string): number {
  const pad = (at.offset - HEADER_BYTES) % align;
  const start = pad === 0 ? at.offset : at.offset + align - pad;
  if (start + bytes > view.byteLength) {
    throw new Refusal(`${name} needs ${bytes} bytes at offset ${start}, but the message ends at ${view.byteLength}`);
  }
  at.offset = start + bytes;
  return start;
}

function readU32(view: DataView, le: boolean, offset: number): number {
  return view.getUint32(offset, le);
}
