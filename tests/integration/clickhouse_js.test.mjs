// The official ClickHouse JavaScript client (@clickhouse/client) against a
// real furld: ping, DDL through command(), insert() and query() with the
// JSONEachRow format, query parameters, the JSON format, and errors.
//
//   npm ci && FURLD=build/bin/furld node --test tests/integration/clickhouse_js.test.mjs
//
// furld is started on a free loopback port with a temporary data directory
// and stopped by its PID when the tests end, also when they fail.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createClient } from '@clickhouse/client';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const furldPath = process.env.FURLD || path.join(repoRoot, 'build', 'bin', 'furld');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts furld with `extraArgs` and resolves once GET /ping returns 200. */
async function startFurld(extraArgs = []) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'furl-js-test-'));
  const logPath = path.join(workDir, 'furld.log');
  const log = fs.openSync(logPath, 'a');
  const port = await freePort();
  const child = spawn(furldPath, ['--data-dir', path.join(workDir, 'data'), '--http-port', String(port), '--native-port', '0', ...extraArgs], {
    stdio: ['ignore', log, log],
  });
  // Stop furld even if the test process exits without running after().
  const stopOnExit = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
  process.on('exit', stopOnExit);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/ping`);
      if (response.status === 200) return { child, url, workDir, logPath, stopOnExit };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  const tail = fs.readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
  throw new Error(`furld at ${furldPath} did not respond to GET /ping within 60 s; log:\n${tail}`);
}

async function stopFurld(server) {
  const exited = new Promise((resolve) => {
    if (server.child.exitCode !== null) resolve();
    else server.child.once('exit', resolve);
  });
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  process.off('exit', server.stopOnExit);
  fs.rmSync(server.workDir, { recursive: true, force: true });
}

describe('@clickhouse/client against furld', () => {
  let server;
  let client;

  before(async () => {
    server = await startFurld();
    client = createClient({ url: server.url, request_timeout: 60_000 });
  });

  after(async () => {
    if (client) await client.close();
    if (server) await stopFurld(server);
  });

  test('ping succeeds', async () => {
    const result = await client.ping();
    assert.equal(result.success, true, `ping failed: ${result.error}`);
  });

  test('command creates a table', async () => {
    await client.command({
      query: `CREATE TABLE js_events (
                id UInt64, name String, score Float64, tag Nullable(String), t DateTime64(3)
              ) ENGINE = MergeTree ORDER BY id`,
    });
    const result = await client.query({ query: 'SHOW TABLES', format: 'JSONEachRow' });
    const tables = (await result.json()).map((row) => Object.values(row)[0]);
    assert.ok(tables.includes('js_events'), `SHOW TABLES returned ${JSON.stringify(tables)}`);
  });

  test('insert with JSONEachRow stores the rows', async () => {
    await client.insert({
      table: 'js_events',
      format: 'JSONEachRow',
      values: [
        { id: 1, name: 'alpha', score: 1.5, tag: null, t: '2015-09-12 00:46:58.771' },
        { id: 2, name: 'beta', score: -0.25, tag: 'x', t: '2015-09-12 01:00:00.000' },
        { id: 3, name: 'gamma "quoted"', score: 100, tag: null, t: '2015-09-12 02:00:00.500' },
      ],
    });
    const result = await client.query({
      query: 'SELECT id, name, score, tag, t FROM js_events ORDER BY id',
      format: 'JSONEachRow',
    });
    const rows = await result.json();
    // 64-bit integers arrive as strings, as ClickHouse sends them by default
    // (output_format_json_quote_64bit_integers=1); compare their values.
    assert.deepEqual(
      rows.map((row) => ({ ...row, id: Number(row.id) })),
      [
        { id: 1, name: 'alpha', score: 1.5, tag: null, t: '2015-09-12 00:46:58.771' },
        { id: 2, name: 'beta', score: -0.25, tag: 'x', t: '2015-09-12 01:00:00.000' },
        { id: 3, name: 'gamma "quoted"', score: 100, tag: null, t: '2015-09-12 02:00:00.500' },
      ],
    );
  });

  test('64-bit integers are quoted in JSON as ClickHouse does', async () => {
    const result = await client.query({
      query: 'SELECT toUInt64(18446744073709551615) AS big, toInt32(7) AS small',
      format: 'JSONEachRow',
    });
    assert.deepEqual(await result.json(), [{ big: '18446744073709551615', small: 7 }]);
  });

  test('aggregates over inserted rows', async () => {
    const result = await client.query({
      query: 'SELECT count(*) AS c, sum(score) AS total, count(tag) AS tagged FROM js_events',
      format: 'JSONEachRow',
    });
    const [row] = await result.json();
    assert.deepEqual({ c: Number(row.c), total: row.total, tagged: Number(row.tagged) },
      { c: 3, total: 101.25, tagged: 1 });
  });

  test('a second insert appends 1000 rows', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => ({
      id: 1000 + i, name: `row ${i}`, score: i, tag: i % 2 ? 'odd' : null, t: '2015-09-13 00:00:00.000',
    }));
    await client.insert({ table: 'js_events', format: 'JSONEachRow', values });
    const result = await client.query({
      query: 'SELECT count(*) AS c, sum(score) AS total, count(tag) AS tagged FROM js_events WHERE id >= 1000',
      format: 'JSONEachRow',
    });
    const [row] = await result.json();
    assert.deepEqual({ c: Number(row.c), total: row.total, tagged: Number(row.tagged) },
      { c: 1000, total: 499500, tagged: 500 });
  });

  test('query parameters are bound on the server', async () => {
    const result = await client.query({
      query: 'SELECT name FROM js_events WHERE id = {id:UInt64} OR name = {name:String} ORDER BY id',
      query_params: { id: 1, name: 'beta' },
      format: 'JSONEachRow',
    });
    assert.deepEqual(await result.json(), [{ name: 'alpha' }, { name: 'beta' }]);
  });

  test('the JSON format carries meta, data and rows', async () => {
    const result = await client.query({
      query: 'SELECT name, score FROM js_events WHERE id <= 2 ORDER BY id',
      format: 'JSON',
    });
    const document = await result.json();
    assert.deepEqual(document.meta, [{ name: 'name', type: 'String' }, { name: 'score', type: 'Float64' }]);
    assert.deepEqual(document.data, [{ name: 'alpha', score: 1.5 }, { name: 'beta', score: -0.25 }]);
    assert.equal(document.rows, 2);
  });

  test('errors reject with the ClickHouse code and the table name', async () => {
    await assert.rejects(
      client.query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' }),
      (error) => {
        assert.match(error.message, /no_such_table/);
        assert.equal(error.code, '60');
        return true;
      },
    );
    await assert.rejects(
      client.query({ query: 'SELEC 1', format: 'JSONEachRow' }),
      (error) => {
        assert.equal(error.code, '62');
        return true;
      },
    );
  });

  test('server responds after an error', async () => {
    const result = await client.query({ query: 'SELECT count(*) AS c FROM js_events', format: 'JSONEachRow' });
    const [row] = await result.json();
    assert.equal(Number(row.c), 1003);
  });
});

describe('@clickhouse/client with credentials', () => {
  let server;

  before(async () => {
    server = await startFurld(['--user', 'analyst', '--password', 'secret']);
  });

  after(async () => {
    if (server) await stopFurld(server);
  });

  test('right password runs queries', async () => {
    const client = createClient({ url: server.url, username: 'analyst', password: 'secret' });
    try {
      const result = await client.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' });
      const rows = await result.json();
      assert.equal(rows.length, 1);
      assert.equal(Number(rows[0].one), 1);
    } finally {
      await client.close();
    }
  });

  test('wrong password rejects with code 516', async () => {
    const client = createClient({ url: server.url, username: 'analyst', password: 'wrong' });
    try {
      await assert.rejects(
        client.query({ query: 'SELECT 1', format: 'JSONEachRow' }),
        (error) => {
          assert.equal(error.code, '516');
          assert.match(error.message, /Authentication failed/);
          return true;
        },
      );
    } finally {
      await client.close();
    }
  });
});
