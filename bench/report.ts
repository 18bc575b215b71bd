import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './child.js';

export interface Row {
  workload: string;
  variant: string;
  /** Median milliseconds (or the figure named in `note`). */
  ms?: number;
  peakRssBytes?: number;
  vsLab?: number;
  vsMinimal?: number;
  target?: string;
  pass?: boolean;
  note?: string;
}

const MB = 1024 * 1024;

export function formatTable(rows: readonly Row[]): string {
  const header = [
    'workload',
    'variant',
    'time',
    'peak RSS',
    'vs lab',
    'vs sharp',
    'target',
    'pass',
  ];
  const body = rows.map((row) => [
    row.workload,
    row.variant,
    row.ms === undefined ? '-' : formatMs(row.ms),
    row.peakRssBytes === undefined ? '-' : `${Math.round(row.peakRssBytes / MB)} MB`,
    row.vsLab === undefined ? '-' : `${row.vsLab.toFixed(2)}x`,
    row.vsMinimal === undefined ? '-' : `${row.vsMinimal.toFixed(2)}x`,
    row.target ?? '-',
    row.pass === undefined ? '' : row.pass ? 'pass' : 'FAIL',
  ]);
  const lines = [header, header.map(() => '---'), ...body].map(
    (cells) => `| ${cells.join(' | ')} |`,
  );
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.workload}, ${r.variant}: ${r.note}`);
  return [lines.join('\n'), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

function formatMs(ms: number) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

export function machineSummary(): string {
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 1024 ** 3)} GB RAM, Node ${process.version}, load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

/** Writes the run as JSON under bench/results/ (gitignored); returns the file. */
export async function saveResults(data: object): Promise<string> {
  const dir = join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(data, null, 2)}\n`;
  await writeFile(file, text);
  await writeFile(join(dir, 'latest.json'), text);
  return file;
}
