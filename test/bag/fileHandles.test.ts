// The bag reader keeps one file handle per .mcap file (@mcap/nodejs FileHandleReadable) until close(), and none
// after a refused open. Its own file (its own process): handles leaked by other tests would be closed by the garbage
// collector at random moments and change the count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BagReader } from '../../src/bag/bagReader.js';
import { FIXTURE_BAG, FIXTURE_MCAP, tempDir } from './helpers.js';

async function count(bag: BagReader): Promise<number> {
  let n = 0;
  for await (const _ of bag.messages()) n++;
  return n;
}

test(
  'one file handle per bag file, open until close(); a refused file leaves none open',
  { skip: process.platform !== 'linux' && 'counts /proc/self/fd' },
  async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const bag = await BagReader.open(FIXTURE_BAG);
    assert.equal(fds(), before + 1);
    assert.equal(await count(bag), 196); // read through the one handle
    assert.equal(fds(), before + 1);
    await bag.close();
    assert.equal(fds(), before);
    const dir = tempDir();
    writeFileSync(join(dir, 'old.db3'), Buffer.from('SQLite format 3\0........'));
    await assert.rejects(BagReader.open(join(dir, 'old.db3')), /sqlite3/);
    const cut = join(dir, 'cut.mcap');
    writeFileSync(cut, readFileSync(FIXTURE_MCAP).subarray(0, 500_000));
    const recovered = await BagReader.open(cut);
    await recovered.close();
    assert.equal(fds(), before);
  },
);
