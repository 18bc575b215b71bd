import { pino } from 'pino';
import { createLogger, type Logger } from '../logger.js';
import { invocationIds } from './invocation.js';

/**
 * The functions' logger: each line is on stdout before the call that logs it returns
 * (Lambda freezes the sandbox once the handler answers, and a line still buffered would
 * wait for the next invocation, or be lost with the sandbox), and each carries the ids
 * of its invocation. Synchronous writes cost little here: a few lines an invocation.
 */
export const createLambdaLogger = (level: string): Logger =>
  createLogger(level, {
    destination: pino.destination({ dest: 1, sync: true }),
    mixin: invocationIds,
  });
