/**
 * `npm start`: sizes libuv's thread pool before any ES module loads (see
 * src/thread-pool.ts), then starts the server.
 */
import threadPool = require('../thread-pool.js');

threadPool.sizeThreadPool();
void import('./main.js');
