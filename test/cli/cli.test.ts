import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type Box, justifiedPlacement } from '../../src/core/layout.js';
import { type RunningServer, startServer } from '../../src/server/start-server.js';
import {
  BLUE,
  GREEN,
  near,
  noisyPng,
  pixelAt,
  RED,
  solidImage,
  subjectNearLeftEdge,
  YELLOW,
} from '../support/images.js';
import { labCalls } from '../support/local-server.js';
import { addImages } from '../support/many-images.js';
import { runCli, runCliInTerminal, useCli } from '../support/run-cli.js';

let server: RunningServer;
const { work, urlArgs, gridbuilder } = useCli(() => server.url);
/** "METHOD /path" of every request the server answered, from its own request log. */
const requests: string[] = [];

beforeAll(async () => {
  const config = loadConfig({ PORT: '0', DATA_DIR: join(work, 'data'), LOG_LEVEL: 'info' });
  const log = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        const entry = JSON.parse(line);
        if (entry.msg === 'request') requests.push(`${entry.method} ${entry.path}`);
      },
    },
  );
  server = await startServer(config, log);
});
afterAll(async () => {
  await server?.close();
});

describe('gridbuilder add, ls, build', () => {
  let photos: string;
  let big: Buffer;

  beforeAll(async () => {
    photos = join(work, 'photos');
    mkdirSync(join(photos, 'more'), { recursive: true });
    writeFileSync(join(photos, '1-red.jpg'), await solidImage(RED, 160, 120));
    writeFileSync(join(photos, '2-green.jpg'), await solidImage(GREEN, 120, 160));
    writeFileSync(join(photos, '3-blue.jpg'), await solidImage(BLUE, 200, 200));
    writeFileSync(join(photos, 'notes.txt'), 'shopping list: not a photo');
    writeFileSync(join(photos, 'more', '4-yellow.png'), await solidImage(YELLOW, 90, 90, 'png'));
    big = await noisyPng();
    writeFileSync(join(photos, 'more', '5-big.png'), big);
  });

  it('adds a folder, skipping the non-image with a warning, and exits 0', async () => {
    expect(big.length).toBeGreaterThan(4 * 1024 * 1024);
    requests.length = 0;
    const result = await gridbuilder('add', 'trip', [photos, '--concurrency', '1']);
    expect(result.stderr).toMatch(
      /skipping .*notes\.txt: not an image of a format GridBuilder reads/,
    );
    expect(result.stdout).toContain('Added 5 of 5 images to grid trip');
    expect(result.stdout).toContain('1 skipped');
    expect(result.code).toBe(0);
    // Four small images in one request each; the big one in the two-step upload.
    expect(requests.filter((r) => r.startsWith('POST /add_image'))).toHaveLength(4);
    expect(requests.filter((r) => !r.startsWith('POST /add_image'))).toEqual([
      'POST /grids/trip/uploads',
      expect.stringMatching(/^PUT \/files\/source\/_uploads\/trip\/[0-9A-Z]{26}$/),
      expect.stringMatching(/^POST \/grids\/trip\/uploads\/[0-9A-Z]{26}\/confirm$/),
    ]);
  });

  it('lists the images in file order as JSON, the big one included (two-step upload)', async () => {
    const result = await gridbuilder('ls', 'trip', ['--json']);
    expect(result.code).toBe(0);
    const listing = JSON.parse(result.stdout);
    expect(listing.image_count).toBe(5);
    expect(listing.images.map((i: { width: number }) => i.width)).toEqual([
      160, 120, 200, 90, 1500,
    ]);
    expect(listing.images[4].image_size).toBe(big.length);
  });

  it('lists them for people too', async () => {
    const result = await gridbuilder('ls', 'trip');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^#\s+IMAGE_ID\s+SIZE/);
    expect(result.stdout).toContain('1500x1200');
    expect(result.stdout).toContain('5 images in grid trip.');
  });

  it("sends each file's base name, the two-step upload's too; ls shows them (text and JSON)", async () => {
    const listing = JSON.parse((await gridbuilder('ls', 'trip', ['--json'])).stdout);
    expect(listing.images.map((i: { name: string }) => i.name)).toEqual([
      '1-red.jpg',
      '2-green.jpg',
      '3-blue.jpg',
      '4-yellow.png',
      '5-big.png',
    ]);
    const table = (await gridbuilder('ls', 'trip')).stdout.split('\n');
    expect(table[0]).toMatch(/^#\s+IMAGE_ID\s+SIZE\s+FORMAT\s+BYTES\s+UPLOADED\s+NAME$/);
    expect(table[1]).toMatch(/^1\s+[0-9A-Z]{26}\s+160x120\s.*\s1-red\.jpg$/);
    expect(table[5]).toMatch(/^5\s+[0-9A-Z]{26}\s+1500x1200\s.*\s5-big\.png$/);
  });

  it('ls shows "-" for an image added without a name', async () => {
    const added = await labCalls(server.url).addImage('unnamed', await solidImage(RED, 20, 20));
    expect(added.status).toBe(200);
    const table = (await gridbuilder('ls', 'unnamed')).stdout.split('\n');
    expect(table[1]).toMatch(/^1\s+[0-9A-Z]{26}\s+20x20\s.*\s-$/);
    const listing = JSON.parse((await gridbuilder('ls', 'unnamed', ['--json'])).stdout);
    expect(listing.images[0].name).toBeNull();
  });

  it("refuses a file name the server cannot store, in the CLI's words, and adds the rest", async () => {
    const odd = join(work, 'odd-names');
    mkdirSync(odd, { recursive: true });
    writeFileSync(join(odd, 'bell\u0007.jpg'), await solidImage(RED, 20, 20));
    writeFileSync(join(odd, 'fine.jpg'), await solidImage(GREEN, 20, 20));
    const result = await gridbuilder('add', 'odd', [odd]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Added 1 of 2 images to grid odd');
    expect(result.stdout).toContain(
      "The file's name cannot be stored: rename the file (at most 255 characters, no control characters) and run gridbuilder add again.",
    );
  });

  it('builds with -o and saves a grid of the right size, tiles in file order', async () => {
    const out = join(work, 'trip.jpg');
    const result = await gridbuilder('build', 'trip', [
      '--tile-size',
      '40',
      '--columns',
      '3',
      '-o',
      out,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Saved ${out}: 120x80 px`);
    const image = readFileSync(out);
    const metadata = await sharp(image).metadata();
    expect(metadata).toMatchObject({ format: 'jpeg', width: 120, height: 80 });
    // Row-major in upload order: red, green, blue / yellow, noise.
    expect(near(await pixelAt(image, 20, 20), RED)).toBe(true);
    expect(near(await pixelAt(image, 60, 20), GREEN)).toBe(true);
    expect(near(await pixelAt(image, 100, 20), BLUE)).toBe(true);
    expect(near(await pixelAt(image, 20, 60), YELLOW)).toBe(true);
  });

  it('builds with --json, the default columns and another format', async () => {
    const result = await gridbuilder(
      'build',
      'trip',
      ['--tile-size', '50', '--format', 'png', '--json'],
      {
        cwd: work,
      },
    );
    expect(result.code).toBe(0);
    const built = JSON.parse(result.stdout);
    // floor(sqrt(5)) = 2 columns, 3 rows.
    expect(built).toMatchObject({
      message: 'built grid',
      width: 100,
      height: 150,
      columns: 2,
      rows: 3,
      image_count: 5,
      format: 'png',
      file: 'trip.png',
    });
    const saved = readFileSync(join(work, 'trip.png'));
    expect(saved.length).toBe(built.bytes);
    expect(await sharp(saved).metadata()).toMatchObject({ format: 'png', width: 100, height: 150 });
  });
});

describe('failures and exit codes', () => {
  it('exits 1 when an upload fails, with the server message, and still adds the rest', async () => {
    const folder = join(work, 'mixed');
    mkdirSync(folder);
    const good = await solidImage(RED);
    writeFileSync(join(folder, 'good.jpg'), good);
    // A JPEG header with the rest cut off: sniffed as an image, refused by the server.
    writeFileSync(join(folder, 'cut.jpg'), good.subarray(0, Math.floor(good.length / 2)));

    const human = await gridbuilder('add', 'mixed', [folder]);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/error: .*cut\.jpg: The image is truncated or corrupt/);
    expect(human.stdout).toContain('Added 1 of 2 images to grid mixed');
    expect(human.stdout).toContain('1 failed');

    const json = await gridbuilder('add', 'mixed-json', [folder, '--json']);
    expect(json.code).toBe(1);
    const summary = JSON.parse(json.stdout);
    expect(summary.added.map((a: { file: string }) => a.file)).toEqual([
      expect.stringMatching(/good\.jpg$/),
    ]);
    expect(summary.failed).toEqual([
      { file: expect.stringMatching(/cut\.jpg$/), message: expect.stringMatching(/truncated/) },
    ]);
  });

  it("exits 1 when building an empty grid, saying so in the CLI's words", async () => {
    const result = await gridbuilder('build', 'nothing-here', [], { cwd: work });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: Grid nothing-here has no images yet: add some first with gridbuilder add PHOTOS --grid nothing-here.\n',
    );
    expect(result.stderr).not.toMatch(/POST|add_image|uniqueGridId/); // the API's words
  });

  it('exits 2 when nothing given is an image', async () => {
    const result = await gridbuilder('add', 'x', [join(work, 'photos', 'notes.txt')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No images to upload');
  });

  it('exits 2 on a bad command line', async () => {
    const missing = await runCli(['ls', ...urlArgs()]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-g, --grid <id>' not specified");

    const badNumber = await gridbuilder('build', 'trip', ['--tile-size', 'big']);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('must be a whole number');

    const badGrid = await gridbuilder('ls', '../etc');
    expect(badGrid.code).toBe(2);
    expect(badGrid.stderr).toContain('The grid id must be 1-128 characters');

    const badFormat = await gridbuilder('build', 'trip', ['--format', 'bmp']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('Allowed choices are jpeg, png, webp, avif');

    const badUrl = await runCli(['ls', '--grid', 'trip', '--url', 'localhost:3000']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('must be an http:// or https:// URL');

    const rmNothing = await gridbuilder('rm', 'trip');
    expect(rmNothing.code).toBe(2);
    expect(rmNothing.stderr).toContain('--all');
  });

  it('exits 3 when the server cannot be reached, and reads GRIDBUILDER_URL', async () => {
    const result = await runCli(['ls', '--grid', 'trip'], {
      env: { GRIDBUILDER_URL: 'http://127.0.0.1:1' },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Could not reach http://127.0.0.1:1');

    const add = await runCli(['add', join(work, 'photos'), '--grid', 'trip'], {
      env: { GRIDBUILDER_URL: 'http://127.0.0.1:1' },
    });
    expect(add.code).toBe(3);
    expect(add.stderr.match(/Could not reach/g)).toHaveLength(1);
  });

  it('prints --help for every command and exits 0', async () => {
    for (const command of [[], ['serve'], ['add'], ['build'], ['ls'], ['rm']]) {
      const result = await runCli([...command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: gridbuilder');
      expect(result.stdout).toContain('--url <url>');
    }
  });
});

describe('gridbuilder rm', () => {
  it('removes named images, then the whole grid with --all', async () => {
    const folder = join(work, 'to-remove');
    mkdirSync(folder);
    for (const [name, colour] of [
      ['a', RED],
      ['b', GREEN],
      ['c', BLUE],
    ] as const) {
      writeFileSync(join(folder, `${name}.jpg`), await solidImage(colour));
    }
    expect((await gridbuilder('add', 'rm-me', [folder])).code).toBe(0);
    const before = JSON.parse((await gridbuilder('ls', 'rm-me', ['--json'])).stdout);
    const first = before.images[0].image_id;

    const removed = await gridbuilder('rm', 'rm-me', [first, '--json']);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ grid: 'rm-me', removed: [first] });
    const after = JSON.parse((await gridbuilder('ls', 'rm-me', ['--json'])).stdout);
    expect(after.image_count).toBe(2);
    expect(after.images.map((i: { image_id: string }) => i.image_id)).not.toContain(first);

    const again = await gridbuilder('rm', 'rm-me', [first]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `error: Grid rm-me has no image ${first} (removed already?): see gridbuilder ls --grid rm-me.\n`,
    );

    const all = await gridbuilder('rm', 'rm-me', ['--all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('Removed grid rm-me (2 images)');
    const empty = JSON.parse((await gridbuilder('ls', 'rm-me', ['--json'])).stdout);
    expect(empty.image_count).toBe(0);
  });
});

describe('failed uploads are named in the summary', () => {
  let folder: string;
  beforeAll(async () => {
    folder = join(work, 'some-fail');
    mkdirSync(folder);
    const good = await solidImage(GREEN);
    const cut = good.subarray(0, Math.floor(good.length / 2));
    // In name order, one failure in the middle and one as the very last file: the last
    // one's error was written to the progress bar's log, which drops what it has not
    // drawn yet when it stops.
    writeFileSync(join(folder, 'a-good.jpg'), good);
    writeFileSync(join(folder, 'b-cut.jpg'), cut);
    writeFileSync(join(folder, 'c-good.jpg'), good);
    writeFileSync(join(folder, 'z-cut.jpg'), cut);
  });

  const listed = (file: string) =>
    new RegExp(`\\n  \\S*${file}: The image is truncated or corrupt`);

  it('in a terminal: every error shows, and the summary lists each failed file and why', async () => {
    const result = await runCliInTerminal([
      'add',
      folder,
      '--grid',
      'some-fail-tty',
      '--concurrency',
      '1',
      ...urlArgs(),
    ]);
    expect(result.code).toBe(1);
    // The progress bar was drawn: this is the terminal case.
    expect(result.output).toMatch(/\d\/4 files/);
    for (const file of ['b-cut.jpg', 'z-cut.jpg']) {
      expect(result.output).toMatch(new RegExp(`error: \\S*${file}: The image is truncated`));
    }
    expect(result.output).toContain('Added 2 of 4 images to grid some-fail-tty');
    expect(result.output).toMatch(/2 failed:/);
    expect(result.output).toMatch(listed('b-cut.jpg'));
    expect(result.output).toMatch(listed('z-cut.jpg'));
  });

  it('off a terminal: the summary on stdout lists each failed file and why', async () => {
    const result = await gridbuilder('add', 'some-fail', [folder]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Added 2 of 4 images to grid some-fail');
    expect(result.stdout).toMatch(/2 failed:/);
    expect(result.stdout).toMatch(listed('b-cut.jpg'));
    expect(result.stdout).toMatch(listed('z-cut.jpg'));
  });
});

describe('gridbuilder build --crop', () => {
  it('cuts the tiles as asked: attention keeps a subject near the edge that the default center cuts off', async () => {
    const photos = join(work, 'subject');
    mkdirSync(photos, { recursive: true });
    writeFileSync(join(photos, 'subject.png'), await subjectNearLeftEdge());
    expect((await gridbuilder('add', 'cropped', [photos])).code).toBe(0);
    const red = async (file: string) =>
      (await sharp(readFileSync(file)).stats()).channels[0]?.mean ?? 0;

    const centered = join(work, 'centered.png');
    const center = await gridbuilder('build', 'cropped', ['-t', '40', '-f', 'png', '-o', centered]);
    expect(center.code).toBe(0);
    expect(await red(centered)).toBeLessThan(20);

    const kept = join(work, 'attention.png');
    const attention = await gridbuilder('build', 'cropped', [
      ...['-t', '40', '-f', 'png', '--crop', 'attention', '--json', '-o', kept],
    ]);
    expect(attention.code).toBe(0);
    expect(JSON.parse(attention.stdout)).toMatchObject({ crop: 'attention', cached: false });
    expect(await red(kept)).toBeGreaterThan(140);
  });

  it('refuses another crop before asking the server: exit 2, with the choices', async () => {
    const result = await gridbuilder('build', 'cropped', ['--crop', 'smart']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Allowed choices are center, attention, entropy');
  });
});

describe('gridbuilder build --labels name', () => {
  it('writes the names gridbuilder add sent under the photos, and says so', async () => {
    const photos = join(work, 'labelled');
    mkdirSync(photos, { recursive: true });
    writeFileSync(join(photos, 'red.png'), await solidImage(RED, 50, 30, 'png'));
    expect((await gridbuilder('add', 'labelled', [photos])).code).toBe(0);
    const file = join(work, 'labelled.png');
    const result = await gridbuilder('build', 'labelled', [
      ...['-t', '64', '-f', 'png', '--background', 'ffffff', '--labels', 'name', '-o', file],
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('64x80 px'); // a 16 px band under the tile
    expect(result.stdout).toContain('file names under the photos');
    const band = await sharp(readFileSync(file))
      .extract({ left: 0, top: 64, width: 64, height: 16 })
      .raw()
      .toBuffer();
    expect(Math.min(...band)).toBeLessThan(128); // ink on the white band
  });

  it('refuses other labels before asking the server: exit 2, with the choices', async () => {
    const result = await gridbuilder('build', 'labelled', ['--labels', 'names']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Allowed choices are none, name');
  });
});

describe('gridbuilder build --gap --background', () => {
  it('spaces the tiles in the colour asked for, and says so', async () => {
    const photos = join(work, 'spaced');
    mkdirSync(photos, { recursive: true });
    for (const [i, colour] of [RED, GREEN].entries())
      writeFileSync(join(photos, `${i}.png`), await solidImage(colour, 50, 30, 'png'));
    expect((await gridbuilder('add', 'spaced', [photos])).code).toBe(0);

    const file = join(work, 'spaced.png');
    const result = await gridbuilder('build', 'spaced', [
      ...['-t', '20', '-f', 'png', '--gap', '5', '--background', '#fff', '-o', file],
    ]);
    expect(result.code).toBe(0);
    // One column of two: 20 + 2 * 5 wide, 2 * 20 + 3 * 5 high.
    expect(result.stdout).toContain('30x55 px');
    expect(result.stdout).toContain('5 px gaps on #ffffff');
    expect(await pixelAt(readFileSync(file), 0, 0)).toEqual([255, 255, 255]);
    expect(await pixelAt(readFileSync(file), 15, 27)).toEqual([255, 255, 255]);
    expect(near(await pixelAt(readFileSync(file), 15, 15), RED)).toBe(true);
  });

  it('refuses a gap or a colour the server would refuse: exit 2, naming the flag', async () => {
    for (const [flag, value, words] of [
      ['--gap', '300', 'must be a whole number from 0 to 256'],
      ['--gap', 'x', 'must be a whole number from 0 to 256'],
      ['--background', 'white', 'must be a colour as 6 hex digits'],
    ] as const) {
      const result = await gridbuilder('build', 'spaced', [flag, value]);
      expect(result.code, `${flag} ${value}`).toBe(2);
      expect(result.stderr).toContain(flag);
      expect(result.stderr).toContain(words);
    }
  });
});

describe('gridbuilder build --layout justified --width', () => {
  it('keeps every photo whole in rows of the width asked for, and says so', async () => {
    const photos = join(work, 'rows');
    mkdirSync(photos, { recursive: true });
    // 2:1 and 1:2 fill 100 px at 40 px high; the square makes the last row, left-aligned.
    for (const [i, [colour, width, height]] of (
      [
        [RED, 60, 30],
        [GREEN, 30, 60],
        [BLUE, 60, 60],
      ] as const
    ).entries())
      writeFileSync(join(photos, `${i}.png`), await solidImage(colour, width, height, 'png'));
    expect((await gridbuilder('add', 'rows', [photos])).code).toBe(0);

    const file = join(work, 'rows.png');
    const result = await gridbuilder('build', 'rows', [
      ...['-t', '40', '-f', 'png', '--layout', 'justified', '--width', '100', '-o', file],
    ]);
    expect(result.code).toBe(0);
    const placement = justifiedPlacement([2, 0.5, 1], { width: 100, rowHeight: 40, gap: 0 });
    expect(result.stdout).toContain(`100x${placement.height} px`);
    expect(result.stdout).toContain(`${placement.rows} justified rows`);
    for (const [i, colour] of [RED, GREEN, BLUE].entries()) {
      const box = placement.boxes[i] as Box;
      const centre = await pixelAt(readFileSync(file), box.left + 2, box.top + 2);
      expect(near(centre, colour), `photo ${i}`).toBe(true);
    }
  });

  it('refuses a layout or width the server would refuse: exit 2, naming the flag', async () => {
    for (const [args, words] of [
      [['--layout', 'rows'], 'Allowed choices are grid, justified'],
      [['--layout', 'justified', '--width', '10'], 'must be a whole number from 16 to 65535'],
      [['--width', '300'], '--width applies to --layout justified only'],
      [['--layout', 'justified', '--width', '20', '--gap', '10'], 'at least 21'],
    ] as const) {
      const result = await gridbuilder('build', 'rows', [...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(args.at(-2) === '--gap' ? '--width' : args.at(-2));
      expect(result.stderr).toContain(words);
    }
  });
});

describe('build options are checked before anything is built', () => {
  const generateGridRequests = () => requests.filter((r) => r.startsWith('POST /generate_grid'));

  it('refuses a tile size or column count outside the server range: exit 2, naming the flag', async () => {
    requests.length = 0;
    for (const [flag, value, range] of [
      ['--tile-size', '5', 'from 8 to 4096'],
      ['--tile-size', '4097', 'from 8 to 4096'],
      ['--columns', '1001', 'from 1 to 1000'],
    ] as const) {
      const result = await gridbuilder('build', 'trip', [flag, value], {
        cwd: work,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(flag);
      expect(result.stderr).toContain(range);
    }
    expect(generateGridRequests()).toEqual([]);
  });

  it('refuses an output path it could not write, before building: exit 2', async () => {
    const aFile = join(work, 'a-file.txt');
    writeFileSync(aFile, 'not a folder');
    requests.length = 0;
    for (const [output, why] of [
      ['/nonexistent/x.jpg', /folder \/nonexistent does not exist/],
      [join(aFile, 'x.jpg'), /is not a folder/],
      [work, /is a folder/],
    ] as const) {
      const result = await gridbuilder('build', 'trip', ['-o', output]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: /);
      expect(result.stderr).toContain('-o');
      expect(result.stderr).toMatch(why);
      expect(result.stderr).not.toMatch(/ENOENT|ENOTDIR|EISDIR/);
    }
    expect(generateGridRequests()).toEqual([]);
  });
});

describe('usage errors name the command to ask for help', () => {
  it('says "run gridbuilder COMMAND --help", for commander errors and the CLI’s own', async () => {
    const cases: [string[], string][] = [
      [['build', '--grid', 'trip', '--tile-size', 'big'], 'gridbuilder build --help'],
      [['ls'], 'gridbuilder ls --help'],
      [['add', '--grid', 'x', join(work, 'photos', 'notes.txt')], 'gridbuilder add --help'],
      [['rm', '--grid', 'trip'], 'gridbuilder rm --help'],
      [['frobnicate'], 'gridbuilder --help'],
    ];
    for (const [args, help] of cases) {
      const result = await runCli([...args, ...urlArgs()]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: /m);
      expect(result.stderr.trimEnd().endsWith(`(run ${help} for usage)`)).toBe(true);
    }
  });
});

describe('-c means --columns', () => {
  it('builds with -c as the number of columns', async () => {
    const out = join(work, 'one-column.jpg');
    const result = await gridbuilder('build', 'trip', ['-c', '1', '--tile-size', '20', '-o', out]);
    expect(result.code).toBe(0);
    expect(await sharp(readFileSync(out)).metadata()).toMatchObject({ width: 20, height: 100 });
  });

  it('refuses -c in add, pointing to --concurrency, and uploads nothing', async () => {
    requests.length = 0;
    const result = await gridbuilder('add', 'c-add', [join(work, 'photos'), '-c', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--concurrency');
    expect(requests.filter((r) => r.startsWith('POST /add_image'))).toEqual([]);

    const help = await runCli(['add', '--help']);
    expect(help.stdout).toContain('--concurrency <n>');
    expect(help.stdout).not.toMatch(/-c, /);
    const buildHelp = await runCli(['build', '--help']);
    expect(buildHelp.stdout).toContain('-c, --columns <n>');
  });
});

describe('the grid keeps the order of the files', () => {
  let folder: string;
  beforeAll(async () => {
    folder = join(work, 'ordered');
    mkdirSync(folder, { recursive: true });
    // The first file is the big one: its two-step upload and check take the longest, so
    // at several uploads at once it arrives last.
    writeFileSync(join(folder, 'photo1.png'), await noisyPng());
    for (const [i, width] of [40, 50, 60, 70].entries()) {
      writeFileSync(join(folder, `photo${i + 2}.jpg`), await solidImage(RED, width, 30));
    }
    writeFileSync(join(folder, 'photo10.jpg'), await solidImage(GREEN, 80, 30));
  });
  const widths = async (grid: string) => {
    const result = await gridbuilder('ls', grid, ['--json']);
    return JSON.parse(result.stdout).images.map((i: { width: number }) => i.width);
  };

  it('at the default concurrency: name order within the folder, whatever order uploads arrive in', async () => {
    const result = await gridbuilder('add', 'ordered', [folder]);
    expect(result.code).toBe(0);
    expect(await widths('ordered')).toEqual([1500, 40, 50, 60, 70, 80]);
  });

  it('gridbuilder order puts the named images first, the others after in their order', async () => {
    const ids = JSON.parse((await gridbuilder('ls', 'ordered', ['--json'])).stdout).images.map(
      (i: { image_id: string }) => i.image_id,
    );
    const result = await gridbuilder('order', 'ordered', [ids[5], ids[2]]);
    expect(result.stdout).toContain('Rearranged grid ordered (6 images).');
    expect(result.code).toBe(0);
    expect(await widths('ordered')).toEqual([80, 50, 1500, 40, 60, 70]);

    const unknown = await gridbuilder('order', 'ordered', ['01J9Z3K5R8X2V6W4T0Q7M1N3B5']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no image 01J9Z3K5R8X2V6W4T0Q7M1N3B5');
    expect(await widths('ordered')).toEqual([80, 50, 1500, 40, 60, 70]);
  });
});

describe('a grid longer than one page of the listing', () => {
  it('ls lists every image, for people and as JSON, and order names them all', async () => {
    // One more than the server's default page: two pages to follow.
    const ids = await addImages(labCalls(server.url), 'many', 501);
    requests.length = 0;
    const json = await gridbuilder('ls', 'many', ['--json']);
    expect(json.code).toBe(0);
    const listing = JSON.parse(json.stdout);
    expect(listing.images.map((image: { image_id: string }) => image.image_id)).toEqual(ids);
    expect(listing).toMatchObject({ uniqueGridId: 'many', image_count: 501, next_cursor: null });
    expect(requests.filter((request) => request === 'GET /grids/many')).toHaveLength(2);

    const table = (await gridbuilder('ls', 'many')).stdout.split('\n');
    expect(table.at(-2)).toBe('501 images in grid many.');
    expect(table.at(-3)).toMatch(new RegExp(`^501 +${ids[500]} `));

    const ordered = await gridbuilder('order', 'many', [ids[500] as string]);
    expect(ordered.code).toBe(0);
    expect(ordered.stdout).toContain('Rearranged grid many (501 images).');
  });
});
