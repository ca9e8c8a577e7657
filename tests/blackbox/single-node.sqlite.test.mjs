// One SQLite database is served by one process only: the order row cache
// relies on it. SQLite only (the .sqlite. in the name: tests/run leaves it
// out of the PostgreSQL pass, where many nodes share one database).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, cleanup, ms } from './harness.mjs';
import { startOrdersServer } from './orders-helpers.mjs';

after(cleanup);

let srv;
before(async () => {
  srv = await startOrdersServer();
});

test('a second obol serve on the same SQLite file refuses to start', () => {
  const second = spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', '--database', srv.dbPath],
    { encoding: 'utf8', timeout: ms(10000) });
  assert.notEqual(second.status, 0);
  assert.match(second.stderr, /already served/);
});
