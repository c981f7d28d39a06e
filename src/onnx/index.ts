// Public surface of src/onnx: read an ONNX policy file, check it against the node's configuration.
export { readOnnxModel, MAX_ONNX_FILE_BYTES } from './readOnnxModel.js';
export { parseOnnxModel } from './parseOnnxModel.js';
export { checkContract, validateContract } from './contract.js';
export { OnnxFormatError, ModelContractError, describeMismatch, type ContractMismatch } from './errors.js';
export {
  parsePolicyMetadata,
  POLICY_METADATA_KEY,
  POLICY_METHODS,
  POLICY_SCHEMA_VERSION,
  STATE_SOURCES,
  type PolicyMetadata,
  type PolicyMethod,
  type StateSource,
  type ImageSpec,
} from './policyMetadata.js';
export type { Dim, FlopReport, OnnxModel, OnnxModelFile, TensorSignature } from './types.js';
