// The seed's stack, as a benchmark peer for psm: Node.js + Express in cluster mode, each worker
// answering GET /api/v1/stations/:id with the station's status JSON kept in Redis under
// "station:<id>" (loaded by bench/run.py from psm's own bodies, so both serve the same bytes).
//
//   PORT=8081 REDIS_URL=redis://127.0.0.1:6379 WORKERS=2 node server.js
'use strict';

const cluster = require('node:cluster');

const port = Number(process.env.PORT || 8081);
const workers = Number(process.env.WORKERS || 2);
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

if (cluster.isPrimary) {
  let online = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', () => {
    online += 1;
    // One line the bench waits for: every worker accepts connections.
    if (online === workers) console.log(`ready ${port}`);
  });
  cluster.on('exit', (worker, code, signal) => {
    console.error(`worker ${worker.process.pid} exited (${signal || code})`);
    process.exitCode = 1;
  });
  const stop = () => {
    for (const id in cluster.workers) cluster.workers[id].process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const express = require('express');
  const { createClient } = require('redis');

  const redis = createClient({ url: redisUrl });
  redis.on('error', (err) => console.error('redis:', err.message));

  const app = express();
  app.disable('x-powered-by');
  app.get('/api/v1/stations/:id', async (req, res) => {
    try {
      const body = await redis.get(`station:${req.params.id}`);
      if (body === null) {
        res.status(404).type('application/problem+json').send(
          JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404 }));
        return;
      }
      res.set('Cache-Control', 'public, max-age=10').type('application/json').send(body);
    } catch (err) {
      res.status(503).type('application/problem+json').send(
        JSON.stringify({ type: 'about:blank', title: 'Unavailable', status: 503, detail: err.message }));
    }
  });

  redis.connect().then(() => {
    app.listen(port, '127.0.0.1');
  }, (err) => {
    console.error('redis connect:', err.message);
    process.exit(1);
  });
  process.on('SIGTERM', () => process.exit(0));
}
