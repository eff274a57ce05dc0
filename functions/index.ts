// The one build's entry point: every function registers itself here, and
// `--target=<name>` (or the deployed entry point) picks one.
import './validate/function.js';
import './enrich/function.js';
import './sink-bigquery/function.js';
import './sink-firestore/function.js';
import './sink-deadletter/function.js';
