import type { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino, LevelWithSilent } from 'pino';

/**
 * A Nest LoggerService writing one JSON line per message through pino (the standalone simulator has no request
 * logging of its own: per-request lines would cost more than the simulated work).
 */
export class SimulatorJsonLogger implements LoggerService {
  private readonly pino: Pino;

  constructor(level: LevelWithSilent) {
    this.pino = pino({
      level,
      base: { service: 'cxone-simulator' },
      formatters: { level: (label: string) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    });
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context (the class name) as the last string parameter. */
  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]) {
    const rest = [...params];
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (level === 'error' && typeof rest[0] === 'string' && rest[0].includes('\n')) fields.stack = rest.shift();
    if (message instanceof Error) {
      fields.err = { message: message.message, stack: message.stack };
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
