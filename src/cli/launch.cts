#!/usr/bin/env node
/**
 * The `gridbuilder` command: sizes libuv's thread pool before any ES module loads (see
 * src/thread-pool.ts), for `gridbuilder serve`, then runs the command line.
 */
import threadPool = require('../thread-pool.js');

threadPool.sizeThreadPool();
void import('./main.js');
