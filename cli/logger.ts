import pino, { type Logger } from 'pino';
import type { Config } from '../config/env.js';

/** Every process logs structured JSON through pino, tagged with its role. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, role: string): Logger {
  return pino({
    level: config.LOG_LEVEL,
    base: { role },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], censor: '[redacted]' },
  });
}
