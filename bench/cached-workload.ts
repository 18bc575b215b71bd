import { GRIDBUILDER_SERVER, median, runJsonChild, startServerChild, TSX } from './child.js';
import type { Row } from './report.js';

const WORKLOAD = 'cached rebuild (16 @ 700)';
const TARGET_MS = 20;

/** A build asked again with nothing changed: in-process and over HTTP, both answered from the cache. */
export async function runCachedWorkload(dataDir: string, quick: boolean): Promise<Row[]> {
  console.error('Workload cached rebuild...');
  const count = quick ? 5 : 20;
  const row = (variant: string, ms: number): Row => ({
    workload: WORKLOAD,
    variant,
    ms,
    target: `< ${TARGET_MS} ms median`,
    pass: ms < TARGET_MS,
  });
  const inProcess = await runJsonChild([
    ...TSX,
    'bench/service-build.ts',
    dataDir,
    'bench-16',
    '700',
    '1',
    `${count}`,
  ]);
  const rows = [row('GridService in-process', median(inProcess.cachedMs ?? []))];

  const server = await startServerChild(GRIDBUILDER_SERVER, {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'info',
  });
  try {
    const times: number[] = [];
    for (let run = 0; run < count + 1; run++) {
      const start = performance.now();
      const response = await fetch(
        `${server.url}/generate_grid?uniqueGridId=bench-16&tileSize=700`,
        { method: 'POST' },
      );
      await response.json();
      times.push(performance.now() - start);
    }
    rows.push(row('HTTP server, request to answer', median(times.slice(1))));
  } finally {
    await server.stop();
  }
  return rows;
}
