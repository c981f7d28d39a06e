// The human-readable replay summary (the JSON form is ReplaySummary itself).
import type { ReplaySummary } from './replayRunner.js';

const ms = (x: number | null) => (x === null ? '—' : `${x.toFixed(3)} ms`);

export function formatSummary(s: ReplaySummary): string {
  const outcomes = Object.entries(s.ticks.by_outcome)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `replay      ${s.bag}`,
    `model       ${s.model.name} (${s.model.method}${s.model.model_id !== '' ? `, id ${s.model.model_id}` : ''})`,
    `simulated   ${s.simulated_sec.toFixed(1)} s of bag time in ${s.wall_sec.toFixed(2)} s wall`,
    `ticks       ${s.ticks.total}: ${outcomes}`,
    ...Object.entries(s.ticks.first_not_ok).map(([k, v]) => `  first ${k}: ${v}`),
    `published   ${s.published.chunks} chunks (${s.published.fallback_chunks} fallback), ${s.published.trajectories} trajectories`,
    `inference   p50 ${ms(s.latency.inference.p50_ms)}, p99 ${ms(s.latency.inference.p99_ms)}, max ${ms(s.latency.inference.max_ms)} (n=${s.latency.inference.n})`,
    `tick        p50 ${ms(s.latency.tick.p50_ms)}, p99 ${ms(s.latency.tick.p99_ms)}, max ${ms(s.latency.tick.max_ms)} (n=${s.latency.tick.n})`,
    `watchdog    final ${s.watchdog.final_state}; transitions ${
      Object.entries(s.watchdog.counts)
        .map(([k, v]) => `${k} ×${v}`)
        .join(', ') || 'none'
    }`,
  ];
  for (const t of s.watchdog.transitions.slice(0, 10)) {
    lines.push(`  tick ${t.tick} @ ${formatNsString(t.time_ns)}: ${t.from} → ${t.to} (${t.outcome}${t.detail !== '' ? `: ${t.detail}` : ''})`);
  }
  if (s.watchdog.transitions.length > 10) lines.push(`  … ${s.watchdog.transitions.length - 10} more in the JSON summary`);
  const r = s.rmse_vs_teleop;
  lines.push(
    r === null
      ? 'rmse        — (no recorded commands: the teleop topic is missing or not a sensor_msgs/JointState)'
      : `rmse        ${r.rmse === null ? '—' : r.rmse.toFixed(3)} ${r.units} vs ${r.topic} over ${r.matched_steps} steps (${r.unmatched_steps} not covered by a chunk)`,
  );
  const problems = Object.entries(s.input.problems);
  lines.push(`input       ${problems.length === 0 ? 'no problems' : problems.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const p of s.input.problem_examples.slice(0, 5)) lines.push(`  ${p.kind}: ${p.message}`);
  if (s.interrupted) lines.push('interrupted before the last tick (Ctrl-C): the numbers cover the ticks run');
  if (s.verdict !== null) lines.push(`verdict     ${s.verdict}`);
  if (s.output_bag !== null) lines.push(`output bag  ${s.output_bag}`);
  return lines.join('\n') + '\n';
}

function formatNsString(ns: string): string {
  const n = BigInt(ns);
  return `${n / 1_000_000_000n}.${(n % 1_000_000_000n).toString().padStart(9, '0')} s`;
}
