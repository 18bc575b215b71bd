import { pino } from 'pino';

export type Logger = pino.Logger;

/** One JSON object a line on stdout, as CloudWatch and log shippers expect. */
export const createLogger = (level: string): Logger =>
  pino({ level, base: { service: 'gridbuilder' }, timestamp: pino.stdTimeFunctions.isoTime });
