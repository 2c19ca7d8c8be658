import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OnetJobData, onetJobDataFromJson } from './demo-jobs';

const dataFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/onet-jobs.json');

/** The compact O*NET-derived file the demo generator needs (see data/NOTICE.md). */
export function loadOnetJobData(file = dataFile): OnetJobData {
  return onetJobDataFromJson(JSON.parse(readFileSync(file, 'utf8')));
}
