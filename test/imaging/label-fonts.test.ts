import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Labels need a font, and a Lambda function has none: the bundle carries assets/fonts
// (DejaVu Sans and a fontconfig file naming only its folder), FONTCONFIG_FILE points
// at it. Here, a Node process that sees only the fonts a config names draws a line of
// W and a line of i: real glyphs make the W line far wider; with no font, Pango draws
// a box per character and both lines are as wide.

const FONTS_CONF = new URL('../../assets/fonts/fonts.conf', import.meta.url).pathname;

const WIDTHS = `
import { fittedText } from ${JSON.stringify(new URL('../../src/imaging/labels.ts', import.meta.url).pathname)};
const wide = await fittedText('WWWWWWWW', 14, 10000);
const narrow = await fittedText('iiiiiiii', 14, 10000);
console.log(JSON.stringify([wide.width, narrow.width]));
`;

async function widthsWith(fontconfigFile: string): Promise<[number, number]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', WIDTHS],
    { env: { PATH: process.env.PATH ?? '', FONTCONFIG_FILE: fontconfigFile } },
  );
  return JSON.parse(stdout);
}

describe('the fonts labels are drawn with', () => {
  it('are the bundled ones when FONTCONFIG_FILE names them, as on Lambda', async () => {
    const [wide, narrow] = await widthsWith(FONTS_CONF);
    expect(wide).toBeGreaterThan(2 * narrow);
  });

  it('would be boxes without a font: the check above can tell', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-fonts-'));
    const conf = join(empty, 'fonts.conf');
    writeFileSync(conf, `<?xml version="1.0"?>\n<fontconfig><dir>${empty}</dir></fontconfig>\n`);
    const [wide, narrow] = await widthsWith(conf);
    expect(wide).toBeLessThanOrEqual(narrow * 1.2);
  });
});
