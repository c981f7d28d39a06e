// The subset of onnx.proto (onnx/onnx, IR version 10, field numbers unchanged) that `oneflow inspect` and the
// node's contract check read. Fields we never look at are simply skipped by the decoder (unknown fields are
// legal in protobuf), so a newer ONNX file still parses. Kept as text and parsed once with protobufjs so it can
// be diffed against upstream onnx/onnx.proto by eye.
import protobuf from 'protobufjs';

export const ONNX_PROTO_SUBSET = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; SPARSE_TENSOR = 11; TYPE_PROTO = 13;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10; SPARSE_TENSORS = 12; TYPE_PROTOS = 14;
  }
  optional string name = 1;
  optional string ref_attr_name = 21;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
  repeated StringStringEntryProto external_data = 13;
  enum DataLocation { DEFAULT = 0; EXTERNAL = 1; }
  optional DataLocation data_location = 14;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    };
    optional string denotation = 3;
  };
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  message Sequence { optional TypeProto elem_type = 1; };
  message Optional { optional TypeProto elem_type = 1; };
  oneof value {
    Tensor tensor_type = 1;
    Sequence sequence_type = 4;
    Optional optional_type = 9;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

let modelType: protobuf.Type | undefined;

/** The protobufjs type for onnx.ModelProto, built on first use. */
export function onnxModelProtoType(): protobuf.Type {
  if (modelType === undefined) {
    modelType = protobuf.parse(ONNX_PROTO_SUBSET, { keepCase: true }).root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** ONNX TensorProto.DataType codes → names used across OneFlow (onnxruntime-node's spelling). */
export const ONNX_ELEM_TYPES: Readonly<Record<number, string>> = Object.freeze({
  0: 'undefined',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
});

/** Bytes per element of the fixed-width ONNX element types (for raw_data decoding and size figures). */
export const ONNX_ELEM_BYTES: Readonly<Record<number, number>> = Object.freeze({
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  14: 8,
  15: 16,
  16: 2,
});

/** Floating-point element types: initializers of these types count as parameters. */
export const ONNX_FLOAT_TYPES: ReadonlySet<number> = new Set([1, 10, 11, 16]);
