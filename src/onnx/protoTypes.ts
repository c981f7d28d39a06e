// TypeScript views of the decoded protobufjs messages (only the fields in onnxProto.ts). int64 fields decode as
// Long objects (the `long` package is installed) or plain numbers; `toNumber` folds both.
export type Int64 = number | { toNumber(): number };

export const toNumber = (v: Int64 | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

/** protobufjs puts defaults on the prototype; a field was on the wire only if it is an own property. */
export const has = (msg: object, field: string): boolean => Object.prototype.hasOwnProperty.call(msg, field);

export interface StringStringEntryMsg {
  key: string;
  value: string;
}
export interface DimensionMsg {
  dim_value: Int64;
  dim_param: string;
}
export interface TypeMsg {
  tensor_type?: { elem_type: number; shape?: { dim: DimensionMsg[] } | null } | null;
}
export interface ValueInfoMsg {
  name: string;
  type?: TypeMsg | null;
}
export interface TensorMsg {
  dims: Int64[];
  data_type: number;
  name: string;
  raw_data: Uint8Array;
  float_data: number[];
  int32_data: number[];
  int64_data: Int64[];
  double_data: number[];
  uint64_data: Int64[];
  string_data: Uint8Array[];
  data_location: number;
}
export interface AttributeMsg {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: TensorMsg | null;
  g?: GraphMsg | null;
  floats: number[];
  ints: Int64[];
  graphs: GraphMsg[];
}
export interface NodeMsg {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain: string;
  attribute: AttributeMsg[];
}
export interface GraphMsg {
  node: NodeMsg[];
  name: string;
  initializer: TensorMsg[];
  input: ValueInfoMsg[];
  output: ValueInfoMsg[];
  value_info: ValueInfoMsg[];
}
export interface ModelMsg {
  ir_version: Int64;
  opset_import: { domain: string; version: Int64 }[];
  producer_name: string;
  producer_version: string;
  graph?: GraphMsg | null;
  metadata_props: StringStringEntryMsg[];
}

/** Number of elements of a tensor with these dims (1 for a scalar). */
export const elementCount = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Reads an integer tensor's values (int64/int32, raw_data or typed fields); null for other types. */
export function readIntTensor(t: TensorMsg): number[] | null {
  const dims = t.dims.map(toNumber);
  const n = elementCount(dims);
  if (t.data_type === 7) {
    if (t.raw_data.length > 0) {
      const view = new DataView(t.raw_data.buffer, t.raw_data.byteOffset, t.raw_data.byteLength);
      if (t.raw_data.byteLength < n * 8) return null;
      return Array.from({ length: n }, (_, k) => Number(view.getBigInt64(k * 8, true)));
    }
    return t.int64_data.map(toNumber);
  }
  if (t.data_type === 6) {
    if (t.raw_data.length > 0) {
      const view = new DataView(t.raw_data.buffer, t.raw_data.byteOffset, t.raw_data.byteLength);
      if (t.raw_data.byteLength < n * 4) return null;
      return Array.from({ length: n }, (_, k) => view.getInt32(k * 4, true));
    }
    return [...t.int32_data];
  }
  return null;
}
