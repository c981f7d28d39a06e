// A stand-in for the rclnodejs 2.x module, shaped like its API (rclnodejs@2.2.0 types/*.d.ts, lib/parameter.js,
// lib/node.js), for the ROS adapter tests on a machine without ROS. It reproduces the behaviour the adapter
// depends on: INTEGER parameters are bigint and validated as such; FloatingPointRange's step defaults to 1;
// declareParameter applies overrides unless ignoreOverride, checks type and range, refuses redeclaration; the node
// declares use_sim_time itself; raw subscriptions deliver Buffers; publish() of a Buffer is raw, anything else is
// serialised (here: refused, so a test notices); QoS profiles are the same strings.
// Parameter overrides as 2.2.0 resolves them (lib/node.js _getNativeParameterOverrides, checked against a real
// build, docs/deploy.md §8): rcl parses `-p` and `--params-file` into per-node-key entries (keys as written, in the
// order first met; the addon's getParameterOverrides); the Node applies only `/**` and then the bare node name — a
// launch_ros `/oneflow_policy:` key is ignored. `-r __node:=` / `__ns:=` remaps rename the node.
// Time (lib/time_source.js): with use_sim_time the node's clock reads 0 until a /clock message reaches the
// TimeSource's own subscription, which is RELIABLE — a best-effort /clock publisher (`ros2 bag play --clock`)
// never reaches it; deliver() models that QoS incompatibility.
import { readFileSync } from 'node:fs';
import type {
  RclEntityOptions,
  RclModule,
  RclNodeParameterOverrides,
  RclParameter,
  RclParameterValue,
  RclRange,
  RclTime,
  RclTimeMsg,
} from '../../src/transport/rclnodejsApi.js';

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
    case T.PARAMETER_BOOL:
      return typeof value === 'boolean';
    case T.PARAMETER_INTEGER:
      return typeof value === 'bigint';
    case T.PARAMETER_DOUBLE:
      return typeof value === 'number';
    case T.PARAMETER_STRING:
      return typeof value === 'string';
    case T.PARAMETER_BOOL_ARRAY:
      return every('boolean');
    case T.PARAMETER_INTEGER_ARRAY:
      return every('bigint');
    case T.PARAMETER_DOUBLE_ARRAY:
      return every('number');
    case T.PARAMETER_STRING_ARRAY:
      return every('string');
    default:
      return false;
  }
}

export class Parameter implements RclParameter {
  constructor(
    readonly name: string,
    readonly type: number,
    public value: RclParameterValue,
  ) {
    // lib/parameter.js: an INTEGER given as a number becomes a bigint (the addon hands integers over as numbers).
    if (type === ParameterType.PARAMETER_INTEGER && typeof value === 'number' && Number.isInteger(value)) this.value = value = BigInt(value);
    if (!validValue(value, type)) throw new TypeError(`Parameter ${name}: value ${String(value)} (${typeof value}) is not of type ${type}`);
  }
}

class Range {
  constructor(
    readonly fromValue: number | bigint,
    readonly toValue: number | bigint,
    readonly step: number | bigint,
  ) {}
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

export type FakeSubscription = { typeClass: string; topic: string; options: RclEntityOptions; callback: (m: never) => void };
export type Reliability = 'reliable' | 'best_effort';

/** A subscription's reliability from its QoS profile (the sensor-data profile is best effort, the others reliable). */
function reliabilityOf(options: RclEntityOptions | undefined): Reliability {
  return options?.qos === QoS.profileSensorData ? 'best_effort' : 'reliable';
}
export type FakePublisher = { typeClass: string; topic: string; options: RclEntityOptions | undefined; sent: Buffer[]; publish(m: Buffer): void };

/** What rcl parses from `--ros-args`: `-p [node:]name:=value` and `--params-file file.yaml`, as per-node-key entries
 * in the order each key was first met (a later value for a key replaces the earlier one in place). */
export function parseRosArgOverrides(argv: readonly string[]): RclNodeParameterOverrides[] {
  const entries: { name: string; parameters: Parameter[] }[] = [];
  const set = (key: string, p: Parameter) => {
    let entry = entries.find((e) => e.name === key);
    if (entry === undefined) entries.push((entry = { name: key, parameters: [] }));
    const at = entry.parameters.findIndex((q) => q.name === p.name);
    if (at >= 0) entry.parameters[at] = p;
    else entry.parameters.push(p);
  };
  let inRos = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--ros-args') inRos = true;
    else if (a === '--') inRos = false;
    if (!inRos) continue;
    if (a === '-p' || a === '--param') {
      const rule = argv[++i] ?? '';
      const [lhs = '', text = ''] = rule.split(':=');
      const colon = lhs.lastIndexOf(':');
      set(colon >= 0 ? lhs.slice(0, colon) : '/**', yamlParameter(lhs.slice(colon + 1), text));
    } else if (a === '--params-file') {
      for (const [key, params] of readParamsFile(argv[++i] ?? '')) for (const p of params) set(key, p);
    }
  }
  return entries;
}

/** The params-file YAML this project writes (and launch_ros writes): `<node key>:` / `  ros__parameters:` /
 * `    name: scalar | [a, b]`, comments, quoted strings. Enough for the tests; rcl parses the real thing. */
function readParamsFile(path: string): [string, Parameter[]][] {
  const out: [string, Parameter[]][] = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, '');
    if (line.trim() === '') continue;
    const key = /^(\S.*):\s*$/.exec(line);
    if (key !== null) {
      out.push([unquote(key[1]!), []]);
      continue;
    }
    const item = /^\s{4,}([A-Za-z_][A-Za-z0-9_.]*):\s*(.*)$/.exec(line);
    if (item !== null) out.at(-1)![1].push(yamlParameter(item[1]!, item[2]!.trim()));
  }
  return out;
}

function unquote(text: string): string {
  return /^(['"]).*\1$/.test(text) ? text.slice(1, -1) : text;
}

function yamlParameter(name: string, text: string): Parameter {
  const T = ParameterType;
  if (text.startsWith('[') && text.endsWith(']')) {
    const items = text
      .slice(1, -1)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (items.length > 0 && items.every((s) => /^-?\d+$/.test(s))) return new Parameter(name, T.PARAMETER_INTEGER_ARRAY, items.map(BigInt));
    if (items.length > 0 && items.every((s) => !Number.isNaN(Number(s)))) return new Parameter(name, T.PARAMETER_DOUBLE_ARRAY, items.map(Number));
    return new Parameter(name, T.PARAMETER_STRING_ARRAY, items);
  }
  if (/^-?\d+$/.test(text)) return new Parameter(name, T.PARAMETER_INTEGER, BigInt(text));
  if (text !== '' && !Number.isNaN(Number(text))) return new Parameter(name, T.PARAMETER_DOUBLE, Number(text));
  if (text === 'true' || text === 'false') return new Parameter(name, T.PARAMETER_BOOL, text === 'true');
  return new Parameter(name, T.PARAMETER_STRING, unquote(text));
}

export class FakeNode {
  readonly parameters = new Map<string, Parameter>();
  readonly descriptors = new Map<string, ParameterDescriptor>();
  readonly subscriptions: FakeSubscription[] = [];
  readonly publishers: FakePublisher[] = [];
  readonly log: string[] = [];
  /** System time of the fake, ns; the node's clock reads it unless use_sim_time is on. */
  nowNs = 1_700_000_000_000_000_000n;
  /** Under use_sim_time: the last time set on the ROS clock (0 until a /clock message arrives). */
  simTimeNs: bigint | null = null;
  spinning = false;
  destroyed = false;
  readonly overrides: readonly Parameter[];

  constructor(
    readonly nodeName: string,
    readonly ns: string,
    entries: readonly RclNodeParameterOverrides[],
  ) {
    // lib/node.js _getNativeParameterOverrides: `/**` first, then the bare node name; nothing else.
    const merged = new Map<string, Parameter>();
    for (const key of ['/**', nodeName]) {
      for (const p of entries.find((e) => e.name === key)?.parameters ?? []) merged.set(p.name, p as Parameter);
    }
    this.overrides = [...merged.values()];
    // lib/time_source.js declares use_sim_time on every node and, when true, subscribes /clock (default QoS:
    // reliable) and reads ROS time from it.
    const simTime = this.declareParameter(new Parameter('use_sim_time', ParameterType.PARAMETER_BOOL, false));
    if (simTime.value === true) this.#startSimTime();
  }
  #startSimTime(): void {
    if (this.simTimeNs !== null) return;
    this.simTimeNs = 0n;
    this.createSubscription<{ clock: RclTimeMsg }>('rosgraph_msgs/msg/Clock', '/clock', {}, (m) => {
      this.simTimeNs = timeNs(m.clock);
    });
  }
  setParameter(p: Parameter): { successful: boolean } {
    const d = this.descriptors.get(p.name);
    if (d === undefined || d.readOnly || d.type !== p.type) return { successful: false };
    this.parameters.set(p.name, p);
    if (p.name === 'use_sim_time' && p.value === true) this.#startSimTime();
    return { successful: true };
  }
  name(): string {
    return this.nodeName;
  }
  namespace(): string {
    return this.ns;
  }
  getLogger() {
    const push = (level: string) => (m: string) => void this.log.push(`${level}: ${m}`);
    return { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
  }
  now() {
    return { nanoseconds: this.simTimeNs ?? this.nowNs };
  }
  getClock() {
    const node = this; // eslint-disable-line @typescript-eslint/no-this-alias
    return {
      set rosTimeOverride(time: RclTime) {
        if (node.simTimeNs !== null) node.simTimeNs = time.nanoseconds;
      },
    };
  }
  getParameterOverrides(): Parameter[] {
    return [...this.overrides];
  }
  hasParameter(name: string): boolean {
    return this.parameters.has(name);
  }
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
      if (!(desc.range as unknown as { inRange(v: unknown): boolean }).inRange(param.value))
        throw new RangeError(`Parameter ${param.name}: ${String(param.value)} out of range`);
    }
    this.parameters.set(param.name, param);
    this.descriptors.set(param.name, desc);
    return param;
  }
  createSubscription<M = Buffer>(typeClass: string, topic: string, options: RclEntityOptions, callback: (m: M) => void) {
    const sub: FakeSubscription = { typeClass, topic, options, callback: callback as (m: never) => void };
    this.subscriptions.push(sub);
    return { topic };
  }
  createPublisher(typeClass: string, topic: string, options?: RclEntityOptions) {
    const sent: Buffer[] = [];
    const pub: FakePublisher = {
      typeClass,
      topic,
      options,
      sent,
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
  spin(): void {
    this.spinning = true;
  }
  stop(): void {
    this.spinning = false;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Delivers raw CDR bytes to every raw subscription on `topic` the publisher's reliability matches (a
   * best-effort publisher never reaches a reliable subscription); returns how many got it. */
  deliver(topic: string, bytes: Uint8Array, publisher: Reliability = 'reliable'): number {
    return this.#deliver(topic, publisher, true, Buffer.from(bytes));
  }
  /** The same for decoded-message subscriptions (no isRaw), e.g. rosgraph_msgs/msg/Clock. */
  deliverMessage(topic: string, message: unknown, publisher: Reliability = 'reliable'): number {
    return this.#deliver(topic, publisher, false, message);
  }
  #deliver(topic: string, publisher: Reliability, raw: boolean, payload: unknown): number {
    const subs = this.subscriptions.filter(
      (s) => s.topic === topic && (s.options.isRaw === true) === raw && !(publisher === 'best_effort' && reliabilityOf(s.options) === 'reliable'),
    );
    for (const s of subs) s.callback(payload as never);
    return subs.length;
  }
  publisher(topic: string): FakePublisher {
    const p = this.publishers.find((x) => x.topic === topic);
    if (p === undefined) throw new Error(`no publisher on ${topic}; have ${this.publishers.map((x) => x.topic).join(', ')}`);
    return p;
  }
}

function timeNs(msg: RclTimeMsg): bigint {
  return BigInt(msg.sec) * 1_000_000_000n + BigInt(msg.nanosec);
}

/** The value of the last `-r <key>:=value` (or `-r node:<key>:=`) remap rule in the --ros-args sections. */
function remap(argv: readonly string[], key: '__node' | '__ns'): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '-r' && argv[i] !== '--remap') continue;
    const [lhs = '', rhs] = (argv[i + 1] ?? '').split(':=');
    if (lhs.split(':').at(-1) === key && rhs !== undefined) value = rhs;
  }
  return value;
}

/** A fresh fake module; `nodes` collects every Node created, `argv` what init() received. */
export function makeFakeRclnodejs() {
  const context = { kind: 'rcl context handle' };
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
    removeSignalHandlers() {
      state.signalHandlersRemoved = true;
    },
    shutdown() {
      state.shutdown = true;
    },
    isShutdown() {
      return state.shutdown;
    },
    Node: class extends FakeNode {
      constructor(name: string, namespace = '') {
        const argv = state.argv ?? [];
        super(remap(argv, '__node') ?? name, remap(argv, '__ns') ?? namespace, parseRosArgOverrides(argv));
        state.nodes.push(this);
      }
    },
    Context: { defaultContext: () => ({ handle: context }) },
    Time: { fromMsg: (msg: RclTimeMsg) => ({ nanoseconds: timeNs(msg) }) },
    /** The addon's getParameterOverrides(context.handle) (lib/native_loader.js): plain objects, INTEGER values as
     * numbers (not bigint), or undefined when there are none. */
    getParameterOverrides(handle: unknown): RclNodeParameterOverrides[] | undefined {
      if (handle !== context) throw new TypeError('not the default context handle');
      const entries = parseRosArgOverrides(state.argv ?? []).map((e) => ({
        name: e.name,
        parameters: e.parameters.map((p) => ({
          name: p.name,
          type: p.type,
          value: (p.type === ParameterType.PARAMETER_INTEGER ? Number(p.value) : p.value) as RclParameterValue,
        })),
      }));
      return entries.length === 0 ? undefined : entries;
    },
    NodeOptions: class {
      constructor(readonly startParameterServices = true) {}
    },
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
