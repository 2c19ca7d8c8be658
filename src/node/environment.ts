import { existsSync } from 'node:fs';
import { type Config, parseConfig } from '../config';

/** Reads `.env` (when present; real environment variables win) and parses the config. */
export function loadNodeConfig(envFile = '.env'): Config {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return parseConfig(process.env);
}
