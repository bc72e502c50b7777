export { AppConfig, SIMULATOR_CHAT_CHANNEL_ID, SIMULATOR_INTEGRATION_ID } from './app-config';
export {
  accountSettingsProblems,
  connectionFingerprint,
  type CxoneAccountSettings,
  DEFAULT_DFO_BASE_TEMPLATE,
  DEFAULT_RATE_LIMIT_PER_SECOND,
  sameConnection,
} from './cxone-account-settings';
export { ConfigModule } from './config.module';
export { AppRole, ConfigError, environmentVariableNames } from './env.validation';
export { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from './defaults';
export { loadConfigOrExit } from './load';
