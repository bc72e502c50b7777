import { AppConfig } from './app-config';
import { ConfigError } from './env.validation';

/** For entry points: the validated configuration, or (on a bad value) the message naming it and exit code 1. */
export function loadConfigOrExit(source: Record<string, string | undefined> = process.env): AppConfig {
  try {
    return AppConfig.load(source);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
