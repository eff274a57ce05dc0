export { stopAllStarted } from '../../tools/lib/process-group.js';
