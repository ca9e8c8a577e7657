// Reads of an order never lag its writes: the server caches order rows, so
// after a write is answered every read must show it, also while other reads
// of the same order run concurrently.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { cleanup, createShop } from './harness.mjs';
import { startOrdersServer, client } from './orders-helpers.mjs';

after(cleanup);

let srv, c;
before(async () => {
  srv = await startOrdersServer();
  c = client(srv, createShop(srv.dbPath, 'Cache shop').secret_key);
});

test('after each cancel or receive is answered, every read shows it, with reads racing', async () => {
  for (let i = 0; i < 20; i++) {
    const order = await c.create({ amount: 100 + i });
    for (let k = 0; k < 3; k++) assert.equal((await c.getOrder(order.id, 'minimum')).status, 'issued');
    let racing = true;
    const readers = Array.from({ length: 4 }, async () => {
      let seen = 0;
      while (racing) {
        const r = await c.get(`/v1/orders/${order.id}`);
        assert.equal(r.status, 200, r.text);
        assert.ok(['issued', 'cancelled', 'received'].includes(r.json.status), r.text);
        seen++;
      }
      return seen;
    });
    const action = i % 2 ? 'receive' : 'cancel';
    const w = await c.post(`/v1/orders/${order.id}/${action}`);
    assert.equal(w.status, 200, w.text);
    const expected = action === 'cancel' ? 'cancelled' : 'received';
    // read-your-writes: the very next reads show the change
    for (let k = 0; k < 5; k++) assert.equal((await c.getOrder(order.id, 'full')).status, expected);
    racing = false;
    const seen = await Promise.all(readers);
    assert.ok(seen.every((n) => n > 0));
    // and it stays so
    assert.equal((await c.getOrder(order.id, 'minimum')).status, expected);
    assert.equal((await c.getOrder(order.id, 'full')).version, 2);
  }
});

test('an order created and read at once is found, and a missing one stays missing', async () => {
  const created = await Promise.all(Array.from({ length: 30 }, (_, i) => c.create({ amount: 500 + i })));
  const reads = await Promise.all(created.map((o) => c.getOrder(o.id, 'minimum')));
  reads.forEach((r, i) => assert.equal(r.amount, 500 + i));
  const missing = await c.get('/v1/orders/ord_00000000000000000000dead');
  assert.equal(missing.status, 404);
});
