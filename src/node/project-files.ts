// The project's own folders (migrations/, public/), found from this module's
// place: two folders below the project root both as source (src/node/) and
// built (dist/node/, where `npm run build` bundles it), so one line serves both.
import { fileURLToPath } from 'node:url';

export const projectPath = (relative: string): string => fileURLToPath(new URL(`../../${relative}`, import.meta.url));
