import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { createGridBuilder } from '../../src/app/create-grid-builder.js';
import { type Config, loadConfig } from '../../src/config.js';
import { GridService } from '../../src/core/grid-service.js';
import type { Bucket, GridIndex, ObjectStore } from '../../src/core/ports.js';
import { sharpImaging } from '../../src/imaging/sharp-imaging.js';
import { createLogger } from '../../src/logger.js';
import { startServer } from '../../src/server/start-server.js';
import { createAwsStorage } from '../../src/storage/aws/create-aws-storage.js';
import { createLocalStorage } from '../../src/storage/local/create-local-storage.js';
import { contentTypeOf, SIGNED_FILES_PATH } from '../../src/storage/local/file-object-store.js';
import type { StorageBackend as Storage } from '../../src/storage/storage-backend.js';
import {
  type AwsServers,
  awsClientOverrides,
  awsEnv,
  awsStorageConfig,
  startAwsServers,
} from './aws-servers.js';
import { type LabCalls, labCalls, removeDataDir, startTestServer } from './local-server.js';
import { startedLater } from './started-later.js';

/**
 * Both storage backends, opened fresh, with the service settings the configuration
 * gives: for tests that must hold on each (`describe.each(STORAGE_BACKENDS)`). Either
 * as ports (`open`) or behind a real GridBuilder server on 127.0.0.1 (`startServer`).
 */
export interface StorageBackend {
  name: string;
  /** `env` adds to the configuration (given back as `config`, for an app over the storage). */
  open(env?: Record<string, string>): Promise<{
    storage: Storage;
    settings: GridService['settings'];
    config: Config;
    stop(): Promise<void>;
  }>;
  /** A server over a fresh backend; `env` adds to its settings. */
  startServer(env?: Record<string, string>): Promise<BackendServer>;
  /**
   * Settings that make each presigned link about 2 KB longer: on AWS a session token,
   * as a Lambda role's credentials carry (~1.2 KB); locally a long PUBLIC_URL path.
   * Links made so are for measuring answers, not for following.
   */
  longLinks: Record<string, string>;
}

/** A GridBuilder server over one backend, and a look at what that backend stores. */
export interface BackendServer extends LabCalls {
  url: string;
  /** What is really stored, read past GridBuilder (the files, or S3 itself). */
  stored: StoredObjects;
  /** Where the backend's presigned links to `bucket`'s objects start. */
  linkPrefix(bucket: Bucket): string;
  /** The query parameter that carries a presigned link's signature. */
  signatureParameter: string;
  close(): Promise<void>;
}

export interface StoredObjects {
  /** The keys under `prefix`, sorted; none when nothing was ever stored there. */
  keys(bucket: Bucket, prefix: string): Promise<string[]>;
  /** The type the object is served with, or undefined when there is no such object. */
  contentType(bucket: Bucket, key: string): Promise<string | undefined>;
}

const logger = createLogger('silent');

export const STORAGE_BACKENDS: StorageBackend[] = [
  {
    name: 'local disk + SQLite',
    async open(env = {}) {
      const dataDir = mkdtempSync(join(tmpdir(), 'gridbuilder-backend-'));
      const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });
      const storage = createLocalStorage(config);
      return {
        storage,
        config,
        settings: createGridBuilder(config, logger, storage).service.settings,
        async stop() {
          storage.close();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
    longLinks: { PUBLIC_URL: `http://127.0.0.1:9/${'long-prefix/'.repeat(170)}` },
    async startServer(env) {
      const server = await startTestServer(env);
      const objects = join(server.dataDir, 'objects');
      const keys = async (bucket: Bucket, prefix: string) => {
        const files = await readdir(join(objects, bucket), {
          recursive: true,
          withFileTypes: true,
        }).catch(() => []);
        return files
          .filter((entry) => entry.isFile())
          .map((entry) =>
            join(entry.parentPath, entry.name).slice(join(objects, bucket).length + 1),
          )
          .filter((key) => key.startsWith(prefix))
          .sort();
      };
      return {
        url: server.url,
        ...labCalls(server.url),
        stored: {
          keys,
          // The local store serves each object with the type its key's extension names.
          contentType: async (bucket, key) =>
            (await keys(bucket, key)).includes(key) ? contentTypeOf(key) : undefined,
        },
        linkPrefix: (bucket) => `${server.url}${SIGNED_FILES_PATH}/${bucket}/`,
        signatureParameter: 'signature',
        async close() {
          await server.close();
          removeDataDir(server);
        },
      };
    },
  },
  {
    name: 'S3 + DynamoDB protocol servers',
    async open(env = {}) {
      const servers: AwsServers = await startAwsServers();
      const config = awsStorageConfig(servers, env);
      const storage = createAwsStorage(config, awsClientOverrides(servers));
      return {
        storage,
        config,
        settings: createGridBuilder(config, logger, storage).service.settings,
        async stop() {
          storage.close();
          await servers.stop();
        },
      };
    },
    longLinks: { AWS_SESSION_TOKEN: randomBytes(1500).toString('base64') },
    async startServer(env = {}) {
      const servers = await startAwsServers();
      // The server finds the protocol servers the way it would find any S3- or
      // DynamoDB-compatible store: through AWS_ENDPOINT_URL_S3 and
      // AWS_ENDPOINT_URL_DYNAMODB, which the SDK reads itself.
      const savedEnv = process.env;
      process.env = { ...savedEnv, ...awsEnv(servers), ...env };
      const server = await startServer(awsStorageConfig(servers, { PORT: '0', ...env }), logger);
      const s3 = servers.s3.client();
      const bucketName = (bucket: Bucket) =>
        bucket === 'source' ? servers.sourceBucket : servers.destinationBucket;
      return {
        url: server.url,
        ...labCalls(server.url),
        stored: {
          async keys(bucket, prefix) {
            const listed = await s3.send(
              new ListObjectsV2Command({ Bucket: bucketName(bucket), Prefix: prefix }),
            );
            return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
          },
          contentType: (bucket, key) =>
            s3.send(new HeadObjectCommand({ Bucket: bucketName(bucket), Key: key })).then(
              (head) => head.ContentType,
              () => undefined,
            ),
        },
        linkPrefix: (bucket) => `${servers.s3.endpoint}/${bucketName(bucket)}/`,
        signatureParameter: 'X-Amz-Signature',
        async close() {
          s3.destroy();
          await server.close();
          await servers.stop();
          process.env = savedEnv;
        },
      };
    },
  },
];

/**
 * Opens `backend` before the enclosing suite's tests and stops it after them. Gives its
 * storage and a service over its ports, or over stand-ins for one of them (a pause point).
 */
export function useStorageBackend(backend: StorageBackend, env?: Record<string, string>) {
  let opened: Awaited<ReturnType<StorageBackend['open']>> | undefined;
  beforeAll(async () => {
    opened = await backend.open(env);
  });
  afterAll(async () => {
    await opened?.stop();
  });
  const current = () => {
    if (!opened) throw new Error(`${backend.name} is not open yet`);
    return opened;
  };
  return {
    get storage(): Storage {
      return current().storage;
    },
    get settings(): GridService['settings'] {
      return current().settings;
    },
    get config(): Config {
      return current().config;
    },
    service(
      objects: ObjectStore = current().storage.objects,
      index: GridIndex = current().storage.index,
    ): GridService {
      return new GridService(objects, index, sharpImaging, current().settings);
    },
  };
}

/** Starts a server over `backend` before the enclosing suite's tests and closes it after them. */
export function useBackendServer(
  backend: StorageBackend,
  env?: Record<string, string>,
): BackendServer {
  let running: BackendServer | undefined;
  beforeAll(async () => {
    running = await backend.startServer(env);
  });
  afterAll(async () => {
    await running?.close();
  });
  return startedLater(() => running, backend.name);
}
