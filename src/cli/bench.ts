// `oneflow bench [--json]` — a benchmark, not a test (style.md §9): (a) raw onnxruntime vs node tick latency on the
// student, (b) teacher vs student through the same runtime, (c) deadline misses over N ticks at each rate with the
// other core kept busy; (m) with --all-models: every shipped model in one run (docs/results/table1.md reads it).
// Models: --student/--teacher, else the shipped keypoint pair in --models-dir (methods oneflow / ddpm, state-only
// before image policies), else the fixture models (then the ratio says nothing about the paper's claim; the report
// says so).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, loadavg, setPriority } from 'node:os';
import { BENCH_DRIVERS, deadlineBench, type BenchDriver, type DeadlineResult } from '../bench/deadlineBench.js';
import { formatStats } from '../bench/latencyStats.js';
import { overheadBench } from '../bench/overheadBench.js';
import { soakBench } from '../bench/soakBench.js';
import { startBusyCore } from '../bench/busyCore.js';
import { teacherStudentBench } from '../bench/teacherStudentBench.js';
import { allModelsBench, ratioToTeacher } from '../bench/allModelsBench.js';
import { pickModel, shippedModels } from '../bench/shippedModels.js';
import { OnnxPolicy } from '../policy/onnxPolicy.js';
import { UsageError } from '../errors.js';
import { parseCommandLine } from './parseCommandLine.js';

const USAGE = `usage: oneflow bench [--json] [--out FILE] [--student M.onnx] [--teacher M.onnx] [--models-dir models]
                    [--n 2000] [--teacher-n 30] [--ticks 500] [--rates 10,50,100] [--no-busy] [--only a,b,c] [--nice N]
       oneflow bench --all-models [--models-dir models] [--teacher-n 30] [--n 2000] [--out FILE]
  default models: the shipped keypoint pair in --models-dir (DDPM teacher, OneFlow student; image policies only
      when no keypoint pair is shipped), else the fixture models
  (a) raw onnxruntime vs node tick latency (student), n samples each
  (b) teacher vs student inference latency through the same worker runtime
  (c) deadline misses over --ticks ticks per rate, another process spinning on the other core
  (s) soak, only when asked (--only s): --soak-ticks ticks (default 1000000) of the student as fast as possible on
      simulated time, RSS, heap and tick p50/p99 per --soak-window ticks (default 10000)
  (m) --all-models: every policy in --models-dir, one after the other in this one run, through the same worker as
      (b): --teacher-n samples for multi-call samplers, min(--n, 500) for one-call policies; runs (m) only
  --quiet   print nothing (use with --out)
  --driver=D    (c): timer (default) = a periodic timer wakes the live node's TickScheduler via timerDriver, as
                oneflow run's ROS timer does; loop = runLoop sleeps until each slot (same scheduler)
  --spin-sec=S  (c), loop driver: yield-spin this long before each slot (default 0.0005; 0 = timer only)
  --nice=N  run at this nice value (e.g. -10, needs privileges), set before the worker starts so it inherits it —
            the deployment knob for a real-time node on a shared CPU; the busy-core child keeps nice 0
`;

const FIXTURES = 'test/fixtures/models';

/** The bench's options, checked (UsageError naming the flag and the value otherwise). */
type BenchArgs = {
  json: boolean;
  quiet: boolean;
  out: string | undefined;
  student: string | undefined;
  teacher: string | undefined;
  modelsDir: string;
  n: number;
  teacherN: number;
  ticks: number;
  rates: number[];
  noBusy: boolean;
  spinSec: number;
  driver: BenchDriver;
  soakTicks: number;
  soakWindow: number;
  only: Set<string>;
  nice: number | null;
};

/** The options, or null for --help. */
function parseBenchArgs(argv: string[]): BenchArgs | null {
  const { values } = parseCommandLine({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      student: { type: 'string' },
      teacher: { type: 'string' },
      'models-dir': { type: 'string', default: 'models' },
      'all-models': { type: 'boolean', default: false },
      n: { type: 'string', default: '2000' },
      'teacher-n': { type: 'string', default: '30' },
      ticks: { type: 'string', default: '500' },
      rates: { type: 'string', default: '10,50,100' },
      'no-busy': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      'spin-sec': { type: 'string', default: '0.0005' },
      driver: { type: 'string', default: 'timer' },
      'soak-ticks': { type: 'string', default: '1000000' },
      'soak-window': { type: 'string', default: '10000' },
      only: { type: 'string', default: 'a,b,c' },
      nice: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const int = (name: string, v: string): number => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < 1) throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
    return x;
  };
  const rates = values.rates.split(',').map((r) => {
    const x = Number(r);
    if (!(x > 0 && x <= 1000)) throw new UsageError(`--rates entries must be in (0, 1000] Hz, got '${r}'`);
    return x;
  });
  const spinSec = Number(values['spin-sec']);
  if (!(spinSec >= 0 && spinSec < 0.01)) throw new UsageError(`--spin-sec must be in [0, 0.01) s, got '${values['spin-sec']}'`);
  if (values['all-models'] && argv.some((a) => a === '--only' || a.startsWith('--only='))) {
    throw new UsageError(`--all-models runs section (m) only; drop --only '${values.only}'`);
  }
  const driver = values.driver as BenchDriver;
  if (!BENCH_DRIVERS.includes(driver)) throw new Error(`--driver must be one of ${BENCH_DRIVERS.join(', ')}, got '${values.driver}'`);
  let nice: number | null = null;
  if (values.nice !== undefined) {
    nice = Number(values.nice);
    if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new UsageError(`--nice must be an integer in [-20, 19], got '${values.nice}'`);
  }
  return {
    json: values.json,
    quiet: values.quiet,
    out: values.out,
    student: values.student,
    teacher: values.teacher,
    modelsDir: values['models-dir'],
    n: int('n', values.n),
    teacherN: int('teacher-n', values['teacher-n']),
    ticks: int('ticks', values.ticks),
    rates,
    noBusy: values['no-busy'],
    spinSec,
    driver,
    soakTicks: int('soak-ticks', values['soak-ticks']),
    soakWindow: int('soak-window', values['soak-window']),
    only: new Set(values['all-models'] ? ['m'] : values.only.split(',')),
    nice,
  };
}

type Say = (msg: string) => void;

async function sectionOverhead(student: string, a: BenchArgs, say: Say, log: Say): Promise<unknown> {
  const r = await overheadBench(student, a.n, log);
  log('');
  say(`\n(a) raw onnxruntime (main thread)  ${formatStats(r.raw)}`);
  say(`    node tick (worker, full tick)   ${formatStats(r.tick)}`);
  say(`    inference inside the worker     ${formatStats(r.workerInference)}`);
  say(
    `    tick overhead (paired tick i − raw i, interleaved one by one): p50 ${(r.overheadP50Sec * 1e3).toFixed(3)} ms (target ≤ 0.300 ms: ${r.overheadP50Sec <= 0.0003 ? 'met' : 'MISSED'}), p99 ${(r.overheadP99Sec * 1e3).toFixed(3)} ms`,
  );
  say(
    `    CPU time overhead (process, paired): p50 ${(r.pairedCpuOverhead.p50 * 1e3).toFixed(3)} ms, p90 ${(r.pairedCpuOverhead.p90 * 1e3).toFixed(3)} ms (load average ${loadavg()[0]!.toFixed(1)})`,
  );
  return r;
}

async function sectionTeacherStudent(teacher: string, student: string, a: BenchArgs, say: Say): Promise<unknown> {
  const b = await teacherStudentBench(teacher, student, a.teacherN, Math.max(a.teacherN, Math.min(a.n, 500)));
  say(`\n(b) teacher ${b.teacher.method} (${b.teacher.networkCalls} network calls)  ${formatStats(b.teacher.inference)}`);
  say(`    student ${b.student.method} (${b.student.networkCalls} network call)  ${formatStats(b.student.inference)}`);
  say(`    speed-up p50 ${b.ratioP50.toFixed(1)}× (target ≥ 80×: ${b.ratioP50 >= 80 ? 'met' : 'MISSED'}), p99 ${b.ratioP99.toFixed(1)}×`);
  return b;
}

async function sectionDeadline(student: string, a: BenchArgs, say: Say, log: Say): Promise<DeadlineResult[]> {
  const policy = await OnnxPolicy.create({ modelPath: student, warmupRuns: 20 });
  const runs: DeadlineResult[] = [];
  try {
    for (const rate of a.rates) {
      const busy = a.noBusy ? null : startBusyCore();
      try {
        const c = await deadlineBench(policy, student, rate, a.ticks, log, a.spinSec, a.driver);
        runs.push(c);
        log('');
        say(
          `\n(c) ${rate} Hz (${a.driver} driver), deadline ${(c.deadlineSec * 1e3).toFixed(1)} ms, ${c.ticks} ticks${busy === null ? '' : ', other core busy'}: ${c.deadlineMisses} deadline misses, ${c.skippedSlots} skipped slots`,
        );
        say(`    outcomes ${JSON.stringify(c.outcomes)}; tick ${formatStats(c.tick)}; start lateness ${formatStats(c.startLate)}`);
      } finally {
        await busy?.stop();
      }
    }
  } finally {
    await policy.close();
  }
  return runs;
}

async function sectionSoak(student: string, a: BenchArgs, say: Say, log: Say): Promise<unknown> {
  const s = await soakBench(student, a.soakTicks, a.soakWindow, log);
  log('');
  say(`\n(s) soak ${s.ticks} ticks in ${s.wallSec.toFixed(0)} s, outcomes ${JSON.stringify(s.outcomes)}`);
  say(
    `    RSS after warm-up (${s.warmupTicks} ticks) ${s.rssAfterWarmupMB.toFixed(1)} MB, last ${s.rssLastMB.toFixed(1)} MB, max ${s.rssMaxAfterWarmupMB.toFixed(1)} MB: growth ${s.rssGrowthMB.toFixed(2)} MB (target < 5 MB: ${s.rssGrowthMB < 5 ? 'met' : 'MISSED'})`,
  );
  say(`    tick p99 first window after warm-up ${s.p99FirstMs.toFixed(3)} ms, last ${s.p99LastMs.toFixed(3)} ms`);
  return s;
}

async function sectionAllModels(shipped: Awaited<ReturnType<typeof shippedModels>>, a: BenchArgs, say: Say, log: Say): Promise<unknown> {
  if (shipped.length === 0) throw new UsageError(`--all-models: no policy ONNX files in --models-dir '${a.modelsDir}'`);
  const m = await allModelsBench(shipped, a.teacherN, Math.max(a.teacherN, Math.min(a.n, 500)), log);
  log('');
  say(`\n(m) every policy in ${a.modelsDir} through the same worker runtime (inference inside the worker):`);
  for (const r of m.models) {
    const ratio = ratioToTeacher(m, shipped, r.model);
    say(
      `    ${r.model} ${r.method} (${r.networkCalls} calls)  ${formatStats(r.inference)}${ratio === null ? '' : `  DDPM teacher / this p50 ${ratio.toFixed(1)}×`}`,
    );
  }
  return m;
}

export async function main(argv: string[]): Promise<number> {
  const a = parseBenchArgs(argv);
  if (a === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (a.nice !== null) setPriority(a.nice); // this thread; threads created later (the inference worker) inherit it
  const shipped = await shippedModels(a.modelsDir);
  const student = a.student ?? pickModel(shipped, 'oneflow') ?? join(FIXTURES, 'tiny_onestep.onnx');
  const teacher = a.teacher ?? pickModel(shipped, 'ddpm') ?? join(FIXTURES, 'tiny_ddpm100.onnx');
  const quiet = a.json || a.quiet;
  const log: Say = (msg) => {
    if (!quiet) process.stderr.write(`\r${msg}   `);
  };
  const say: Say = (msg) => {
    if (!quiet) process.stdout.write(`${msg}\n`);
  };
  const result: Record<string, unknown> = {
    nice: a.nice,
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', loadavg1m: loadavg()[0], node: process.version },
    models: { student, teacher, fixtures: student.startsWith(FIXTURES) || teacher.startsWith(FIXTURES) },
  };
  say(
    `oneflow bench — ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)} (a shared machine makes every figure noisy)${a.nice === null ? '' : `, nice ${a.nice}`}`,
  );
  say(`student ${student}\nteacher ${teacher}`);
  if (a.only.has('a')) result['overhead'] = await sectionOverhead(student, a, say, log);
  if (a.only.has('b')) result['teacherStudent'] = await sectionTeacherStudent(teacher, student, a, say);
  if (a.only.has('c')) result['deadline'] = await sectionDeadline(student, a, say, log);
  if (a.only.has('s')) result['soak'] = await sectionSoak(student, a, say, log);
  if (a.only.has('m')) result['allModels'] = await sectionAllModels(shipped, a, say, log);
  if (a.json && !a.quiet) process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  if (a.out !== undefined) await writeFile(a.out, `${JSON.stringify(result, null, 1)}\n`);
  return 0;
}
