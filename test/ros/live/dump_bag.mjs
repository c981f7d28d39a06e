// Dumps a bag's messages as JSON lines {topic, logTimeNs, data (base64 CDR)} with the project's own bag reader, for
// the rclpy publisher of the live test (the ROS venv has no MCAP reader). Usage: node dump_bag.mjs <bag> topic...
import { BagReader } from '../../../dist/src/bag/bagReader.js';

const [bagPath, ...topics] = process.argv.slice(2);
const bag = await BagReader.open(bagPath);
for await (const m of bag.messages(topics)) {
  process.stdout.write(`${JSON.stringify({ topic: m.topic, logTimeNs: String(m.logTimeNs), data: Buffer.from(m.data).toString('base64') })}\n`);
}
