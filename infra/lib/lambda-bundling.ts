import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The CPU a function runs on; sharp's native binaries must be installed for it. */
export type LambdaCpu = 'arm64' | 'x64';

/**
 * How the Lambda code is bundled, without Docker: esbuild (installed locally) bundles
 * src/lambda/handlers.ts and everything it imports, the AWS SDK included (so the
 * deployed code runs the SDK version the tests ran, not whatever the runtime ships).
 * sharp cannot be bundled (native addon + libvips), so it is installed next to the
 * bundle by npm for the function's platform: npm_config_os/cpu/libc make npm pick
 * @img/sharp-linux-arm64 (or -x64) from the lockfile, whatever the build machine is.
 * libheif-js (HEIC decoding, WebAssembly) is installed the same way, since its decoder
 * threads load it by file name, then cut to the one variant they load (the .wasm
 * inlined in libheif-bundle.js) and its licences: 2 MB instead of 8.5.
 * assets/fonts (the labels' font and a fontconfig file naming only it) is copied next
 * to the bundle, as `fonts/`: the functions' FONTCONFIG_FILE points at it.
 * The test suite builds the same bundle for the host's CPU and invokes it.
 */
export function lambdaBundling(cpu: LambdaCpu): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    target: 'node22',
    mainFields: ['module', 'main'],
    // CommonJS dependencies inside an ES module bundle still call require().
    banner:
      "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    minify: true,
    // esbuild and npm print only errors (npm has no 'warning' level).
    logLevel: LogLevel.ERROR,
    sourceMap: true,
    bundleAwsSDK: true,
    nodeModules: ['sharp', 'libheif-js'],
    environment: {
      npm_config_os: 'linux',
      npm_config_cpu: cpu,
      npm_config_libc: 'glibc',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_prefer_offline: 'true',
    },
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        `cp -R "${inputDir}/assets/fonts" "${outputDir}/fonts"`,
        // Fail the build rather than ship a function that cannot load sharp.
        `test -d "${outputDir}/node_modules/@img/sharp-linux-${cpu}" || { echo "sharp for linux-${cpu} is missing from the Lambda bundle" >&2; exit 1; }`,
        `test -f "${outputDir}/node_modules/libheif-js/wasm-bundle.js" || { echo "libheif-js is missing from the Lambda bundle" >&2; exit 1; }`,
        `cd "${outputDir}/node_modules/libheif-js" && rm -rf index.js wasm.js README.md libheif libheif-wasm/libheif.js libheif-wasm/libheif.wasm libheif-wasm/libheif-bundle.mjs libheif-wasm/libheif.d.ts`,
        // The whole project's lockfile is only needed for the install above.
        `rm -f "${outputDir}/package-lock.json"`,
      ],
    },
  };
}
