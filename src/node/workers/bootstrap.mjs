// The entry of every pool thread (src/node/pool.ts): TypeScript through tsx, then the task module
// named in workerData. Node 20 does not carry the parent's `--import tsx` loader into worker
// threads, so each thread registers it (a thread that already has it is not harmed).
import { workerData } from 'piscina';
import { register } from 'tsx/esm/api';

register();
const task = await import(workerData.module);
export default task.default;
