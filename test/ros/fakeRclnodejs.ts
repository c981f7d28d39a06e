// A stand-in for the rclnodejs 2.x module, shaped like its API (rclnodejs@2.2.0 types/*.d.ts, lib/parameter.js,
// lib/node.js), for the ROS adapter tests on a machine without ROS. It reproduces the behaviour the adapter
// depends on: INTEGER parameters are bigint and validated as such; FloatingPointRange's step defaults to 1;
// declareParameter applies overrides unless ignoreOverride, checks type and range, refuses redeclaration; the node
// declares use_sim_time itself; raw subscriptions deliver Buffers; publish() of a Buffer is raw, anything else is
// serialised (here: refused, so a test notices); QoS profiles are the same strings.
import type { RclEntityOptions, RclModule, RclParameter, RclParameterValue, RclRange } from '../../src/transport/rclnodejsApi.js';

export const ParameterType = Object.freeze({
  PARAMETER_NOT_SET: 0,
  PARAMETER_BOOL: 1,
  PARAMETER_INTEGER: 2,
  PARAMETER_DOUBLE: 3,
  PARAMETER_STRING: 4,
  PARAMETER_BYTE_ARRAY: 5,
  PARAMETER_BOOL_ARRAY: 6,
  PARAMETER_INTEGER_ARRAY: 7,
  PARAMETER_DOUBLE_ARRAY: 8,
  PARAMETER_STRING_ARRAY: 9,
});

function validValue(value: unknown, type: number): boolean {
  const T = ParameterType;
  const every = (t: string) => Array.isArray(value) && value.every((v) => typeof v === t);
  switch (type) {
    case T.PARAMETER_BOOL: return typeof value === 'boolean';
    case T.PARAMETER_INTEGER: return typeof value === 'bigint';
    case T.PARAMETER_DOUBLE: return typeof value === 'number';
    case T.PARAMETER_STRING: return typeof value === 'string';
    case T.PARAMETER_BOOL_ARRAY: return every('boolean');
    case T.PARAMETER_INTEGER_ARRAY: return every('bigint');
    case T.PARAMETER_DOUBLE_ARRAY: return every('number');
    case T.PARAMETER_STRING_ARRAY: return every('string');
    default: return false;
  }
}

export class Parameter implements RclParameter {
  constructor(readonly name: string, readonly type: number, public value: RclParameterValue) {
    if (!validValue(value, type)) throw new TypeError(`Parameter ${name}: value ${String(value)} (${typeof value}) is not of type ${type}`);
  }
}

class Range {
  constructor(readonly fromValue: number | bigint, readonly toValue: number | bigint, readonly step: number | bigint) {}
}

export class FloatingPointRange extends Range {
  // rclnodejs: step = 1 by default.
  constructor(fromValue: number, toValue: number, step = 1) {
    super(fromValue, toValue, step);
  }
  inRange(v: number): boolean {
    const lo = this.fromValue as number;
    const hi = this.toValue as number;
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6;
    if (close(v, lo) || close(v, hi)) return true;
    if (v < lo || v > hi) return false;
    const step = this.step as number;
    return step === 0 || close(lo + Math.round((v - lo) / step) * step, v);
  }
}

export class IntegerRange extends Range {
  constructor(fromValue: bigint, toValue: bigint, step = 1n) {
    super(fromValue, toValue, step);
  }
  inRange(v: bigint): boolean {
    return v >= (this.fromValue as bigint) && v <= (this.toValue as bigint);
  }
}

export class ParameterDescriptor {
  additionalConstraints = '';
  constructor(
    readonly name: string,
    readonly type: number,
    readonly description = '',
    readonly readOnly = false,
    readonly range: RclRange | null = null,
  ) {}
}

export const QoS = Object.freeze({
  profileDefault: 'qos_profile_default',
  profileSystemDefault: 'qos_profile_system_default',
  profileSensorData: 'qos_profile_sensor_data',
});

export type FakeSubscription = { typeClass: string; topic: string; options: RclEntityOptions; callback: (b: Buffer) => void };
export type FakePublisher = { typeClass: string; topic: string; options: RclEntityOptions | undefined; sent: Buffer[]; publish(m: Buffer): void };

/** Parses `--ros-args -p name:=value` the way rcl types them (int → INTEGER bigint, float → DOUBLE, [..] arrays). */
export function parseRosArgOverrides(argv: readonly string[]): Parameter[] {
  const out: Parameter[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '-p' && argv[i] !== '--param') continue;
    const [name, text = ''] = (argv[i + 1] ?? '').split(':=');
    if (name === undefined) continue;
    out.push(yamlParameter(name, text));
  }
  return out;
}

function yamlParameter(name: string, text: string): Parameter {
  const T = ParameterType;
  if (text.startsWith('[') && text.endsWith(']')) {
    const items = text.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (items.length > 0 && items.every((s) => /^-?\d+$/.test(s))) return new Parameter(name, T.PARAMETER_INTEGER_ARRAY, items.map(BigInt));
    if (items.length > 0 && items.every((s) => !Number.isNaN(Number(s)))) return new Parameter(name, T.PARAMETER_DOUBLE_ARRAY, items.map(Number));
    return new Parameter(name, T.PARAMETER_STRING_ARRAY, items);
  }
  if (/^-?\d+$/.test(text)) return new Parameter(name, T.PARAMETER_INTEGER, BigInt(text));
  if (text !== '' && !Number.isNaN(Number(text))) return new Parameter(name, T.PARAMETER_DOUBLE, Number(text));
  if (text === 'true' || text === 'false') return new Parameter(name, T.PARAMETER_BOOL, text === 'true');
  return new Parameter(name, T.PARAMETER_STRING, text);
}

export class FakeNode {
  readonly parameters = new Map<string, Parameter>();
  readonly descriptors = new Map<string, ParameterDescriptor>();
  readonly subscriptions: FakeSubscription[] = [];
  readonly publishers: FakePublisher[] = [];
  readonly log: string[] = [];
  nowNs = 1_700_000_000_000_000_000n;
  spinning = false;
  destroyed = false;

  constructor(readonly nodeName: string, readonly ns: string, readonly overrides: readonly Parameter[]) {
    // lib/time_source.js declares use_sim_time on every node.
    this.declareParameter(new Parameter('use_sim_time', ParameterType.PARAMETER_BOOL, false));
  }
  name(): string { return this.nodeName; }
  namespace(): string { return this.ns; }
  getLogger() {
    const push = (level: string) => (m: string) => void this.log.push(`${level}: ${m}`);
    return { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
  }
  now() { return { nanoseconds: this.nowNs }; }
  getParameterOverrides(): Parameter[] { return [...this.overrides]; }
  hasParameter(name: string): boolean { return this.parameters.has(name); }
  getParameter(name: string): Parameter {
    return this.parameters.get(name) ?? new Parameter(name, ParameterType.PARAMETER_NOT_SET, undefined as never);
  }
  declareParameter(p: Parameter, d?: ParameterDescriptor, ignoreOverride = false): Parameter {
    const override = this.overrides.find((o) => o.name === p.name);
    const param = !ignoreOverride && override !== undefined ? override : p;
    if (this.parameters.has(param.name)) throw new Error(`Parameter(${param.name}) already declared.`);
    const desc = d ?? new ParameterDescriptor(param.name, param.type);
    if (desc.type !== param.type) throw new TypeError(`Parameter ${param.name}: type ${param.type} does not match descriptor type ${desc.type}`);
    if (desc.range !== null) {
      const okType = desc.range instanceof IntegerRange ? param.type === ParameterType.PARAMETER_INTEGER : param.type === ParameterType.PARAMETER_DOUBLE;
      if (!okType) throw new Error(`Incompatible Range for parameter type (${param.name})`);
      if (!(desc.range as unknown as { inRange(v: unknown): boolean }).inRange(param.value)) throw new RangeError(`Parameter ${param.name}: ${String(param.value)} out of range`);
    }
    this.parameters.set(param.name, param);
    this.descriptors.set(param.name, desc);
    return param;
  }
  createSubscription(typeClass: string, topic: string, options: RclEntityOptions, callback: (b: Buffer) => void) {
    const sub = { typeClass, topic, options, callback };
    this.subscriptions.push(sub);
    return { topic };
  }
  createPublisher(typeClass: string, topic: string, options?: RclEntityOptions) {
    const sent: Buffer[] = [];
    const pub: FakePublisher = {
      typeClass, topic, options, sent,
      publish(m: Buffer) {
        // rclnodejs publishes a Buffer raw and serialises anything else from a message object: refuse the latter.
        if (!Buffer.isBuffer(m)) throw new TypeError(`${topic}: publish() got ${Object.prototype.toString.call(m)}, not a Buffer`);
        sent.push(Buffer.from(m));
      },
    };
    this.publishers.push(pub);
    return pub;
  }
  readonly timers: { period: bigint; callback: (info?: { expectedCallTime?: bigint; actualCallTime?: bigint }) => void; cancelled: boolean }[] = [];
  createTimer(period: bigint, callback: (info?: { expectedCallTime?: bigint; actualCallTime?: bigint }) => void) {
    if (typeof period !== 'bigint') throw new TypeError('period must be a bigint (ns)');
    const timer = { period, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }
  spin(): void { this.spinning = true; }
  stop(): void { this.spinning = false; }
  destroy(): void { this.destroyed = true; }
  /** Delivers raw CDR bytes to every subscription on `topic` (as the executor would). */
  deliver(topic: string, bytes: Uint8Array): number {
    const subs = this.subscriptions.filter((s) => s.topic === topic);
    for (const s of subs) s.callback(Buffer.from(bytes));
    return subs.length;
  }
  publisher(topic: string): FakePublisher {
    const p = this.publishers.find((x) => x.topic === topic);
    if (p === undefined) throw new Error(`no publisher on ${topic}; have ${this.publishers.map((x) => x.topic).join(', ')}`);
    return p;
  }
}

/** A fresh fake module; `nodes` collects every Node created, `argv` what init() received. */
export function makeFakeRclnodejs() {
  const state = { nodes: [] as FakeNode[], argv: null as string[] | null, shutdown: false, signalHandlersRemoved: false };
  const mod = {
    state,
    async init(_context?: unknown, argv: string[] = process.argv) {
      if (state.argv !== null) throw new Error('The context has already been initialized.');
      state.argv = [...argv];
    },
    removeROSArgs(argv: string[]): string[] {
      const out: string[] = [];
      let inRos = false;
      for (const a of argv) {
        if (a === '--ros-args') inRos = true;
        else if (inRos && a === '--') inRos = false;
        else if (!inRos) out.push(a);
      }
      return out;
    },
    removeSignalHandlers() { state.signalHandlersRemoved = true; },
    shutdown() { state.shutdown = true; },
    isShutdown() { return state.shutdown; },
    Node: class extends FakeNode {
      constructor(name: string, namespace = '') {
        super(name, namespace, parseRosArgOverrides(state.argv ?? []));
        state.nodes.push(this);
      }
    },
    NodeOptions: class { constructor(readonly startParameterServices = true) {} },
    Parameter,
    ParameterDescriptor,
    ParameterType,
    FloatingPointRange,
    IntegerRange,
    QoS,
  };
  // Type-check the fake against the adapter's view of rclnodejs.
  const typed: RclModule = mod;
  void typed;
  return mod;
}
