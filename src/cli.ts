#!/usr/bin/env node
// `oneflow <command>`: one entry point; each command lives in `src/cli/<name>.ts` and exports
// `main(argv: string[]): Promise<number>`. Commands are imported only when they run, so `inspect` never loads
// onnxruntime and nothing but `run` ever touches rclnodejs.

const COMMANDS: Record<string, string> = {
  run: 'run the policy node on a ROS 2 host (needs rclnodejs and a sourced ROS 2)',
  replay: 'replay a rosbag2 MCAP bag through the node core and summarise it',
  inspect: 'print an ONNX policy: signature, metadata, parameters, FLOPs, sha256',
  bench: 'benchmark raw inference vs node tick, teacher vs student, deadline misses',
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, help]) => `  ${name.padEnd(8)} ${help}`);
  return `usage: oneflow <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(usage());
    return 0;
  }
  if (!(name in COMMANDS)) {
    process.stderr.write(`oneflow: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const module = (await import(`./cli/${name}.js`)) as { main: (argv: string[]) => Promise<number> };
  return module.main(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`oneflow: ${message}\n`);
    process.exitCode = 1;
  },
);
