export { AppConfig, type CxoneAccountSettings } from './app-config';
export { ConfigModule } from './config.module';
export { AppRole, ConfigError, environmentVariableNames } from './env.validation';
export { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from './defaults';
export { loadConfigOrExit } from './load';
