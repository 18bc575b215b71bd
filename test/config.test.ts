import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, configOfProcess, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      STORAGE: 'local',
      PORT: 3000,
      DATA_DIR: './data',
      URL_EXPIRES_SECONDS: 300,
      MAX_UPLOAD_BYTES: 25 * 1024 * 1024,
      TILE_SIZE: 300,
      TABLE_NAME: 'GridBuilder',
      SYNC_BUILD_SECONDS: 20,
      MAX_BACKGROUND_BUILDS: 16,
      BUILD_STALL_SECONDS: 960,
    });
    expect(config.PUBLIC_URL).toBeUndefined();
  });

  it('reads and converts values', () => {
    const config = loadConfig({
      PORT: '8080',
      PUBLIC_URL: 'https://grids.example.com/',
      TILE_SIZE: '200',
    });
    expect(config.PORT).toBe(8080);
    expect(config.TILE_SIZE).toBe(200);
    expect(config.PUBLIC_URL).toBe('https://grids.example.com');
  });

  it('names every bad variable in one error', () => {
    const load = () =>
      loadConfig({
        PORT: 'abc',
        URL_EXPIRES_SECONDS: '0',
        STORAGE: 'ftp',
        PUBLIC_URL: 'not a url',
        TILE_SIZE: '2.5',
      });
    expect(load).toThrow(ConfigError);
    try {
      load();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/PORT: PORT must be a whole number/);
      expect(message).toMatch(/URL_EXPIRES_SECONDS: URL_EXPIRES_SECONDS must be at least 1/);
      expect(message).toMatch(/STORAGE: STORAGE must be "local" or "aws"/);
      expect(message).toMatch(/PUBLIC_URL: PUBLIC_URL must be an http\(s\) URL/);
      expect(message).toMatch(/TILE_SIZE: TILE_SIZE must be a whole number/);
    }
  });

  it('reads RENDITION_SIZES as sorted short sides, empty for none', () => {
    expect(loadConfig({}).RENDITION_SIZES).toEqual([256, 640]);
    expect(loadConfig({ RENDITION_SIZES: ' 1024, 320 ,320' }).RENDITION_SIZES).toEqual([320, 1024]);
    expect(loadConfig({ RENDITION_SIZES: '' }).RENDITION_SIZES).toEqual([]);
    for (const bad of ['abc', '320,x', '8', '320,10000', '2.5']) {
      expect(() => loadConfig({ RENDITION_SIZES: bad })).toThrow(
        /RENDITION_SIZES\.\d: RENDITION_SIZES must be whole numbers from 16 to 4096/,
      );
    }
  });

  it('rejects a short signing secret', () => {
    expect(() => loadConfig({ URL_SIGNING_SECRET: 'short' })).toThrow(/at least 32 characters/);
  });

  it('asks for the buckets when STORAGE=aws', () => {
    expect(() => loadConfig({ STORAGE: 'aws' })).toThrow(/SOURCE_BUCKET and DESTINATION_BUCKET/);
    expect(
      loadConfig({ STORAGE: 'aws', SOURCE_BUCKET: 's', DESTINATION_BUCKET: 'd' }).STORAGE,
    ).toBe('aws');
  });

  it('refuses API keys that no Authorization header could carry', () => {
    // "abc def ghi jkl mno" is 19 characters, so the length check passed it, but the
    // Bearer scheme carries one token without spaces: the key could never match.
    for (const keys of [
      'abc def ghi jkl mno',
      'good-key-0123456789,bad key\t0123456789',
      'clé-secrète-0123456789',
    ]) {
      expect(() => loadConfig({ API_KEYS: keys })).toThrow(ConfigError);
      expect(() => loadConfig({ API_KEYS: keys })).toThrow(
        /API_KEYS: .*visible ASCII characters.*no spaces/,
      );
    }
    expect(
      loadConfig({ API_KEYS: ' key-0123456789abcdef , key.0123456789~+/= ' }).API_KEYS,
    ).toEqual(['key-0123456789abcdef', 'key.0123456789~+/=']);
  });
});

describe('configuration for STORAGE=aws', () => {
  const buckets = { STORAGE: 'aws', SOURCE_BUCKET: 'src', DESTINATION_BUCKET: 'dst' };

  it('reads S3_FORCE_PATH_STYLE as a flag, off by default', () => {
    expect(loadConfig(buckets).S3_FORCE_PATH_STYLE).toBe(false);
    expect(loadConfig({ ...buckets, S3_FORCE_PATH_STYLE: 'true' }).S3_FORCE_PATH_STYLE).toBe(true);
    expect(loadConfig({ ...buckets, S3_FORCE_PATH_STYLE: '1' }).S3_FORCE_PATH_STYLE).toBe(true);
    expect(loadConfig({ ...buckets, S3_FORCE_PATH_STYLE: 'false' }).S3_FORCE_PATH_STYLE).toBe(
      false,
    );
    expect(() => loadConfig({ ...buckets, S3_FORCE_PATH_STYLE: 'yes please' })).toThrow(
      /S3_FORCE_PATH_STYLE must be true or false/,
    );
  });

  it('runs builds in this process unless BUILD_FUNCTION_NAME names a Lambda function', () => {
    expect(loadConfig(buckets).BUILD_FUNCTION_NAME).toBeUndefined();
    expect(
      loadConfig({ ...buckets, BUILD_FUNCTION_NAME: 'GridBuilder-BuildWorker' })
        .BUILD_FUNCTION_NAME,
    ).toBe('GridBuilder-BuildWorker');
    expect(loadConfig({ ...buckets, BUILD_FUNCTION_NAME: '' }).BUILD_FUNCTION_NAME).toBeUndefined();
  });

  // S3 refuses a link signed with temporary credentials once their session ends, and no
  // IAM role session (a Lambda function's, a container's) lasts longer than 12 hours.
  it('caps URL_EXPIRES_SECONDS at the 12 hours a role session lasts at most', () => {
    expect(loadConfig({ ...buckets, URL_EXPIRES_SECONDS: '43200' }).URL_EXPIRES_SECONDS).toBe(
      43_200,
    );
    expect(() => loadConfig({ ...buckets, URL_EXPIRES_SECONDS: '43201' })).toThrow(
      /URL_EXPIRES_SECONDS must be at most 43200 \(12 hours\) with STORAGE=aws: .*session/,
    );
    expect(loadConfig({ URL_EXPIRES_SECONDS: '604800' }).URL_EXPIRES_SECONDS).toBe(604_800);
  });

  // On Lambda the invocation's remaining time bounds each storage call; the server has
  // this, so that a hung S3 or DynamoDB call cannot hold a request for good.
  it('bounds each storage call by STORAGE_CALL_TIMEOUT_MS, 30 s unless told', () => {
    expect(loadConfig(buckets).STORAGE_CALL_TIMEOUT_MS).toBe(30_000);
    expect(
      loadConfig({ ...buckets, STORAGE_CALL_TIMEOUT_MS: '2500' }).STORAGE_CALL_TIMEOUT_MS,
    ).toBe(2_500);
    for (const value of ['0', '99', 'soon', '600001']) {
      expect(() => loadConfig({ ...buckets, STORAGE_CALL_TIMEOUT_MS: value }), value).toThrow(
        /STORAGE_CALL_TIMEOUT_MS: STORAGE_CALL_TIMEOUT_MS must be/,
      );
    }
  });

  it('needs both bucket names', () => {
    expect(() => loadConfig({ STORAGE: 'aws', SOURCE_BUCKET: 'src' })).toThrow(ConfigError);
    expect(() => loadConfig({ STORAGE: 'aws', SOURCE_BUCKET: 'src' })).toThrow(
      /SOURCE_BUCKET and DESTINATION_BUCKET/,
    );
  });
});

describe('configOfProcess', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('reads the environment, under a command’s flags and over its fallbacks', () => {
    vi.stubEnv('PORT', '4000');
    vi.stubEnv('HOST', '0.0.0.0');
    vi.stubEnv('API_KEYS', 'env-key-0123456789abcdef');
    const config = configOfProcess({
      overrides: { PORT: '5000', DATA_DIR: undefined },
      fallbacks: { API_KEYS: 'flag-key-0123456789abcdef' },
    });
    expect(config).toMatchObject({ PORT: 5000, HOST: '0.0.0.0', DATA_DIR: './data' });
    expect(config.API_KEYS).toEqual(['env-key-0123456789abcdef']);
  });

  it('takes a fallback where the environment has no value or an empty one', () => {
    vi.stubEnv('API_KEYS', '');
    expect(
      configOfProcess({ fallbacks: { API_KEYS: 'flag-key-0123456789abcdef' } }).API_KEYS,
    ).toEqual(['flag-key-0123456789abcdef']);
  });

  it('leaves the environment as it was', () => {
    vi.stubEnv('PORT', '4000');
    configOfProcess({ overrides: { PORT: '5000' } });
    expect(process.env.PORT).toBe('4000');
  });
});
