// Complete payments per second through the headless API: each of N
// concurrent loops creates an order, pays it with the approved test card
// and reads it back (3 requests, 3 durable commits). Also measures, in the
// same run and with the same client, POST /v1/orders alone, for a ratio.
// usage: node bench/payments.mjs BASE_URL SECRET_KEY [SECONDS] [CONNECTIONS]
import http from 'node:http';

const [base, key, seconds = '5', connections = '32'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const url = new URL(base);

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : null;
    const req = http.request({
      host: url.hostname, port: url.port, method, path, agent,
      headers: { Authorization: `Bearer ${key}`,
        ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

const ORDER = { client: { email: 'bench@example.com' }, products: [{ price: '12.50', title: 'Tea' }], currency: 'EUR' };
const PAY = { payment_method: 'card', ip_address: '203.0.113.7',
  card: { number: '4242424242424242', exp_month: 12, exp_year: 2035, cvc: '123' } };

async function payment(latencies) {
  const started = process.hrtime.bigint();
  const created = await call('POST', '/v1/orders', ORDER);
  if (created.status !== 201) throw new Error(`create ${created.status} ${created.body}`);
  const id = JSON.parse(created.body).id;
  const paid = await call('POST', `/v1/orders/${id}/pay`, PAY);
  if (paid.status !== 200 || JSON.parse(paid.body).status !== 'paid')
    throw new Error(`pay ${paid.status} ${paid.body}`);
  const read = await call('GET', `/v1/orders/${id}`);
  if (read.status !== 200 || JSON.parse(read.body).status !== 'paid')
    throw new Error(`read ${read.status} ${read.body}`);
  latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
}

async function order(latencies) {
  const started = process.hrtime.bigint();
  const created = await call('POST', '/v1/orders', ORDER);
  if (created.status !== 201) throw new Error(`create ${created.status}`);
  latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
}

async function measure(name, work) {
  const latencies = [];
  const until = Date.now() + Number(seconds) * 1000;
  const loops = Array.from({ length: Number(connections) }, async () => {
    while (Date.now() < until) await work(latencies);
  });
  const started = Date.now();
  await Promise.all(loops);
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
  const rate = latencies.length / elapsed;
  console.log(`${name}: ${rate.toFixed(0)}/s at ${connections} connections, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
  return rate;
}

await measure('warm-up', order);
const orders = await measure('orders created (1 request)', order);
const payments = await measure('complete payments (create + pay + read)', payment);
console.log(`payments/s over orders/s in this run: ${(payments / orders).toFixed(2)}`);
agent.destroy();
