import cliProgress from 'cli-progress';

/** Shows a build's tiles placed on stderr while the server builds in the background. */
export interface BuildProgress {
  update(tilesDone: number, tilesTotal: number): void;
  /** Ends the bar (whether the build ended well or not). */
  stop(): void;
}

/**
 * A bar where a person watches (stderr a terminal, not --json); elsewhere, as in logs and
 * CI, a line at each tenth of the way, so a long build shows it is alive without flooding.
 */
export function buildProgress(grid: string, bar: boolean): BuildProgress {
  return bar ? progressBar() : progressLines(grid);
}

function progressBar(): BuildProgress {
  const bar = new cliProgress.SingleBar(
    {
      format: ' Building {bar} {value}/{total} tiles',
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    update(done, total) {
      if (!bar.isActive) return bar.start(total, done);
      bar.setTotal(total);
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}

function progressLines(grid: string): BuildProgress {
  let lastTenth = -1;
  return {
    update(done, total) {
      const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (tenth <= lastTenth) return;
      lastTenth = tenth;
      process.stderr.write(`Building grid ${grid}: ${done} of ${total} tiles (${tenth * 10}%)\n`);
    },
    stop() {},
  };
}
