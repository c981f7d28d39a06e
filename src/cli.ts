#!/usr/bin/env node
// `oneflow <command>`: one entry point; each command lives in `src/cli/<name>.ts` and exports
// `main(argv: string[]): Promise<number>`. Commands are imported only when they run, so `inspect` never loads
// onnxruntime and nothing but `run` ever touches rclnodejs. Exit statuses are the same for every command
// (docs/errors.md): a OneflowError exits with its code's status, anything else with 1.
import { suggestionSuffix } from './config/didYouMean.js';
import { EXIT_STATUS, exitStatusOf } from './oneflowError.js';

const COMMANDS: Record<string, string> = {
  run: 'run the policy node on a ROS 2 host (needs rclnodejs and a sourced ROS 2)',
  replay: 'replay a rosbag2 MCAP bag through the node core and summarise it',
  inspect: 'print an ONNX policy: signature, metadata, parameters, FLOPs, sha256',
  bench: 'benchmark raw inference vs node tick, teacher vs student, deadline misses',
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, help]) => `  ${name.padEnd(8)} ${help}`);
  return `usage: oneflow <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nexit statuses: docs/errors.md\n`;
}

/** Runs one command; returns its exit status. `name` is set once the command is known (for error prefixes). */
async function main(argv: string[], where: { name: string }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '-h' || name === '--help') {
    process.stdout.write(usage());
    return EXIT_STATUS.OK;
  }
  if (name === undefined) {
    process.stderr.write(`oneflow: a command is required\n\n${usage()}`);
    return EXIT_STATUS.USAGE;
  }
  if (!(name in COMMANDS)) {
    process.stderr.write(`oneflow: unknown command '${name}'${suggestionSuffix(name, Object.keys(COMMANDS))}\n\n${usage()}`);
    return EXIT_STATUS.USAGE;
  }
  where.name = `oneflow ${name}`;
  const module = (await import(`./cli/${name}.js`)) as { main: (argv: string[]) => Promise<number> };
  return module.main(rest);
}

const where = { name: 'oneflow' };
main(process.argv.slice(2), where).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${where.name}: ${message}\n`);
    if (process.env.ONEFLOW_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
    process.exitCode = exitStatusOf(err);
  },
);
