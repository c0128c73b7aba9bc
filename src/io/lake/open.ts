// Open the lake a stage's settings name. The stack profile's S3 lake joins here.
import type { Lake } from './lake.js';
import { LocalLake } from './local-lake.js';

export type LakeSettings = { kind: 'local'; root: string } | { kind: 's3'; endpoint: string; accessKey: string; secretKey: string; region: string };

export function openLake(s: LakeSettings): Lake {
  switch (s.kind) {
    case 'local':
      return new LocalLake(s.root);
    case 's3':
      throw new Error('the S3 lake arrives with the stack profile (issue 4); set LAKE to a local directory');
    default: {
      const never: never = s;
      throw new Error(`unknown lake ${JSON.stringify(never)}`);
    }
  }
}
