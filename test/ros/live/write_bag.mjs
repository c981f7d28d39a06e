// Writes JSON lines {topic, type, logTimeNs, data (base64 CDR)} into a rosbag2 MCAP bag with the project's own bag
// writer, in log-time order — the live test's record of what it published and received, for `oneflow replay` and
// the Python recompute (the ROS venv has no MCAP writer). Usage: node write_bag.mjs <out dir> <file.jsonl>
import { readFileSync } from 'node:fs';
import { BagWriter } from '../../../dist/src/bag/bagWriter.js';

const [outDir, linesPath] = process.argv.slice(2);
const records = readFileSync(linesPath, 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l));
records.sort((a, b) => (BigInt(a.logTimeNs) < BigInt(b.logTimeNs) ? -1 : BigInt(a.logTimeNs) > BigInt(b.logTimeNs) ? 1 : 0));
const bag = await BagWriter.create(outDir);
const added = new Set();
for (const r of records) {
  if (!added.has(r.topic)) {
    await bag.addTopic(r.topic, r.type);
    added.add(r.topic);
  }
  await bag.writeRaw(r.topic, BigInt(r.logTimeNs), Buffer.from(r.data, 'base64'));
}
await bag.close();
process.stdout.write(`${records.length} messages on ${added.size} topics -> ${outDir}\n`);
