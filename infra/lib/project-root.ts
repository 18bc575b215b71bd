import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: the Lambda code and the built page are found from here. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
