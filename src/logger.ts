import { pino } from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  /** Where lines go; default: pino's own stdout destination, written asynchronously. */
  destination?: pino.DestinationStream | undefined;
  /** Fields added to every line, read as the line is written. */
  mixin?: (() => object) | undefined;
}

/** One JSON object a line on stdout, as CloudWatch and log shippers expect. */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const settings: pino.LoggerOptions = {
    level,
    base: { service: 'gridbuilder' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(options.mixin ? { mixin: options.mixin } : {}),
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
