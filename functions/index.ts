// The one build's entry point: every function registers itself here, and
// `--target=<name>` (or the deployed entry point) picks one.
import { config } from './lib/config.js';
import { installForFrameworkCli } from './lib/request-guard.js';
import './validate/function.js';
import './enrich/function.js';
import './sink-bigquery/function.js';
import './sink-firestore/function.js';
import './sink-deadletter/function.js';

// Parse and validate the environment when the instance starts, so a bad
// variable fails the deploy's health check with a ConfigError naming it,
// instead of failing (and being retried) on every message.
config();
// The request size cap and body budget (request-guard.ts), in front of the framework's server.
installForFrameworkCli();
