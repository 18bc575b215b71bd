/** Counts and sizes in words a person reads at a glance: the CLI and the web page share them. */

const UNITS = ['bytes', 'KB', 'MB', 'GB'] as const;

/** "812 bytes", "1.5 MB", "150 KB" (powers of 1000, as file managers show them). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** "1 image", "3 images" */
export const plural = (count: number, word: string): string =>
  `${count} ${word}${count === 1 ? '' : 's'}`;
